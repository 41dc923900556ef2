// Scan planning (spec "Scan Planning"): for one snapshot, the live data files a filter may
// match — pruned by manifest partition summaries, partition values (through transforms) and
// column bounds — each with the delete files that apply to it by the sequence-number rule.
// Reads manifest lists and manifests through the store, or takes their decoded form from a
// ManifestCache (manifest_cache.h); returns file tasks, not rows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "iceberg/manifest.h"
#include "iceberg/manifest_cache.h"
#include "iceberg/manifest_list.h"
#include "iceberg/table_metadata.h"
#include "iceberg/table_paths.h"
#include "iceberg/transforms.h"
#include "objectstore/object_store.h"

namespace thingsdb::iceberg {

// `column op value` on a top-level primitive column (by name in the snapshot's schema).
struct Predicate {
  std::string column;
  CompareOp op = CompareOp::kEq;
  Literal value;
};

struct ScanOptions {
  std::optional<int64_t> snapshot_id;  // else as_of_timestamp_ms, else current
  std::optional<int64_t> as_of_timestamp_ms;
  std::vector<Predicate> filter;  // a conjunction
  // Decoded manifest lists and manifests come from / go to this cache (null:
  // ManifestCache::Global()); with use_manifest_cache false every one is read and decoded.
  ManifestCache* manifest_cache = nullptr;
  bool use_manifest_cache = true;
};

struct ScanFile {
  DataFile file;
  int64_t data_sequence_number = 0;
  int64_t file_sequence_number = 0;
};

struct FileScanTask {
  ScanFile data;
  std::vector<ScanFile> deletes;  // position and equality deletes that apply
};

struct ScanPlan {
  std::optional<int64_t> snapshot_id;  // none for a table without snapshots
  int32_t schema_id = 0;
  std::vector<FileScanTask> tasks;
  int64_t manifests_pruned = 0;
  int64_t files_pruned = 0;
  // Manifest lists and manifests found decoded in the cache / read from the store.
  int64_t manifest_cache_hits = 0;
  int64_t manifest_cache_misses = 0;
};

Result<ScanPlan> PlanScan(ObjectStore& store, const TablePaths& paths,
                          const TableMetadata& metadata, const ScanOptions& options);

// The manifests of a snapshot; NotFound naming the manifest list when it is missing.
Result<std::vector<ManifestFile>> ReadSnapshotManifests(ObjectStore& store, const TablePaths& paths,
                                                        const Snapshot& snapshot);
// The entries of one manifest with sequence numbers and snapshot ids inherited from the
// manifest list as the spec requires (never null in the result).
Result<std::vector<ManifestEntry>> ReadManifestEntries(ObjectStore& store, const TablePaths& paths,
                                                       const TableMetadata& metadata,
                                                       const ManifestFile& manifest);

// Whether a value in [lower, upper] may satisfy `op value` (pruning test).
bool RangeMayMatch(CompareOp op, const Literal& value, const Literal& lower, const Literal& upper);

}  // namespace thingsdb::iceberg
