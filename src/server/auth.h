// Bearer-token authentication and namespace scopes. Tokens are held only as SHA-256 digests
// (OpenSSL libcrypto) and compared in constant time. The admin token may do anything; a
// scoped token reads (or reads and writes) the namespaces it names exactly or by prefix.
// Immutable after construction, so thread-safe. The file format is in docs/server.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "server/rate_limiter.h"

namespace thingsdb::server {

enum class Access { kRead, kWrite };

struct TokenGrant {
  std::string name;    // for logs, metrics and the rate-limit bucket; never the secret
  std::string sha256;  // 32 raw bytes
  bool admin = false;
  Access access = Access::kRead;
  std::vector<std::string> namespaces;  // exact names
  std::vector<std::string> prefixes;    // name prefixes
  RateLimit rate_limit;
};

class Authenticator {
 public:
  // `config_json` may be empty (admin only). Its shape:
  // {"rateLimit":{"perSecond":N,"burst":N},
  //  "tokens":[{"name":"…","sha256":"<64 hex>","access":"read"|"write",
  //             "namespaces":["…"],"prefixes":["…"],"rateLimit":{…}}]}
  // "rateLimit" at the top is the default for scoped tokens; "adminRateLimit" the admin's
  // (unlimited unless given). An empty admin token is refused.
  static Result<Authenticator> Create(std::string_view admin_token, std::string_view config_json);

  // Checks an Authorization header value ("Bearer <token>"). Unauthenticated when it is
  // missing, malformed or unknown. The returned grant lives as long as this Authenticator.
  Result<const TokenGrant*> Authenticate(std::string_view authorization) const;

  // PermissionDenied unless `grant` may `access` namespace `ns`.
  static Status Authorize(const TokenGrant& grant, std::string_view ns, Access access);

  size_t token_count() const { return grants_.size(); }

 private:
  std::vector<TokenGrant> grants_;  // [0] is the admin token
};

// SHA-256 of `text` as 64 lowercase hex digits (what the configuration file stores).
std::string Sha256Hex(std::string_view text);
// 32 random bytes from OpenSSL's RAND_bytes as 64 hex digits: a fresh admin token.
Result<std::string> GenerateToken();

}  // namespace thingsdb::server
