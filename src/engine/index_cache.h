// IndexCache: the thingsdb_cold_files rows — what the engine knows of every cold data file
// (partition, row count, id and timestamp bounds, id bloom filter) so a lookup by id picks
// its candidate files without an object-store read. Rows of a flush are staged (live = 0)
// before its Iceberg commit and go live in the flush's SQLite transaction. Works on the
// caller's connection; callers serialize access to it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cold/cold_file_info.h"
#include "cold/cold_schema.h"
#include "core/status.h"
#include "sqlite/database.h"

namespace thingsdb::engine {

class IndexCache {
 public:
  explicit IndexCache(sqlite::Database& db) : db_(db) {}

  // Stages the files a flush wrote (not live; replaces rows of the same path).
  Status Stage(const std::string& flush_id, const std::vector<cold::ColdFileInfo>& infos);
  // Makes the staged files of `flush_id` in `table` live.
  Status Publish(const std::string& flush_id, cold::TableKind kind);
  // Drops the staged, never committed files of `flush_id` in `table`.
  Status Discard(const std::string& flush_id, cold::TableKind kind);
  // Live files of `table` whose id range and bloom filter admit `id`.
  Result<std::vector<std::string>> CandidateFiles(cold::TableKind kind, std::string_view id);

 private:
  sqlite::Database& db_;
};

}  // namespace thingsdb::engine
