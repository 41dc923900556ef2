// The SQLite virtual tables `cold_things` and `cold_relationships` (eponymous: they exist on
// every connection they are registered on, no CREATE VIRTUAL TABLE): the cold Iceberg tables
// at the snapshot a ColdVtabContext names, with the hot tables' columns and units (ms
// timestamps, data byte for byte, embedding as the same BLOB). Constraints on id, type,
// from_id, to_id (= and IN) and on the timestamps (= < <= > >=) become ColdPredicates, so
// ColdReader prunes partitions, files, row groups and pages; SQLite still checks every
// constraint on those columns. Only the columns a statement uses are decoded.
//
// Hidden columns idx_<name> (one per JSON-index column of the things table) are hints: a
// constraint on one (= IN < <= > >=, a bound value of the column's kind) prunes the files,
// row groups, pages and rows that have the column; files without the column pass whole.
// The constraint is consumed (SQLite does not re-check it) and the column reads as NULL, so
// a statement must also carry the exact condition (json_extract(data, PATH) op value) and
// use a hint only where every row it drops fails that condition (docs/tiering.md).
// docs/tiering.md "Read path".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

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
  // The JSON-index columns cold_things declares as HIDDEN columns `idx_<name>` (TEXT for
  // strings, REAL for doubles), fixed when the connection first uses cold_things: a
  // connection made before a column was added does not know it (open a new one).
  std::vector<cold::JsonIndexColumn> things_indexes;
};

// Registers both modules on `db`, reading `*context`. Not thread-safe (one connection).
Status RegisterColdTables(sqlite::Database& db, ColdVtabContext* context);

}  // namespace thingsdb::engine
