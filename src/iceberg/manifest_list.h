// Manifest lists (spec "Manifest Lists", v2): one Avro file per snapshot naming its
// manifests, with their content, sequence numbers, counts and per-partition-field summaries
// (null/NaN flags, lower/upper bounds in single-value form) for pruning. Bytes in, bytes out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "iceberg/manifest.h"

namespace thingsdb::iceberg {

struct PartitionFieldSummary {
  bool contains_null = false;
  std::optional<bool> contains_nan;
  std::optional<std::string> lower_bound;
  std::optional<std::string> upper_bound;
};

struct ManifestFile {
  std::string manifest_path;
  int64_t manifest_length = 0;
  int32_t partition_spec_id = 0;
  ManifestContent content = ManifestContent::kData;
  int64_t sequence_number = 0;
  int64_t min_sequence_number = 0;
  int64_t added_snapshot_id = 0;
  int32_t added_files_count = 0;
  int32_t existing_files_count = 0;
  int32_t deleted_files_count = 0;
  int64_t added_rows_count = 0;
  int64_t existing_rows_count = 0;
  int64_t deleted_rows_count = 0;
  std::vector<PartitionFieldSummary> partitions;  // one per spec field
};

struct ManifestListHeader {
  int64_t snapshot_id = 0;
  std::optional<int64_t> parent_snapshot_id;
  int64_t sequence_number = 0;
};

Result<std::string> WriteManifestList(const ManifestListHeader& header,
                                      const std::vector<ManifestFile>& manifests,
                                      uint64_t sync_seed = 0);
// `what` (the object key) names the file in errors.
Result<std::vector<ManifestFile>> ReadManifestList(std::string bytes, std::string what);

}  // namespace thingsdb::iceberg
