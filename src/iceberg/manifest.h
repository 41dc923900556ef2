// Manifests (spec "Manifests", v2): Avro files of manifest_entry records, each tracking one
// data or delete file with its status, snapshot, sequence numbers, partition tuple and
// column metrics. Written with field ids, no enum/fixed/map and no named-type references
// (readable by icebird); read from any v1/v2 writer, Spark's included. Bytes in, bytes out.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "iceberg/partition_spec.h"
#include "iceberg/schema.h"

namespace thingsdb::iceberg {

enum class FileContent { kData = 0, kPositionDeletes = 1, kEqualityDeletes = 2 };
enum class ManifestContent { kData = 0, kDeletes = 1 };
enum class EntryStatus { kExisting = 0, kAdded = 1, kDeleted = 2 };

// Reserved field ids of position delete files (spec "Position Delete Files").
inline constexpr int32_t kDeleteFilePathFieldId = 2147483546;
inline constexpr int32_t kDeletePosFieldId = 2147483545;

struct DataFile {
  FileContent content = FileContent::kData;
  std::string file_path;  // location as recorded (what other readers open)
  std::string file_format = "PARQUET";
  int32_t spec_id = 0;        // the spec the partition tuple follows (from the manifest)
  PartitionValues partition;  // one value per spec field, in spec order
  int64_t record_count = 0;
  int64_t file_size_in_bytes = 0;
  std::map<int32_t, int64_t> column_sizes;
  std::map<int32_t, int64_t> value_counts;
  std::map<int32_t, int64_t> null_value_counts;
  std::map<int32_t, int64_t> nan_value_counts;
  std::map<int32_t, std::string> lower_bounds;  // single-value serialized (single_value.h)
  std::map<int32_t, std::string> upper_bounds;
  std::vector<int64_t> split_offsets;
  std::vector<int32_t> equality_ids;
  std::optional<int32_t> sort_order_id;
};

struct ManifestEntry {
  EntryStatus status = EntryStatus::kAdded;
  std::optional<int64_t> snapshot_id;           // null: inherited from the manifest list
  std::optional<int64_t> sequence_number;       // data sequence number; null: inherited
  std::optional<int64_t> file_sequence_number;  // null: inherited
  DataFile data_file;
};

// Encodes a manifest. Entries' partitions must follow `spec`. `sync_seed` fixes the bytes.
Result<std::string> WriteManifest(const Schema& schema, const PartitionSpec& spec,
                                  ManifestContent content,
                                  const std::vector<ManifestEntry>& entries,
                                  uint64_t sync_seed = 0);

// Decodes a manifest written for `spec` (partition values typed by `schema` + `spec`).
// `what` (the object key) names it in errors. Sequence numbers are returned as stored;
// inheritance is the caller's (scan.h) business.
Result<std::vector<ManifestEntry>> ReadManifest(std::string bytes, std::string what,
                                                const Schema& schema, const PartitionSpec& spec);

// The Avro schema (JSON) of a v2 manifest entry for a partition type (a struct Type).
Result<std::string> ManifestEntryAvroSchema(const Type& partition_type);

}  // namespace thingsdb::iceberg
