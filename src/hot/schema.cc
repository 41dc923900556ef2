#include "hot/schema.h"

#include <fmt/format.h>

#include "sqlite/database.h"

namespace thingsdb::hot {
namespace {

// The seed's schema (spike report, section 2), verbatim.
constexpr const char* kSeedSchema = R"sql(
CREATE TABLE IF NOT EXISTS things (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  data TEXT NOT NULL,      -- JSON
  embedding BLOB,          -- Float32Array
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS idx_things_type ON things(type);
CREATE INDEX IF NOT EXISTS idx_things_created ON things(created_at);
CREATE INDEX IF NOT EXISTS idx_things_updated ON things(updated_at);

CREATE TABLE IF NOT EXISTS relationships (
  id TEXT PRIMARY KEY,
  from_id TEXT NOT NULL,
  to_id TEXT NOT NULL,
  type TEXT NOT NULL,
  data TEXT,              -- Optional JSON
  created_at INTEGER NOT NULL,
  FOREIGN KEY (from_id) REFERENCES things(id) ON DELETE CASCADE,
  FOREIGN KEY (to_id) REFERENCES things(id) ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS idx_rel_from ON relationships(from_id, type);
CREATE INDEX IF NOT EXISTS idx_rel_to ON relationships(to_id, type);
CREATE INDEX IF NOT EXISTS idx_rel_type ON relationships(type);

CREATE UNIQUE INDEX IF NOT EXISTS idx_rel_unique
  ON relationships(from_id, to_id, type);
)sql";

// The internal table of JSON indexes, created by the first AddIndex (EnsureIndexTable), not
// with the schema: a namespace without JSON indexes spends no pages on it. WITHOUT ROWID on
// its primary key: one B-tree, one page.
constexpr const char* kIndexTableSchema = R"sql(
CREATE TABLE IF NOT EXISTS thingsdb_json_indexes (
  path TEXT PRIMARY KEY,
  index_name TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

}  // namespace

Status ApplySchema(sqlite::Database& db) {
  ASSIGN_OR_RETURN(int64_t version, db.QueryInt("PRAGMA user_version"));
  if (version > kSchemaVersion) {
    return Status::NotSupported(fmt::format(
        "database '{}' has schema version {}; this build knows up to {}", db.path(), version,
        kSchemaVersion));
  }
  RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  Status st = db.Exec(kSeedSchema);
  if (st.ok()) st = db.Exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion));
  if (!st.ok()) {
    (void)db.Exec("ROLLBACK");
    return st.WithContext("creating the schema");
  }
  return db.Exec("COMMIT");
}

Status EnsureIndexTable(sqlite::Database& db) { return db.Exec(kIndexTableSchema); }

namespace {
// The seed's secondary indexes on things, in the form sqlite_schema keeps kSeedSchema's
// statements (IF NOT EXISTS dropped), so the schema reads the same after a rebuild.
constexpr const char* kThingsSecondaryIndexes[][2] = {
    {"idx_things_type", "CREATE INDEX idx_things_type ON things(type)"},
    {"idx_things_created", "CREATE INDEX idx_things_created ON things(created_at)"},
    {"idx_things_updated", "CREATE INDEX idx_things_updated ON things(updated_at)"},
};
}  // namespace

Status DropThingsSecondaryIndexes(sqlite::Database& db) {
  for (const auto& index : kThingsSecondaryIndexes) {
    RETURN_IF_ERROR(db.Exec(fmt::format("DROP INDEX IF EXISTS {}", index[0])));
  }
  return Status::OK();
}

Status CreateThingsSecondaryIndexes(sqlite::Database& db) {
  // The primary key's index first: REINDEX refills it sorted, and the pages it frees are
  // taken by the three indexes created next, so the file keeps no free pages.
  RETURN_IF_ERROR(db.Exec("REINDEX sqlite_autoindex_things_1"));
  for (const auto& index : kThingsSecondaryIndexes) RETURN_IF_ERROR(db.Exec(index[1]));
  return Status::OK();
}

Result<bool> IndexTableExists(sqlite::Database& db) {
  ASSIGN_OR_RETURN(int64_t found,
                   db.QueryInt("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND "
                               "name = 'thingsdb_json_indexes'"));
  return found > 0;
}

}  // namespace thingsdb::hot
