#include "objectstore/s3_store.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "objectstore/byte_range.h"
#include "objectstore/object_key.h"
#include "objectstore/s3_xml.h"

namespace thingsdb {

using Pairs = std::vector<std::pair<std::string, std::string>>;

struct S3Store::Request {
  std::string method;
  std::string operation;  // for messages: "get", "put", ...
  std::string key;        // the caller's key, for messages ("" for bucket-level calls)
  std::string full_key;   // prefix + key; "" addresses the bucket
  Pairs query;
  Pairs headers;  // extra headers, all signed
  std::string_view body;
};

struct S3Store::Response {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names, last value wins
};

// Idle CURL easy handles; a reused handle keeps its connections alive (no new TCP/TLS setup).
class S3Store::HandlePool {
 public:
  explicit HandlePool(size_t max_idle) : max_idle_(max_idle) {}
  ~HandlePool() {
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
  }
  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;

  CURL* Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }
  // `healthy` false drops the handle and its connections (after a transport error).
  void Release(CURL* handle, bool healthy) {
    {
      std::lock_guard lock(mu_);
      if (healthy && idle_.size() < max_idle_) {
        idle_.push_back(handle);
        return;
      }
    }
    curl_easy_cleanup(handle);
  }

 private:
  std::mutex mu_;
  std::vector<CURL*> idle_;
  size_t max_idle_;
};

namespace {

constexpr uint64_t kMaxSinglePut = 5ull << 30;
constexpr uint64_t kMinPartSize = 5ull << 20;
constexpr int kMaxParts = 10000;
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string Getenv(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    headers->clear();  // a new response (after 100 Continue or a redirect)
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * count;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  (*headers)[name] = std::string(value);
  return size * count;
}

bool IsRetryableCurlCode(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_COULDNT_RESOLVE_HOST:
      return true;
    default:
      return false;
  }
}

bool IsRetryableStatus(long status, std::string_view body) {
  if (status == 500 || status == 502 || status == 503 || status == 504 || status == 429) {
    return true;
  }
  if (status == 400) return ParseS3Error(body).code == "RequestTimeout";
  // A conditional write raced another one on the same key; AWS asks clients to retry.
  if (status == 409) return ParseS3Error(body).code == "ConditionalRequestConflict";
  return false;
}

bool IsCredentialError(std::string_view code) {
  return code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" ||
         code == "ExpiredToken" || code == "InvalidToken" || code == "TokenRefreshRequired" ||
         code == "AuthorizationHeaderMalformed" || code == "MissingSecurityHeader";
}

// Sleeps a uniformly random time in [0, min(max, base * 2^retry)] ("full jitter").
void Backoff(const S3Options& options, int retry) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  int64_t base = options.retry_base_delay.count();
  int64_t cap = options.retry_max_delay.count();
  int64_t ceiling = std::min<int64_t>(cap, base << std::min(retry, 20));
  if (ceiling <= 0) return;
  std::uniform_int_distribution<int64_t> dist(0, ceiling);
  std::this_thread::sleep_for(std::chrono::milliseconds(dist(rng)));
}

// Splits "https://host:port[/]" into scheme and authority.
Status ParseEndpoint(std::string_view endpoint, std::string* scheme, std::string* authority) {
  size_t sep = endpoint.find("://");
  if (sep == std::string_view::npos) {
    return Status::InvalidArgument(
        fmt::format("S3 endpoint '{}' has no scheme (want http://host[:port])", endpoint));
  }
  *scheme = std::string(endpoint.substr(0, sep));
  if (*scheme != "http" && *scheme != "https") {
    return Status::InvalidArgument(
        fmt::format("S3 endpoint '{}': scheme must be http or https", endpoint));
  }
  std::string_view rest = endpoint.substr(sep + 3);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return Status::InvalidArgument(
        fmt::format("S3 endpoint '{}' must be scheme://host[:port] with no path", endpoint));
  }
  *authority = std::string(rest);
  return Status::OK();
}

void WarnHeadThenPutOnce(const std::string& where) {
  static std::once_flag once;
  std::call_once(once, [&] {
    std::fprintf(stderr,
                 "thingsdb: warning: put-if-absent on %s is HEAD-then-PUT, which is NOT atomic: "
                 "two concurrent commits can both succeed. Use a store that honours "
                 "If-None-Match: * for concurrent writers.\n",
                 where.c_str());
  });
}

}  // namespace

void S3Options::FillFromEnvironment() {
  if (endpoint.empty()) endpoint = Getenv("AWS_ENDPOINT_URL_S3");
  if (endpoint.empty()) endpoint = Getenv("AWS_ENDPOINT_URL");
  if (region.empty()) region = Getenv("AWS_REGION");
  if (region.empty()) region = Getenv("AWS_DEFAULT_REGION");
  if (credentials.access_key_id.empty()) {
    credentials.access_key_id = Getenv("AWS_ACCESS_KEY_ID");
    credentials.secret_access_key = Getenv("AWS_SECRET_ACCESS_KEY");
    credentials.session_token = Getenv("AWS_SESSION_TOKEN");
  }
}

Result<std::unique_ptr<S3Store>> S3Store::Open(S3Options options) {
  if (options.bucket.empty()) return Status::InvalidArgument("S3 store: bucket is empty");
  if (options.bucket.find_first_of("/?# ") != std::string::npos) {
    return Status::InvalidArgument(fmt::format("S3 bucket name '{}' is invalid", options.bucket));
  }
  if (!options.prefix.empty()) RETURN_IF_ERROR(ValidateObjectPrefix(options.prefix));
  if (!options.prefix.empty() && options.prefix.back() != '/') {
    return Status::InvalidArgument(
        fmt::format("S3 key prefix '{}' must end with '/'", options.prefix));
  }
  if (options.region.empty()) options.region = "us-east-1";
  bool aws = options.endpoint.empty();
  if (aws) options.endpoint = fmt::format("https://s3.{}.amazonaws.com", options.region);
  if (options.multipart_part_size < kMinPartSize) {
    return Status::InvalidArgument(fmt::format(
        "S3 multipart part size {} is below the 5 MiB minimum", options.multipart_part_size));
  }
  if (options.multipart_threshold < options.multipart_part_size) {
    return Status::InvalidArgument("S3 multipart threshold is below the part size");
  }
  if (options.max_attempts < 1) options.max_attempts = 1;
  if (options.max_list_keys < 1 || options.max_list_keys > 1000) options.max_list_keys = 1000;
  if (options.credentials.access_key_id.empty() || options.credentials.secret_access_key.empty()) {
    return Status::Unauthenticated(fmt::format(
        "no S3 credentials for bucket '{}': set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        options.bucket));
  }
  std::string scheme, authority;
  RETURN_IF_ERROR(ParseEndpoint(options.endpoint, &scheme, &authority));
  GlobalInit();
  auto store = std::unique_ptr<S3Store>(new S3Store(std::move(options), scheme, authority));
  store->virtual_hosted_ = store->options_.addressing == S3Addressing::kVirtualHosted ||
                           (store->options_.addressing == S3Addressing::kAuto && aws);
  if (store->options_.put_if_absent == S3PutIfAbsentMode::kHeadThenPut) {
    WarnHeadThenPutOnce(store->Describe());
  }
  return store;
}

S3Store::S3Store(S3Options options, std::string scheme, std::string authority)
    : options_(std::move(options)),
      scheme_(std::move(scheme)),
      authority_(std::move(authority)),
      virtual_hosted_(false),
      handles_(std::make_unique<HandlePool>(options_.max_idle_connections)) {}

S3Store::~S3Store() = default;

std::string S3Store::Describe() const {
  std::string prefix = options_.prefix;
  if (!prefix.empty()) prefix.pop_back();
  return fmt::format("s3://{}{}{} ({}://{})", options_.bucket, prefix.empty() ? "" : "/", prefix,
                     scheme_, authority_);
}

S3Store::Target S3Store::TargetOf(const Request& request) const {
  Target target;
  target.host = virtual_hosted_ ? options_.bucket + "." + authority_ : authority_;
  target.path = virtual_hosted_ ? "/" : "/" + options_.bucket;
  if (!request.full_key.empty()) {
    if (!virtual_hosted_) target.path += "/";
    target.path += UriEncode(request.full_key, false);
  }
  std::string query = CanonicalQueryString(request.query);
  target.url = scheme_ + "://" + target.host + target.path + (query.empty() ? "" : "?" + query);
  return target;
}

std::vector<std::string> S3Store::SignedHeaderLines(const Request& request,
                                                    const Target& target) const {
  SigV4Request to_sign;
  to_sign.method = request.method;
  to_sign.canonical_uri = target.path;
  to_sign.query = request.query;
  to_sign.payload_sha256 = request.body.empty() ? kEmptySha256 : Sha256Hex(request.body);
  std::string amz_date = FormatAmzDate(std::chrono::system_clock::now());
  to_sign.headers = {{"host", target.host},
                     {"x-amz-date", amz_date},
                     {"x-amz-content-sha256", to_sign.payload_sha256}};
  if (!options_.credentials.session_token.empty()) {
    to_sign.headers.emplace_back("x-amz-security-token", options_.credentials.session_token);
  }
  to_sign.headers.insert(to_sign.headers.end(), request.headers.begin(), request.headers.end());
  SigV4Signature signature = SignV4(to_sign, options_.credentials, options_.region, "s3", amz_date);

  std::vector<std::string> lines;
  for (const auto& [name, value] : to_sign.headers) lines.push_back(name + ": " + value);
  lines.push_back("Authorization: " + signature.authorization);
  lines.push_back("Expect:");  // no 100-continue round trip
  if (request.method == "PUT") lines.push_back("Content-Type: application/octet-stream");
  if (request.method == "POST") lines.push_back("Content-Type: application/xml");
  return lines;
}

namespace {

using SlistPtr = std::unique_ptr<struct curl_slist, void (*)(struct curl_slist*)>;

SlistPtr MakeSlist(const std::vector<std::string>& lines) {
  struct curl_slist* list = nullptr;
  for (const auto& line : lines) list = curl_slist_append(list, line.c_str());
  return SlistPtr(list, curl_slist_free_all);
}

// Sets up a reset handle for one attempt; `headers`, `connect_to`, the body and `response`
// must outlive curl_easy_perform.
void ConfigureHandle(CURL* handle, const std::string& url, const std::string& method,
                     std::string_view body, const S3Options& options, struct curl_slist* headers,
                     struct curl_slist* connect_to, std::string* response_body,
                     std::map<std::string, std::string>* response_headers) {
  curl_easy_reset(handle);
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(options.request_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
  if (connect_to != nullptr) curl_easy_setopt(handle, CURLOPT_CONNECT_TO, connect_to);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, response_body);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, response_headers);
  if (method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else if (method == "GET") {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "PUT" || method == "POST") {
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
    }
  }
}

}  // namespace

Result<S3Store::Response> S3Store::PerformOnce(const Request& request, bool* retryable) {
  *retryable = false;
  Target target = TargetOf(request);
  SlistPtr headers = MakeSlist(SignedHeaderLines(request, target));
  SlistPtr connect_to = MakeSlist({});
  if (!options_.connect_address.empty()) connect_to = MakeSlist({"::" + options_.connect_address});

  Response response;
  CURL* handle = handles_->Acquire();
  if (handle == nullptr) return Status::Internal("curl_easy_init failed");
  ConfigureHandle(handle, target.url, request.method, request.body, options_, headers.get(),
                  connect_to.get(), &response.body, &response.headers);
  CURLcode code = curl_easy_perform(handle);
  if (code == CURLE_OK) curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
  handles_->Release(handle, code == CURLE_OK);
  if (code != CURLE_OK) {
    *retryable = IsRetryableCurlCode(code);
    std::string reason =
        code == CURLE_OPERATION_TIMEDOUT
            ? fmt::format("timed out ({} ms connect, {} ms request)",
                          options_.connect_timeout.count(), options_.request_timeout.count())
            : curl_easy_strerror(code);
    return Status::IOError(fmt::format("{} '{}' on {}://{}: {}", request.operation, request.key,
                                       scheme_, target.host, reason));
  }
  *retryable = IsRetryableStatus(response.status, response.body);
  return response;
}

Result<S3Store::Response> S3Store::Execute(const Request& request) {
  for (int attempt = 1;; ++attempt) {
    bool retryable = false;
    Result<Response> response = PerformOnce(request, &retryable);
    if (!retryable || attempt >= options_.max_attempts) {
      if (!response.ok() && attempt > 1) {
        return response.status().WithContext(fmt::format("after {} attempts", attempt));
      }
      return response;
    }
    Backoff(options_, attempt - 1);
  }
}

Status S3Store::ErrorStatus(std::string_view operation, std::string_view key,
                            const Response& response) const {
  S3ErrorBody error = ParseS3Error(response.body);
  std::string code = error.code.empty() ? "no error body" : error.code;
  std::string msg =
      fmt::format("{} '{}' in {}: HTTP {} {}", operation, key, Describe(), response.status, code);
  if (!error.message.empty()) msg += ": " + error.message;
  long status = response.status;
  if (status == 404) {
    if (error.code == "NoSuchBucket") {
      return Status::NotFound(fmt::format("{} '{}': bucket '{}' does not exist at {}://{}",
                                          operation, key, options_.bucket, scheme_, authority_));
    }
    return Status::NotFound(std::move(msg));
  }
  if (status == 401) return Status::Unauthenticated(std::move(msg));
  if (status == 403) {
    if (IsCredentialError(error.code)) {
      return Status::Unauthenticated(
          msg + " (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN)");
    }
    return Status::PermissionDenied(std::move(msg));
  }
  if (status == 409 || status == 412) return Status::Conflict(std::move(msg));
  if (status == 429 || (status == 503 && error.code == "SlowDown")) {
    return Status::Busy(std::move(msg));
  }
  if (status == 400) return Status::InvalidArgument(std::move(msg));
  return Status::IOError(std::move(msg));
}

Result<std::string> S3Store::Get(std::string_view key, std::optional<ByteRange> range) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  if (range && range->length == 0) {
    RETURN_IF_ERROR(Head(key));  // NotFound still wins over an empty range
    return std::string();
  }
  Request request{"GET", "get", std::string(key), FullKey(key), {}, {}, {}};
  if (range) {
    uint64_t last = range->offset + range->length - 1;
    if (last < range->offset) last = UINT64_MAX;  // overflow: to the end
    request.headers.emplace_back("range", fmt::format("bytes={}-{}", range->offset, last));
  }
  ASSIGN_OR_RETURN(Response response, Execute(request));
  if (response.status == 416) return std::string();  // the range starts at or past the end
  if (response.status == 200) {
    if (!range) return std::move(response.body);
    return std::string(SliceByRange(response.body, range));  // the server ignored Range
  }
  if (response.status == 206) {
    if (response.body.size() > range->length) {
      return Status::Corruption(fmt::format("get '{}' in {}: asked for {} bytes, got {}", key,
                                            Describe(), range->length, response.body.size()));
    }
    return std::move(response.body);
  }
  return ErrorStatus("get", key, response);
}

Status S3Store::PutSingle(std::string_view key, std::string_view data, bool if_none_match) {
  if (data.size() > kMaxSinglePut) {
    return Status::LimitExceeded(fmt::format("put '{}' in {}: {} bytes exceed the 5 GiB of one PUT",
                                             key, Describe(), data.size()));
  }
  Request request{"PUT", "put", std::string(key), FullKey(key), {}, {}, data};
  if (if_none_match) request.headers.emplace_back("if-none-match", "*");
  ASSIGN_OR_RETURN(Response response, Execute(request));
  if (response.status == 200) return Status::OK();
  if (if_none_match && (response.status == 412 || response.status == 409)) {
    return Status::Conflict(fmt::format("object '{}' already exists in {} (HTTP {})", key,
                                        Describe(), response.status));
  }
  return ErrorStatus("put", key, response);
}

Status S3Store::Put(std::string_view key, std::string_view data) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  if (data.size() > options_.multipart_threshold) return PutMultipart(key, FullKey(key), data);
  return PutSingle(key, data, false);
}

Status S3Store::PutIfAbsent(std::string_view key, std::string_view data) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  if (options_.put_if_absent == S3PutIfAbsentMode::kHeadThenPut) {
    Result<ObjectInfo> existing = Head(key);
    if (existing.ok()) {
      return Status::Conflict(fmt::format("object '{}' already exists in {}", key, Describe()));
    }
    if (!existing.status().IsNotFound()) return existing.status();
    return PutSingle(key, data, false);
  }
  return PutSingle(key, data, true);
}

Status S3Store::PutMultipart(std::string_view key, const std::string& full_key,
                             std::string_view data) {
  uint64_t part_size = options_.multipart_part_size;
  uint64_t parts = (data.size() + part_size - 1) / part_size;
  if (parts > kMaxParts) {
    part_size = (data.size() + kMaxParts - 1) / kMaxParts;
    parts = (data.size() + part_size - 1) / part_size;
  }
  Request create{
      "POST", "create multipart upload", std::string(key), full_key, {{"uploads", ""}}, {}, {}};
  ASSIGN_OR_RETURN(Response created, Execute(create));
  if (created.status != 200) return ErrorStatus("create multipart upload", key, created);
  std::optional<std::string> upload_id = XmlFirstText(created.body, "UploadId");
  if (!upload_id || upload_id->empty()) {
    return Status::Corruption(
        fmt::format("create multipart upload '{}' in {}: no <UploadId>", key, Describe()));
  }

  auto abort = [&](Status status) {
    Request abort_request{"DELETE", "abort multipart upload",   std::string(key),
                          full_key, {{"uploadId", *upload_id}}, {},
                          {}};
    (void)Execute(abort_request);  // best effort; a lifecycle rule collects what remains
    return status;
  };

  std::string complete = "<CompleteMultipartUpload>";
  for (uint64_t part_idx = 0; part_idx < parts; ++part_idx) {
    std::string_view part = data.substr(part_idx * part_size, part_size);
    std::string number = std::to_string(part_idx + 1);
    Request upload{"PUT",
                   "upload part " + number + " of",
                   std::string(key),
                   full_key,
                   {{"partNumber", number}, {"uploadId", *upload_id}},
                   {},
                   part};
    Result<Response> uploaded = Execute(upload);
    if (!uploaded.ok()) return abort(uploaded.status());
    if (uploaded->status != 200) return abort(ErrorStatus(upload.operation, key, *uploaded));
    auto etag = uploaded->headers.find("etag");
    if (etag == uploaded->headers.end()) {
      return abort(Status::Corruption(
          fmt::format("upload part {} of '{}' in {}: no ETag", number, key, Describe())));
    }
    complete += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", number,
                            etag->second);
  }
  complete += "</CompleteMultipartUpload>";
  Request finish{"POST",   "complete multipart upload", std::string(key),
                 full_key, {{"uploadId", *upload_id}},  {},
                 complete};
  Result<Response> finished = Execute(finish);
  if (!finished.ok()) return abort(finished.status());
  // S3 may answer 200 and still fail: the error is then in the body.
  if (finished->status != 200 || finished->body.find("<Error>") != std::string::npos) {
    if (finished->status == 200) finished->status = 500;
    return abort(ErrorStatus(finish.operation, key, *finished));
  }
  return Status::OK();
}

Status S3Store::Delete(std::string_view key) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  Request request{"DELETE", "delete", std::string(key), FullKey(key), {}, {}, {}};
  ASSIGN_OR_RETURN(Response response, Execute(request));
  if (response.status == 204 || response.status == 200 || response.status == 404) {
    if (response.status == 404 && ParseS3Error(response.body).code == "NoSuchBucket") {
      return ErrorStatus("delete", key, response);
    }
    return Status::OK();
  }
  return ErrorStatus("delete", key, response);
}

Result<ObjectInfo> S3Store::Head(std::string_view key) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  Request request{"HEAD", "head", std::string(key), FullKey(key), {}, {}, {}};
  ASSIGN_OR_RETURN(Response response, Execute(request));
  if (response.status != 200) return ErrorStatus("head", key, response);
  ObjectInfo info;
  info.key = std::string(key);
  auto length = response.headers.find("content-length");
  if (length == response.headers.end()) {
    return Status::Corruption(fmt::format("head '{}' in {}: no Content-Length", key, Describe()));
  }
  info.size = std::strtoull(length->second.c_str(), nullptr, 10);
  auto modified = response.headers.find("last-modified");
  if (modified != response.headers.end()) {
    auto ms = ParseHttpDateMs(modified->second);
    if (ms.ok()) info.mtime_ms = *ms;
  }
  return info;
}

Result<std::vector<ObjectInfo>> S3Store::List(std::string_view prefix) {
  RETURN_IF_ERROR(ValidateObjectPrefix(prefix));
  std::string full_prefix = FullKey(prefix);
  std::vector<ObjectInfo> out;
  std::string token;
  for (int page_idx = 0;; ++page_idx) {
    Request request{"GET",
                    "list",
                    std::string(prefix),
                    "",
                    {{"list-type", "2"},
                     {"prefix", full_prefix},
                     {"max-keys", std::to_string(options_.max_list_keys)}},
                    {},
                    {}};
    if (!token.empty()) request.query.emplace_back("continuation-token", token);
    ASSIGN_OR_RETURN(Response response, Execute(request));
    if (response.status != 200) return ErrorStatus("list prefix", prefix, response);
    Result<ListObjectsPage> page = ParseListObjectsV2(response.body);
    if (!page.ok()) {
      return page.status().WithContext(fmt::format("list prefix '{}' in {}", prefix, Describe()));
    }
    for (ObjectInfo& info : page->objects) {
      if (!info.key.starts_with(full_prefix)) {
        return Status::Corruption(fmt::format("list prefix '{}' in {}: key '{}' is outside it",
                                              prefix, Describe(), info.key));
      }
      info.key.erase(0, options_.prefix.size());
      out.push_back(std::move(info));
    }
    if (!page->truncated) break;
    if (page->next_continuation_token == token) {
      return Status::Corruption(
          fmt::format("list prefix '{}' in {}: continuation token repeats", prefix, Describe()));
    }
    token = page->next_continuation_token;
  }
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

}  // namespace thingsdb
