// AWS Signature Version 4 for S3 requests (docs/object_store.md#signing): canonical request with
// RFC 3986-encoded, sorted query parameters and trimmed, sorted, lower-cased headers; the
// string to sign; the HMAC-SHA256 signing key chain. Pure functions over OpenSSL; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace thingsdb {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials (sent as x-amz-security-token)
};

struct SigV4Request {
  std::string method;  // "GET", "PUT", ...
  // The path exactly as sent on the wire, already percent-encoded once ("/bucket/a%20b").
  std::string canonical_uri;
  // Decoded query parameters in any order; encoded and sorted by the signer.
  std::vector<std::pair<std::string, std::string>> query;
  // Every header to sign, "host" included, in any case and order; repeated names are joined.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256;  // lower-case hex, or "UNSIGNED-PAYLOAD"
};

struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-date"
  std::string signature;       // lower-case hex
  std::string authorization;   // the Authorization header value
};

// Signs `request` at `amz_date` ("20150830T123600Z") for `region` and `service` ("s3").
SigV4Signature SignV4(const SigV4Request& request, const AwsCredentials& credentials,
                      std::string_view region, std::string_view service, std::string_view amz_date);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay, every other byte
// becomes %XX (upper-case hex); '/' stays unless `encode_slash`.
std::string UriEncode(std::string_view text, bool encode_slash);

// "a=1&b=2": names and values UriEncode()d (slashes too), sorted by name, then value.
std::string CanonicalQueryString(const std::vector<std::pair<std::string, std::string>>& query);

std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string HexEncode(std::string_view bytes);

// "20150830T123600Z" in UTC.
std::string FormatAmzDate(std::chrono::system_clock::time_point time);

}  // namespace thingsdb
