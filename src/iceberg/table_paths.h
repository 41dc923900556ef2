// TablePaths names every object of one table (LevelDB's filename.h): metadata files, the
// version hint, manifest lists, manifests, data files; and maps between object-store keys
// and the locations written into metadata. No other code in the module joins path strings.
// Layout and naming: docs/iceberg.md. A small value; copyable; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace thingsdb::iceberg {

class TablePaths {
 public:
  // `key_prefix`: the table's root key in the store ("ns/things", "" for the store root).
  // `location`: the table's location URI as other readers see it ("file:///w/ns/things",
  // "s3://bucket/w/ns/things", or a path relative to the store root).
  TablePaths(std::string key_prefix, std::string location);

  const std::string& key_prefix() const { return key_prefix_; }
  const std::string& location() const { return location_; }
  TablePaths WithLocation(std::string location) const {
    return TablePaths(key_prefix_, std::move(location));
  }

  std::string MetadataPrefix() const;                  // "<prefix>/metadata/"
  std::string MetadataFileKey(int64_t version) const;  // "<prefix>/metadata/v<N>.metadata.json"
  std::string VersionHintKey() const;                  // "<prefix>/metadata/version-hint.text"
  // "<prefix>/metadata/snap-<id>-<attempt>-<token>.avro"
  std::string ManifestListKey(int64_t snapshot_id, int attempt, std::string_view token) const;
  // "<prefix>/metadata/<token>-<attempt>-m<index>.avro"
  std::string ManifestKey(std::string_view token, int attempt, int index) const;
  // "<prefix>/data/<relative>" (relative may contain partition folders).
  std::string DataFileKey(std::string_view relative) const;

  // The location recorded in metadata for an object key under the prefix.
  std::string ToLocation(std::string_view key) const;
  // The object key of a location: under `location()` it maps below the prefix; a relative
  // path (no scheme, no leading '/') is a key from the store root (how the Spark fixtures
  // are written). Anything else is InvalidArgument naming the path.
  Result<std::string> ToKey(std::string_view path) const;

  // 12 for ".../v12.metadata.json", nullopt for any other name.
  static std::optional<int64_t> ParseMetadataVersion(std::string_view key);

 private:
  std::string Join(std::string_view relative) const;
  std::string key_prefix_;
  std::string location_;
};

}  // namespace thingsdb::iceberg
