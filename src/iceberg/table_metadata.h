// Table metadata (spec "Table Metadata", format version 2): schemas, partition specs, sort
// orders, snapshots, refs, logs and properties, as read from and written to
// `metadata/vN.metadata.json`. A plain value; parse and serialize are pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "iceberg/partition_spec.h"
#include "iceberg/schema.h"
#include "iceberg/snapshot.h"
#include "iceberg/sort_order.h"

namespace thingsdb::iceberg {

struct TableMetadata {
  int format_version = 2;
  std::string table_uuid;
  std::string location;
  int64_t last_sequence_number = 0;
  int64_t last_updated_ms = 0;
  int32_t last_column_id = 0;
  std::vector<Schema> schemas;
  int32_t current_schema_id = 0;
  std::vector<PartitionSpec> partition_specs;
  int32_t default_spec_id = 0;
  int32_t last_partition_id = 999;
  std::map<std::string, std::string> properties;
  std::optional<int64_t> current_snapshot_id;  // none for a table without snapshots
  std::vector<Snapshot> snapshots;
  std::vector<SnapshotLogEntry> snapshot_log;
  std::vector<MetadataLogEntry> metadata_log;
  std::vector<SortOrder> sort_orders;
  int32_t default_sort_order_id = 0;
  std::map<std::string, SnapshotRef> refs;

  const Schema* CurrentSchema() const { return SchemaById(current_schema_id); }
  const Schema* SchemaById(int32_t id) const;
  const PartitionSpec* SpecById(int32_t id) const;
  const PartitionSpec* DefaultSpec() const { return SpecById(default_spec_id); }
  const Snapshot* SnapshotById(int64_t id) const;
  const Snapshot* CurrentSnapshot() const;
  // The snapshot that was current at `timestamp_ms` (by the snapshot log, else by snapshot
  // timestamps along the current ancestry); nullptr when the table had none then.
  const Snapshot* SnapshotAsOf(int64_t timestamp_ms) const;
  // The current snapshot and its ancestors, newest first.
  std::vector<const Snapshot*> CurrentAncestry() const;
};

// Parses metadata JSON; `what` (the object key) names it in errors (Corruption).
Result<TableMetadata> ParseTableMetadata(std::string_view json_text, std::string_view what);
// Serializes to the spec's JSON (2-space indent), v2 fields only.
std::string SerializeTableMetadata(const TableMetadata& metadata);

}  // namespace thingsdb::iceberg
