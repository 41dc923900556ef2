// The hot tier's SQL schema: the seed's tables and indexes verbatim, plus internal tables
// (prefixed thingsdb_) created when first needed. ApplySchema is idempotent; the version lives
// in PRAGMA user_version.
#pragma once

#include "core/status.h"

namespace thingsdb::sqlite {
class Database;
}

namespace thingsdb::hot {

inline constexpr int kSchemaVersion = 1;

Status ApplySchema(sqlite::Database& db);
// thingsdb_json_indexes (path, index_name, created_at): created by the first AddIndex, inside
// its transaction. Databases made before it was lazy have it with a rowid; both forms work.
Status EnsureIndexTable(sqlite::Database& db);
Result<bool> IndexTableExists(sqlite::Database& db);
// A bulk load into an empty things table (WriteBatch) drops idx_things_type, _created and
// _updated inside its transaction and creates them again after the rows: CREATE INDEX sorts
// and fills pages whole, where row-by-row appends leave index pages ~12% empty.
Status DropThingsSecondaryIndexes(sqlite::Database& db);
Status CreateThingsSecondaryIndexes(sqlite::Database& db);

}  // namespace thingsdb::hot
