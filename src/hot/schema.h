// The hot tier's SQL schema: the seed's tables and indexes verbatim, plus internal tables
// (prefixed thingsdb_). ApplySchema is idempotent; the version lives in PRAGMA user_version.
#pragma once

#include "core/status.h"

namespace thingsdb::sqlite {
class Database;
}

namespace thingsdb::hot {

inline constexpr int kSchemaVersion = 1;

Status ApplySchema(sqlite::Database& db);

}  // namespace thingsdb::hot
