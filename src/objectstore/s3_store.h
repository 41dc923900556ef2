// S3Store: an ObjectStore over any S3-compatible service (AWS S3, R2, MinIO, moto) with libcurl
// and our own SigV4 signer (sigv4.h). Every key gets `prefix` prepended. Retries 5xx, 429 and
// broken connections with jittered exponential backoff; multipart above a threshold. Thread-safe:
// a small pool of reused connections. Behaviour and settings: docs/object_store.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "objectstore/object_store.h"
#include "objectstore/sigv4.h"

namespace thingsdb {

enum class S3Addressing {
  kAuto,           // virtual-hosted on AWS (no endpoint given), path-style on a custom endpoint
  kPath,           // http://endpoint/bucket/key
  kVirtualHosted,  // http://bucket.endpoint/key
};

enum class S3PutIfAbsentMode {
  kConditional,  // PUT with If-None-Match: * (AWS, R2, MinIO, moto): atomic, 412 → Conflict
  // HEAD, then PUT when missing: NOT atomic (two writers can both win). Only for stores that
  // ignore If-None-Match (s3rver); a warning is printed once per process.
  kHeadThenPut,
};

struct S3Options {
  std::string endpoint;  // "http://127.0.0.1:9000"; empty: https://s3.<region>.amazonaws.com
  std::string region;    // empty: "us-east-1"
  std::string bucket;
  std::string prefix;  // prepended verbatim to every key: "" or "warehouse/" (ends with '/')
  AwsCredentials credentials;
  S3Addressing addressing = S3Addressing::kAuto;
  S3PutIfAbsentMode put_if_absent = S3PutIfAbsentMode::kConditional;

  uint64_t multipart_threshold = 16ull << 20;  // Put of more bytes goes multipart
  uint64_t multipart_part_size = 8ull << 20;   // S3 wants >= 5 MiB except for the last part
  int max_list_keys = 1000;                    // ListObjectsV2 page size (max-keys)

  int max_attempts = 4;  // per request, the first included
  std::chrono::milliseconds retry_base_delay{100};
  std::chrono::milliseconds retry_max_delay{5000};
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{60000};  // a whole request, body included
  size_t max_idle_connections = 8;
  // "127.0.0.1:9000": connect there whatever host the URL names (curl's CONNECT_TO), for
  // virtual-hosted addressing against a local server or split-horizon DNS. Empty: DNS.
  std::string connect_address;

  // Fills the empty fields from AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3), AWS_REGION (or
  // AWS_DEFAULT_REGION), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
  void FillFromEnvironment();
};

class S3Store : public ObjectStore {
 public:
  // Checks the options (bucket, endpoint syntax, part sizes); no network traffic.
  static Result<std::unique_ptr<S3Store>> Open(S3Options options);
  ~S3Store() override;
  S3Store(const S3Store&) = delete;
  S3Store& operator=(const S3Store&) = delete;

  // A range past the end is cut at the end; a range starting at or past the end is empty.
  Result<std::string> Get(std::string_view key,
                          std::optional<ByteRange> range = std::nullopt) override;
  // Single PUT up to multipart_threshold, multipart above (aborted on failure).
  Status Put(std::string_view key, std::string_view data) override;
  // Always a single PUT (max 5 GiB), per options.put_if_absent. A retry after a lost response
  // may report Conflict for the caller's own write (S3 gives no way to tell).
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Status Delete(std::string_view key) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  std::string Describe() const override;

  const S3Options& options() const { return options_; }

 private:
  struct Request;
  struct Response;
  struct Target {
    std::string host;  // "bucket.host:port" or "host:port"
    std::string path;  // encoded once: "/bucket/a%20b"
    std::string url;
  };
  class HandlePool;

  S3Store(S3Options options, std::string scheme, std::string authority);

  // Sends `request`, retrying transient failures. Returns the final response of any status
  // code, or IOError naming the endpoint when no response came.
  Result<Response> Execute(const Request& request);
  Result<Response> PerformOnce(const Request& request, bool* retryable);
  Target TargetOf(const Request& request) const;
  // Every header of one attempt as "Name: value", signed now; Authorization included.
  std::vector<std::string> SignedHeaderLines(const Request& request, const Target& target) const;
  Status ErrorStatus(std::string_view operation, std::string_view key,
                     const Response& response) const;
  Status PutMultipart(std::string_view key, const std::string& full_key, std::string_view data);
  Status PutSingle(std::string_view key, std::string_view data, bool if_none_match);

  std::string FullKey(std::string_view key) const { return options_.prefix + std::string(key); }

  S3Options options_;
  std::string scheme_;     // "http" or "https"
  std::string authority_;  // "host[:port]" of the endpoint
  bool virtual_hosted_;
  std::unique_ptr<HandlePool> handles_;
};

}  // namespace thingsdb
