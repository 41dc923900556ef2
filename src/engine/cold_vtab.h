// The SQLite virtual tables `cold_things` and `cold_relationships` (eponymous: they exist on
// every connection they are registered on, no CREATE VIRTUAL TABLE): the cold Iceberg tables
// at the snapshot a ColdVtabContext names, with the hot tables' columns and units (ms
// timestamps, data byte for byte, embedding as the same BLOB). Constraints on id, type,
// from_id, to_id (= and IN) and on the timestamps (= < <= > >=) become ColdPredicates, so
// ColdReader prunes partitions, files, row groups and pages; SQLite still checks every
// constraint (nothing is omitted). Only the columns a statement uses are decoded.
// docs/tiering.md "Read path".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "cold/cold_reader.h"
#include "core/status.h"
#include "iceberg/table.h"
#include "sqlite/database.h"

namespace thingsdb::engine {

// The cold tier one statement reads. A table pointer is null, or a snapshot id absent, when
// that table has no rows at this point.
struct ColdView {
  std::shared_ptr<const iceberg::Table> things;
  std::shared_ptr<const iceberg::Table> relationships;
  std::optional<int64_t> things_snapshot_id;
  std::optional<int64_t> relationships_snapshot_id;
  // Id lookups first ask the connection's thingsdb_cold_files (min/max id, bloom filter) and
  // skip the cold read when no live file can hold the id. Only valid at the current
  // snapshots (the index cache describes live files, not history).
  bool use_index_cache = false;
};

// Per-connection state of the modules; set before each statement, read during it. Owned by
// the caller, which must keep it alive as long as the connection.
struct ColdVtabContext {
  ColdView view;
  cold::ScanCounters counters;  // summed over every cold scan since the last reset
  Status error;                 // the last scan failure (SQLite only keeps a message)
  sqlite::Database* db = nullptr;  // the connection (for the index-cache lookups)
};

// Registers both modules on `db`, reading `*context`. Not thread-safe (one connection).
Status RegisterColdTables(sqlite::Database& db, ColdVtabContext* context);

}  // namespace thingsdb::engine
