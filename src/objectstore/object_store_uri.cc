#include "objectstore/object_store_uri.h"

#include <fmt/format.h>

#include <charconv>

#include "core/text.h"
#include "objectstore/local_store.h"
#include "objectstore/memory_store.h"
#include "objectstore/s3_store.h"

namespace thingsdb {
namespace {

Status BadUri(std::string_view uri, std::string_view reason) {
  return Status::InvalidArgument(fmt::format("bad object store URI '{}': {}", uri, reason));
}

Result<std::string> PercentDecode(std::string_view uri, std::string_view text) {
  std::string out;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    if (text[pos] != '%') {
      out += text[pos];
      continue;
    }
    if (pos + 2 >= text.size()) {
      return BadUri(uri, "truncated percent escape");
    }
    int high = HexDigitValue(text[pos + 1]), low = HexDigitValue(text[pos + 2]);
    if (high < 0 || low < 0) return BadUri(uri, "bad percent escape");
    out += static_cast<char>(high * 16 + low);
    pos += 2;
  }
  return out;
}

template <typename T>
Status ParseNumber(std::string_view uri, std::string_view name, std::string_view text, T* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return BadUri(uri, fmt::format("parameter '{}' wants a number, got '{}'", name, text));
  }
  return Status::OK();
}

Status ApplyS3Parameter(std::string_view uri, std::string_view name, const std::string& value,
                        S3Options* options) {
  if (name == "endpoint") {
    options->endpoint = value;
  } else if (name == "region") {
    options->region = value;
  } else if (name == "addressing") {
    if (value == "path") {
      options->addressing = S3Addressing::kPath;
    } else if (value == "virtual") {
      options->addressing = S3Addressing::kVirtualHosted;
    } else {
      return BadUri(uri, "addressing must be 'path' or 'virtual'");
    }
  } else if (name == "put_if_absent") {
    if (value == "conditional") {
      options->put_if_absent = S3PutIfAbsentMode::kConditional;
    } else if (value == "head_then_put") {
      options->put_if_absent = S3PutIfAbsentMode::kHeadThenPut;
    } else {
      return BadUri(uri, "put_if_absent must be 'conditional' or 'head_then_put'");
    }
  } else if (name == "multipart_threshold") {
    return ParseNumber(uri, name, value, &options->multipart_threshold);
  } else if (name == "part_size") {
    return ParseNumber(uri, name, value, &options->multipart_part_size);
  } else if (name == "max_attempts") {
    return ParseNumber(uri, name, value, &options->max_attempts);
  } else if (name == "connect_timeout_ms" || name == "request_timeout_ms") {
    int64_t ms = 0;
    RETURN_IF_ERROR(ParseNumber(uri, name, value, &ms));
    (name == "connect_timeout_ms" ? options->connect_timeout : options->request_timeout) =
        std::chrono::milliseconds(ms);
  } else {
    return BadUri(uri, fmt::format("unknown parameter '{}'", name));
  }
  return Status::OK();
}

Result<std::unique_ptr<ObjectStore>> OpenS3(std::string_view uri) {
  std::string_view rest = uri.substr(5);  // after "s3://"
  std::string_view query;
  if (size_t mark = rest.find('?'); mark != std::string_view::npos) {
    query = rest.substr(mark + 1);
    rest = rest.substr(0, mark);
  }
  size_t slash = rest.find('/');
  std::string_view bucket = rest.substr(0, slash);
  if (bucket.empty()) return BadUri(uri, "no bucket");
  S3Options options;
  options.bucket = std::string(bucket);
  if (slash != std::string_view::npos) {
    ASSIGN_OR_RETURN(std::string prefix, PercentDecode(uri, rest.substr(slash + 1)));
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    if (!prefix.empty()) options.prefix = prefix + "/";
  }
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return BadUri(uri, fmt::format("'{}' has no '='", pair));
    ASSIGN_OR_RETURN(std::string value, PercentDecode(uri, pair.substr(eq + 1)));
    RETURN_IF_ERROR(ApplyS3Parameter(uri, pair.substr(0, eq), value, &options));
  }
  options.FillFromEnvironment();
  auto store = S3Store::Open(std::move(options));
  if (!store.ok()) return store.status().WithContext(fmt::format("open '{}'", uri));
  return std::unique_ptr<ObjectStore>(std::move(store).value());
}

}  // namespace

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view uri) {
  if (uri.empty()) return BadUri(uri, "empty");
  if (uri.starts_with("s3://")) return OpenS3(uri);
  if (uri.starts_with("mem://")) {
    if (uri != "mem://") return BadUri(uri, "mem:// takes no path");
    return std::unique_ptr<ObjectStore>(std::make_unique<MemoryStore>());
  }
  std::string path;
  if (uri.starts_with("file://")) {
    std::string_view rest = uri.substr(7);
    if (!rest.starts_with("/")) {
      return BadUri(uri, "file:// needs an absolute path (file:///dir) and no host");
    }
    ASSIGN_OR_RETURN(path, PercentDecode(uri, rest));
  } else if (size_t colon = uri.find("://"); colon != std::string_view::npos) {
    return BadUri(uri, fmt::format("unknown scheme '{}' (want a path, file://, s3:// or mem://)",
                                   uri.substr(0, colon)));
  } else {
    path = std::string(uri);
  }
  auto store = LocalStore::Open(std::move(path));
  if (!store.ok()) return store.status();
  return std::unique_ptr<ObjectStore>(std::move(store).value());
}

}  // namespace thingsdb
