// JSON indexes, stats and maintenance (HotStore, part 4 of 4).
#include <filesystem>

#include <fmt/format.h>

#include "hot/hot_store.h"
#include "hot/schema.h"
#include "hot/store_internal.h"

namespace thingsdb::hot {

using sqlite::Statement;
using sqlite::Transaction;

namespace {

// The index is (json_extract(data, PATH), id): equality on the path then the id order that
// find pages by, with no sort step.
// "idx_json_address_city_1a2b3c4d": readable, and unique per path through a hash.
std::string IndexNameFor(std::string_view path) {
  std::string name = "idx_json_";
  for (char c : path.substr(1)) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (name.back() != '_') {
      name.push_back('_');
    }
    if (name.size() > 48) break;
  }
  uint32_t hash = 2166136261u;  // FNV-1a
  for (char c : path) hash = (hash ^ static_cast<uint8_t>(c)) * 16777619u;
  if (name.back() != '_') name.push_back('_');
  return name + fmt::format("{:08x}", hash);
}

}  // namespace

Result<JsonIndexInfo> HotStore::AddIndex(std::string_view path) {
  RETURN_IF_ERROR(ValidateJsonPath(path));
  JsonIndexInfo info{std::string(path), IndexNameFor(path), clock_->NowMs()};
  std::lock_guard<std::mutex> lock(write_mu_);
  ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*writer_));
  RETURN_IF_ERROR(EnsureIndexTable(*writer_));
  ASSIGN_OR_RETURN(Statement existing,
                   writer_->Prepare("SELECT index_name, created_at FROM thingsdb_json_indexes "
                                    "WHERE path = ?1"));
  existing.BindText(1, path);
  ASSIGN_OR_RETURN(bool found, existing.Step());
  if (found) {
    return Status::Conflict(fmt::format("a JSON index on '{}' already exists ({})", path,
                                        existing.ColumnText(0)));
  }
  RETURN_IF_ERROR(writer_->Exec(fmt::format(
      "CREATE INDEX {} ON things(json_extract(data, '{}'), id)", info.index_name, info.path)));
  ASSIGN_OR_RETURN(Statement insert,
                   writer_->Prepare("INSERT INTO thingsdb_json_indexes(path, index_name, "
                                    "created_at) VALUES(?1, ?2, ?3)"));
  insert.BindText(1, info.path).BindText(2, info.index_name).BindInt(3, info.created_at);
  RETURN_IF_ERROR(insert.Run());
  RETURN_IF_ERROR(txn.Commit());
  return info;
}

Status HotStore::DropIndex(std::string_view path) {
  RETURN_IF_ERROR(ValidateJsonPath(path));
  std::lock_guard<std::mutex> lock(write_mu_);
  ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*writer_));
  ASSIGN_OR_RETURN(bool has_table, IndexTableExists(*writer_));
  if (!has_table) return Status::NotFound(fmt::format("no JSON index on '{}'", path));
  ASSIGN_OR_RETURN(Statement existing,
                   writer_->Prepare("SELECT index_name FROM thingsdb_json_indexes WHERE path = ?1"));
  existing.BindText(1, path);
  ASSIGN_OR_RETURN(bool found, existing.Step());
  if (!found) return Status::NotFound(fmt::format("no JSON index on '{}'", path));
  std::string name(existing.ColumnText(0));
  existing.Reset();
  RETURN_IF_ERROR(writer_->Exec(fmt::format("DROP INDEX IF EXISTS {}", name)));
  ASSIGN_OR_RETURN(Statement del,
                   writer_->Prepare("DELETE FROM thingsdb_json_indexes WHERE path = ?1"));
  del.BindText(1, path);
  RETURN_IF_ERROR(del.Run());
  return txn.Commit();
}

Result<std::vector<JsonIndexInfo>> HotStore::ListIndexes() {
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  std::vector<JsonIndexInfo> out;
  ASSIGN_OR_RETURN(bool has_table, IndexTableExists(*reader));
  if (!has_table) return out;  // no index was ever added
  ASSIGN_OR_RETURN(Statement stmt, reader->Prepare("SELECT path, index_name, created_at FROM "
                                                   "thingsdb_json_indexes ORDER BY path"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back({std::string(stmt.ColumnText(0)), std::string(stmt.ColumnText(1)),
                   stmt.ColumnInt(2)});
  }
  return out;
}

Status HotStore::ForEachThing(const std::function<bool(const Thing&)>& visit) {
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  ASSIGN_OR_RETURN(Statement stmt, reader->Prepare("SELECT id, type, data, embedding, created_at, "
                                                   "updated_at FROM things ORDER BY id"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row || !visit(ReadThingRow(stmt, 0))) break;
  }
  return Status::OK();
}

Status HotStore::ForEachRelationship(const std::function<bool(const Relationship&)>& visit) {
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  ASSIGN_OR_RETURN(Statement stmt, reader->Prepare("SELECT id, from_id, to_id, type, data, "
                                                   "created_at FROM relationships ORDER BY id"));
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row || !visit(ReadRelationshipRow(stmt, 0))) break;
  }
  return Status::OK();
}

Result<Stats> HotStore::GetStats() {
  Stats stats;
  {
    ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
    ASSIGN_OR_RETURN(Statement by_type,
                     reader->Prepare("SELECT type, count(*) FROM things GROUP BY type ORDER BY type"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, by_type.Step());
      if (!row) break;
      stats.things_by_type.push_back({std::string(by_type.ColumnText(0)), by_type.ColumnInt(1)});
      stats.things += by_type.ColumnInt(1);
    }
    ASSIGN_OR_RETURN(stats.relationships, reader->QueryInt("SELECT count(*) FROM relationships"));
    ASSIGN_OR_RETURN(stats.page_size, reader->QueryInt("PRAGMA page_size"));
    ASSIGN_OR_RETURN(stats.page_count, reader->QueryInt("PRAGMA page_count"));
    ASSIGN_OR_RETURN(stats.freelist_count, reader->QueryInt("PRAGMA freelist_count"));
  }
  stats.database_bytes = stats.page_size * stats.page_count;
  std::error_code ec;
  auto wal_size = std::filesystem::file_size(path_ + "-wal", ec);
  stats.wal_bytes = ec ? 0 : static_cast<int64_t>(wal_size);
  stats.max_namespace_bytes = options_.limits.max_namespace_bytes;
  if (stats.things > 0) {
    stats.bytes_per_thing = static_cast<double>(stats.database_bytes) / stats.things;
    stats.projected_capacity =
        static_cast<int64_t>(static_cast<double>(stats.max_namespace_bytes) / stats.bytes_per_thing);
  }
  ASSIGN_OR_RETURN(stats.indexes, ListIndexes());
  return stats;
}

Status HotStore::Optimize() {
  std::lock_guard<std::mutex> lock(write_mu_);
  RETURN_IF_ERROR(writer_->Exec("ANALYZE"));
  RETURN_IF_ERROR(writer_->Exec("PRAGMA optimize"));
  RETURN_IF_ERROR(writer_->Exec("PRAGMA incremental_vacuum"));
  return writer_->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

}  // namespace thingsdb::hot
