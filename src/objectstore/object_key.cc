#include "objectstore/object_key.h"

#include <fmt/format.h>

namespace thingsdb {
namespace {

Status Bad(std::string_view what, std::string_view key, std::string_view reason) {
  return Status::InvalidArgument(fmt::format("invalid object {} '{}': {}", what, key, reason));
}

bool HasControlCharacter(std::string_view text) {
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return true;
  }
  return false;
}

}  // namespace

Status ValidateObjectKey(std::string_view key) {
  if (key.empty()) return Bad("key", key, "empty");
  if (key.size() > kMaxObjectKeyBytes) return Bad("key", key, "longer than 1024 bytes");
  if (HasControlCharacter(key)) return Bad("key", key, "contains a control character");
  if (key.front() == '/') return Bad("key", key, "absolute path");
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view segment = key.substr(start, end - start);
    if (segment.empty()) return Bad("key", key, "empty path segment");
    if (segment == "." || segment == "..") return Bad("key", key, "'.' or '..' segment");
    if (segment.starts_with(kReservedSegmentPrefix)) {
      return Bad("key", key, "segment uses the reserved prefix '.tdbtmp.'");
    }
    start = end + 1;
  }
  return Status::OK();
}

Status ValidateObjectPrefix(std::string_view prefix) {
  if (prefix.size() > kMaxObjectKeyBytes) return Bad("prefix", prefix, "longer than 1024 bytes");
  if (HasControlCharacter(prefix)) return Bad("prefix", prefix, "contains a control character");
  if (!prefix.empty() && prefix.front() == '/') return Bad("prefix", prefix, "absolute path");
  size_t start = 0;
  while (start < prefix.size()) {
    size_t end = prefix.find('/', start);
    if (end == std::string_view::npos) break;  // the last, partial segment may be anything
    std::string_view segment = prefix.substr(start, end - start);
    if (segment.empty()) return Bad("prefix", prefix, "empty path segment");
    if (segment == "." || segment == "..") return Bad("prefix", prefix, "'.' or '..' segment");
    start = end + 1;
  }
  return Status::OK();
}

}  // namespace thingsdb
