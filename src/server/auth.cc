#include "server/auth.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <nlohmann/json.hpp>

namespace thingsdb::server {
namespace {

using nlohmann::json;

std::string Sha256Raw(std::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

std::string ToHex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 15]);
  }
  return out;
}

Result<std::string> FromHex(std::string_view hex, std::string_view what) {
  if (hex.size() != 2 * SHA256_DIGEST_LENGTH) {
    return Status::InvalidArgument(fmt::format("{}: sha256 must be 64 hex digits", what));
  }
  std::string out;
  for (size_t pos = 0; pos < hex.size(); pos += 2) {
    int value = 0;
    for (size_t nibble = 0; nibble < 2; ++nibble) {
      char c = hex[pos + nibble];
      int digit = (c >= '0' && c <= '9')   ? c - '0'
                  : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                  : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                           : -1;
      if (digit < 0) {
        return Status::InvalidArgument(fmt::format("{}: sha256 must be 64 hex digits", what));
      }
      value = value * 16 + digit;
    }
    out.push_back(static_cast<char>(value));
  }
  return out;
}

Result<RateLimit> ParseRateLimit(const json& node, std::string_view what) {
  RateLimit limit;
  if (!node.is_object()) return Status::InvalidArgument(fmt::format("{} must be an object", what));
  for (const auto& [key, value] : node.items()) {
    if ((key != "perSecond" && key != "burst") || !value.is_number()) {
      return Status::InvalidArgument(
          fmt::format("{}: expected numeric \"perSecond\" and \"burst\"", what));
    }
  }
  limit.per_second = node.value("perSecond", 0.0);
  limit.burst = node.value("burst", limit.per_second);
  return limit;
}

Result<std::vector<std::string>> StringList(const json& grant, const char* key,
                                            std::string_view what) {
  std::vector<std::string> out;
  auto it = grant.find(key);
  if (it == grant.end()) return out;
  if (!it->is_array()) {
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\" must be an array of strings", what, key));
  }
  for (const auto& item : *it) {
    if (!item.is_string() || item.get<std::string>().empty()) {
      return Status::InvalidArgument(
          fmt::format("{}: \"{}\" must hold non-empty strings", what, key));
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<TokenGrant> ParseGrant(const json& node, size_t index, const RateLimit& default_limit) {
  std::string what = fmt::format("tokens[{}]", index);
  if (!node.is_object()) return Status::InvalidArgument(what + " must be an object");
  TokenGrant grant;
  grant.rate_limit = default_limit;
  static const char* kKeys[] = {"name", "sha256", "access", "namespaces", "prefixes", "rateLimit"};
  for (const auto& [key, value] : node.items()) {
    if (std::find_if(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return key == k; }) ==
        std::end(kKeys)) {
      return Status::InvalidArgument(fmt::format("{}: unknown field \"{}\"", what, key));
    }
  }
  auto name = node.find("name");
  if (name == node.end() || !name->is_string() || name->get<std::string>().empty()) {
    return Status::InvalidArgument(what + ": \"name\" must be a non-empty string");
  }
  grant.name = name->get<std::string>();
  what = fmt::format("token '{}'", grant.name);
  auto sha = node.find("sha256");
  if (sha == node.end() || !sha->is_string()) {
    return Status::InvalidArgument(what + ": \"sha256\" is missing");
  }
  ASSIGN_OR_RETURN(grant.sha256, FromHex(sha->get<std::string>(), what));
  std::string access = node.value("access", "read");
  if (access == "write") {
    grant.access = Access::kWrite;
  } else if (access != "read") {
    return Status::InvalidArgument(what + ": \"access\" must be \"read\" or \"write\"");
  }
  ASSIGN_OR_RETURN(grant.namespaces, StringList(node, "namespaces", what));
  ASSIGN_OR_RETURN(grant.prefixes, StringList(node, "prefixes", what));
  if (grant.namespaces.empty() && grant.prefixes.empty()) {
    return Status::InvalidArgument(what + ": give \"namespaces\" or \"prefixes\"");
  }
  if (node.contains("rateLimit")) {
    ASSIGN_OR_RETURN(grant.rate_limit, ParseRateLimit(node["rateLimit"], what + " rateLimit"));
  }
  return grant;
}

}  // namespace

Result<Authenticator> Authenticator::Create(std::string_view admin_token,
                                            std::string_view config_json) {
  if (admin_token.empty()) return Status::InvalidArgument("the admin token is empty");
  Authenticator auth;
  TokenGrant admin;
  admin.name = "admin";
  admin.sha256 = Sha256Raw(admin_token);
  admin.admin = true;
  admin.access = Access::kWrite;
  auth.grants_.push_back(admin);
  if (config_json.empty()) return auth;

  json config = json::parse(config_json, nullptr, false);
  if (config.is_discarded() || !config.is_object()) {
    return Status::InvalidArgument("auth configuration: not a JSON object");
  }
  for (const auto& [key, value] : config.items()) {
    if (key != "tokens" && key != "rateLimit" && key != "adminRateLimit") {
      return Status::InvalidArgument(fmt::format("auth configuration: unknown field \"{}\"", key));
    }
  }
  RateLimit default_limit;
  if (config.contains("rateLimit")) {
    ASSIGN_OR_RETURN(default_limit, ParseRateLimit(config["rateLimit"], "rateLimit"));
  }
  if (config.contains("adminRateLimit")) {
    ASSIGN_OR_RETURN(auth.grants_[0].rate_limit,
                     ParseRateLimit(config["adminRateLimit"], "adminRateLimit"));
  }
  if (config.contains("tokens")) {
    const json& tokens = config["tokens"];
    if (!tokens.is_array()) return Status::InvalidArgument("\"tokens\" must be an array");
    for (size_t idx = 0; idx < tokens.size(); ++idx) {
      ASSIGN_OR_RETURN(TokenGrant grant, ParseGrant(tokens[idx], idx, default_limit));
      for (const TokenGrant& other : auth.grants_) {
        if (other.name == grant.name) {
          return Status::InvalidArgument(fmt::format("token name '{}' is used twice", grant.name));
        }
      }
      auth.grants_.push_back(std::move(grant));
    }
  }
  return auth;
}

Result<const TokenGrant*> Authenticator::Authenticate(std::string_view authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.empty()) {
    return Status::Unauthenticated("missing Authorization: Bearer token");
  }
  if (authorization.size() <= kBearer.size() ||
      authorization.substr(0, kBearer.size()) != kBearer) {
    return Status::Unauthenticated("the Authorization header is not 'Bearer <token>'");
  }
  std::string digest = Sha256Raw(authorization.substr(kBearer.size()));
  // Every grant is compared, each in constant time, so timing says nothing about which
  // (or whether a) digest matched.
  const TokenGrant* found = nullptr;
  for (const TokenGrant& grant : grants_) {
    if (CRYPTO_memcmp(grant.sha256.data(), digest.data(), digest.size()) == 0) found = &grant;
  }
  if (!found) return Status::Unauthenticated("unknown token");
  return found;
}

Status Authenticator::Authorize(const TokenGrant& grant, std::string_view ns, Access access) {
  if (grant.admin) return Status::OK();
  if (access == Access::kWrite && grant.access != Access::kWrite) {
    return Status::PermissionDenied(
        fmt::format("token '{}' may only read namespace '{}'", grant.name, ns));
  }
  for (const std::string& name : grant.namespaces) {
    if (name == ns) return Status::OK();
  }
  for (const std::string& prefix : grant.prefixes) {
    if (ns.substr(0, prefix.size()) == prefix) return Status::OK();
  }
  return Status::PermissionDenied(
      fmt::format("token '{}' has no access to namespace '{}'", grant.name, ns));
}

std::string Sha256Hex(std::string_view text) { return ToHex(Sha256Raw(text)); }

Result<std::string> GenerateToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return Status::Internal("RAND_bytes failed to generate a token");
  }
  return ToHex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

}  // namespace thingsdb::server
