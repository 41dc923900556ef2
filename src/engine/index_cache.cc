#include "engine/index_cache.h"

namespace thingsdb::engine {

Status IndexCache::Stage(const std::string& flush_id,
                         const std::vector<cold::ColdFileInfo>& infos) {
  ASSIGN_OR_RETURN(
      sqlite::Statement stmt,
      db_.Cached("INSERT OR REPLACE INTO thingsdb_cold_files(path, table_name, type, day, "
                 "row_count, file_size, min_id, max_id, min_created, max_created, min_updated, "
                 "max_updated, bloom, index_bounds, flush_id, live) VALUES "
                 "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, NULL, ?14, 0)"));
  for (const cold::ColdFileInfo& info : infos) {
    stmt.BindText(1, info.file_path).BindText(2, cold::TableName(info.kind));
    stmt.BindText(3, info.type).BindInt(4, info.day).BindInt(5, info.row_count);
    stmt.BindInt(6, info.file_size).BindText(7, info.min_id).BindText(8, info.max_id);
    stmt.BindInt(9, info.min_created_at).BindInt(10, info.max_created_at);
    stmt.BindInt(11, info.min_updated_at).BindInt(12, info.max_updated_at);
    stmt.BindBlob(13, info.id_bloom).BindText(14, flush_id);
    RETURN_IF_ERROR(stmt.Run());
    stmt.Reset();
  }
  return Status::OK();
}

Status IndexCache::Publish(const std::string& flush_id, cold::TableKind kind) {
  ASSIGN_OR_RETURN(sqlite::Statement stmt, db_.Cached("UPDATE thingsdb_cold_files SET live = 1 "
                                                      "WHERE flush_id = ?1 AND table_name = ?2"));
  stmt.BindText(1, flush_id).BindText(2, cold::TableName(kind));
  return stmt.Run();
}

Status IndexCache::Discard(const std::string& flush_id, cold::TableKind kind) {
  ASSIGN_OR_RETURN(sqlite::Statement stmt,
                   db_.Cached("DELETE FROM thingsdb_cold_files "
                              "WHERE flush_id = ?1 AND table_name = ?2 AND live = 0"));
  stmt.BindText(1, flush_id).BindText(2, cold::TableName(kind));
  return stmt.Run();
}

Result<std::vector<std::string>> IndexCache::CandidateFiles(cold::TableKind kind,
                                                            std::string_view id) {
  ASSIGN_OR_RETURN(sqlite::Statement stmt,
                   db_.Cached("SELECT path, bloom FROM thingsdb_cold_files WHERE live = 1 AND "
                              "table_name = ?1 AND min_id <= ?2 AND max_id >= ?2"));
  stmt.BindText(1, cold::TableName(kind)).BindText(2, id);
  std::vector<std::string> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    if (stmt.IsNull(1) || cold::IdBloomMayContain(stmt.ColumnBlob(1), id)) {
      out.emplace_back(stmt.ColumnText(0));
    }
  }
  return out;
}

}  // namespace thingsdb::engine
