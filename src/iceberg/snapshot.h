// Snapshots (spec "Snapshots"): the table state after a commit — a manifest list, a
// sequence number, a summary (operation and counts) — plus refs and the snapshot log.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace thingsdb::iceberg {

// Summary keys this module writes (spec "Snapshot Summary").
inline constexpr char kCommitTokenProperty[] = "thingsdb.commit-token";

struct Snapshot {
  int64_t snapshot_id = 0;
  std::optional<int64_t> parent_snapshot_id;
  int64_t sequence_number = 0;
  int64_t timestamp_ms = 0;
  std::string manifest_list;  // location as written in the metadata
  std::map<std::string, std::string> summary;
  std::optional<int32_t> schema_id;

  std::string operation() const {
    auto it = summary.find("operation");
    return it == summary.end() ? std::string() : it->second;
  }
  // A summary counter ("total-records"), or 0 when absent or not a number.
  int64_t SummaryCount(const std::string& key) const;
};

struct SnapshotRef {
  int64_t snapshot_id = 0;
  std::string type = "branch";  // "branch" or "tag"
  std::optional<int32_t> min_snapshots_to_keep;
  std::optional<int64_t> max_snapshot_age_ms;
  std::optional<int64_t> max_ref_age_ms;
};

struct SnapshotLogEntry {
  int64_t timestamp_ms = 0;
  int64_t snapshot_id = 0;
};

struct MetadataLogEntry {
  int64_t timestamp_ms = 0;
  std::string metadata_file;
};

}  // namespace thingsdb::iceberg
