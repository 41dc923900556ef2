#include "iceberg/table_paths.h"

#include <fmt/format.h>

#include <charconv>

namespace thingsdb::iceberg {

namespace {
std::string TrimSlashes(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}
}  // namespace

TablePaths::TablePaths(std::string key_prefix, std::string location)
    : key_prefix_(TrimSlashes(std::move(key_prefix))),
      location_(TrimSlashes(std::move(location))) {}

std::string TablePaths::Join(std::string_view relative) const {
  if (key_prefix_.empty()) return std::string(relative);
  return fmt::format("{}/{}", key_prefix_, relative);
}

std::string TablePaths::MetadataPrefix() const { return Join("metadata/"); }

std::string TablePaths::MetadataFileKey(int64_t version) const {
  return Join(fmt::format("metadata/v{}.metadata.json", version));
}

std::string TablePaths::VersionHintKey() const { return Join("metadata/version-hint.text"); }

std::string TablePaths::ManifestListKey(int64_t snapshot_id, int attempt,
                                        std::string_view token) const {
  return Join(fmt::format("metadata/snap-{}-{}-{}.avro", snapshot_id, attempt, token));
}

std::string TablePaths::ManifestKey(std::string_view token, int attempt, int index) const {
  return Join(fmt::format("metadata/{}-{}-m{}.avro", token, attempt, index));
}

std::string TablePaths::DataFileKey(std::string_view relative) const {
  return Join(fmt::format("data/{}", relative));
}

std::string TablePaths::ToLocation(std::string_view key) const {
  std::string_view relative = key;
  if (!key_prefix_.empty() && key.starts_with(key_prefix_) && key.size() > key_prefix_.size() &&
      key[key_prefix_.size()] == '/') {
    relative = key.substr(key_prefix_.size() + 1);
  }
  if (location_.empty()) return std::string(relative);
  return fmt::format("{}/{}", location_, relative);
}

Result<std::string> TablePaths::ToKey(std::string_view path) const {
  if (!location_.empty() && path.starts_with(location_) && path.size() > location_.size() &&
      path[location_.size()] == '/') {
    return Join(path.substr(location_.size() + 1));
  }
  if (path.find("://") == std::string_view::npos && !path.starts_with("/") && !path.empty()) {
    return std::string(path);
  }
  return Status::InvalidArgument(
      fmt::format("'{}' is outside the table location '{}'", path, location_));
}

std::optional<int64_t> TablePaths::ParseMetadataVersion(std::string_view key) {
  size_t slash = key.rfind('/');
  std::string_view name = slash == std::string_view::npos ? key : key.substr(slash + 1);
  constexpr std::string_view kSuffix = ".metadata.json";
  if (!name.starts_with("v") || !name.ends_with(kSuffix)) return std::nullopt;
  std::string_view digits = name.substr(1, name.size() - 1 - kSuffix.size());
  int64_t version = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || version < 0) {
    return std::nullopt;
  }
  return version;
}

}  // namespace thingsdb::iceberg
