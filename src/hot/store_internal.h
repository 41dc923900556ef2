// Pieces shared by HotStore's implementation files (not part of the public API):
// input validation before any write, and decoding a things row.
#pragma once

#include "core/embedding.h"
#include "core/status.h"
#include "hot/limits.h"
#include "hot/thing.h"
#include "sqlite/database.h"

namespace thingsdb::hot {

Status ValidateNewThing(const NewThing& thing, const HotLimits& limits);
Status ValidateNewRelationship(const NewRelationship& rel, const HotLimits& limits);
// Reads columns id, type, data, embedding, created_at, updated_at starting at first_col.
Thing ReadThingRow(const sqlite::Statement& stmt, int first_col);
void ReadThingRowInto(const sqlite::Statement& stmt, int first_col, Thing& thing);
// Reads columns id, from_id, to_id, type, data, created_at starting at first_col.
Relationship ReadRelationshipRow(const sqlite::Statement& stmt, int first_col);
void ReadRelationshipRowInto(const sqlite::Statement& stmt, int first_col, Relationship& rel);

}  // namespace thingsdb::hot
