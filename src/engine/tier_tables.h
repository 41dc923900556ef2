// The engine's internal tables in hot.db (thingsdb_tier_state, _snapshots, _cold_files,
// _tombstones, _flush_journal, _flush_rows, _compact_journal, _compact_removed, and the
// triggers that tombstone rows deleted during a flush; docs/tiering.md) and the small typed accessors
// on them. Functions take the engine's connection; callers serialize access to it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "sqlite/database.h"

namespace thingsdb::engine {

// Creates the internal tables when missing (idempotent).
Status ApplyTierSchema(sqlite::Database& db);

// thingsdb_tier_state: key → integer value; `fallback` when the key is absent.
Result<int64_t> GetTierInt(sqlite::Database& db, std::string_view key, int64_t fallback = 0);
Status SetTierValue(sqlite::Database& db, std::string_view key, std::string_view value);

// Tombstone kinds.
inline constexpr char kThingKind[] = "thing";
inline constexpr char kRelationshipKind[] = "relationship";

// Whether a cold row of `kind` with `id` is tombstoned (deleted or superseded).
Result<bool> IsTombstoned(sqlite::Database& db, std::string_view kind, std::string_view id);
// Adds a tombstone; one that exists is replaced by a new row (a fresh rowid, so a flush in
// progress, which consumes the tombstones it read, keeps it).
Status AddTombstone(sqlite::Database& db, std::string_view kind, std::string_view id,
                    int64_t deleted_at);

}  // namespace thingsdb::engine
