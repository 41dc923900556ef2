#include "engine/tier_tables.h"

#include <fmt/format.h>

namespace thingsdb::engine {
namespace {

// Layout and meaning: docs/tiering.md "Internal tables".
constexpr const char* kTierSchema = R"sql(
CREATE TABLE IF NOT EXISTS thingsdb_tier_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS thingsdb_snapshots (
  ns_snapshot_id INTEGER PRIMARY KEY,
  flush_id TEXT NOT NULL UNIQUE,
  things_snapshot_id INTEGER,
  relationships_snapshot_id INTEGER,
  committed_at INTEGER NOT NULL,
  cutoff INTEGER NOT NULL,
  flushed_rows INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS thingsdb_cold_files (
  path TEXT PRIMARY KEY,
  table_name TEXT NOT NULL,
  type TEXT NOT NULL,
  day INTEGER NOT NULL,
  row_count INTEGER NOT NULL,
  file_size INTEGER NOT NULL,
  min_id TEXT NOT NULL,
  max_id TEXT NOT NULL,
  min_created INTEGER NOT NULL,
  max_created INTEGER NOT NULL,
  min_updated INTEGER NOT NULL,
  max_updated INTEGER NOT NULL,
  bloom BLOB,
  index_bounds TEXT,
  flush_id TEXT NOT NULL,
  live INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS thingsdb_cold_files_by_id
  ON thingsdb_cold_files(table_name, min_id);
CREATE TABLE IF NOT EXISTS thingsdb_tombstones (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  deleted_at INTEGER NOT NULL,
  PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS thingsdb_flush_journal (
  flush_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  cutoff INTEGER NOT NULL,
  state TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  max_tombstone INTEGER NOT NULL DEFAULT 0,
  plan_things INTEGER,
  plan_relationships INTEGER,
  finished_at INTEGER
);
CREATE TABLE IF NOT EXISTS thingsdb_flush_rows (
  flush_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  stamp INTEGER NOT NULL,
  PRIMARY KEY (flush_id, kind, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS thingsdb_flush_rows_by_id ON thingsdb_flush_rows(kind, id);
-- Compactions (engine/compactor.h): the intent log ('writing', 'done', 'abandoned') and
-- the files each one replaces, whose index-cache rows go when it is published.
CREATE TABLE IF NOT EXISTS thingsdb_compact_journal (
  compact_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  state TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE TABLE IF NOT EXISTS thingsdb_compact_removed (
  compact_id TEXT NOT NULL,
  table_name TEXT NOT NULL,
  path TEXT NOT NULL,
  PRIMARY KEY (compact_id, table_name, path)
) WITHOUT ROWID;
-- A hot row deleted while a flush has journaled it (its copy is in, or on its way to, the
-- cold tier) gets a tombstone in the same transaction, whichever connection deletes it and
-- however (the engine, the hot tier, a foreign-key cascade). OR REPLACE gives the tombstone
-- a fresh rowid, so a flush that is consuming older tombstones keeps this one.
CREATE TRIGGER IF NOT EXISTS thingsdb_flushing_thing_deleted AFTER DELETE ON things
WHEN EXISTS (SELECT 1 FROM thingsdb_flush_rows WHERE kind = 'thing' AND id = OLD.id)
BEGIN
  INSERT OR REPLACE INTO thingsdb_tombstones(kind, id, deleted_at)
  VALUES ('thing', OLD.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
CREATE TRIGGER IF NOT EXISTS thingsdb_flushing_relationship_deleted AFTER DELETE ON relationships
WHEN EXISTS (SELECT 1 FROM thingsdb_flush_rows WHERE kind = 'relationship' AND id = OLD.id)
BEGIN
  INSERT OR REPLACE INTO thingsdb_tombstones(kind, id, deleted_at)
  VALUES ('relationship', OLD.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
)sql";

}  // namespace

Status ApplyTierSchema(sqlite::Database& db) {
  ASSIGN_OR_RETURN(sqlite::Transaction txn, sqlite::Transaction::Begin(db));
  RETURN_IF_ERROR(db.Exec(kTierSchema).WithContext("creating the tiering tables"));
  return txn.Commit();
}

Result<int64_t> GetTierInt(sqlite::Database& db, std::string_view key, int64_t fallback) {
  ASSIGN_OR_RETURN(sqlite::Statement stmt,
                   db.Cached("SELECT value FROM thingsdb_tier_state WHERE key = ?1"));
  stmt.BindText(1, key);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return fallback;
  std::string text(stmt.ColumnText(0));
  try {
    return static_cast<int64_t>(std::stoll(text));
  } catch (...) {
    return Status::Corruption(
        fmt::format("thingsdb_tier_state '{}' holds '{}', not an integer", key, text));
  }
}

Status SetTierValue(sqlite::Database& db, std::string_view key, std::string_view value) {
  ASSIGN_OR_RETURN(sqlite::Statement stmt,
                   db.Cached("INSERT INTO thingsdb_tier_state(key, value) VALUES (?1, ?2) "
                             "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
  stmt.BindText(1, key).BindText(2, value);
  return stmt.Run();
}

Result<bool> IsTombstoned(sqlite::Database& db, std::string_view kind, std::string_view id) {
  ASSIGN_OR_RETURN(sqlite::Statement stmt,
                   db.Cached("SELECT 1 FROM thingsdb_tombstones WHERE kind = ?1 AND id = ?2"));
  stmt.BindText(1, kind).BindText(2, id);
  return stmt.Step();
}

Status AddTombstone(sqlite::Database& db, std::string_view kind, std::string_view id,
                    int64_t deleted_at) {
  ASSIGN_OR_RETURN(sqlite::Statement stmt,
                   db.Cached("INSERT OR REPLACE INTO thingsdb_tombstones(kind, id, deleted_at) "
                             "VALUES (?1, ?2, ?3)"));
  stmt.BindText(1, kind).BindText(2, id).BindInt(3, deleted_at);
  return stmt.Run();
}

}  // namespace thingsdb::engine
