#include "hot/stats_json.h"

#include <fmt/format.h>

#include "core/json.h"

namespace thingsdb::hot {

std::string JsonIndexJson(const JsonIndexInfo& info) {
  return fmt::format("{{\"path\":{},\"index\":{},\"createdAt\":{}}}", JsonString(info.path),
                     JsonString(info.index_name), info.created_at);
}

std::string StatsJson(const Stats& stats) {
  std::string by_type = "{";
  for (size_t idx = 0; idx < stats.things_by_type.size(); ++idx) {
    if (idx) by_type += ",";
    by_type += fmt::format("{}:{}", JsonString(stats.things_by_type[idx].type),
                           stats.things_by_type[idx].count);
  }
  by_type += "}";
  std::string indexes = "[";
  for (size_t idx = 0; idx < stats.indexes.size(); ++idx) {
    if (idx) indexes += ",";
    indexes += JsonIndexJson(stats.indexes[idx]);
  }
  indexes += "]";
  return fmt::format(
      "{{\"things\":{},\"relationships\":{},\"thingsByType\":{},\"pageSize\":{},"
      "\"pageCount\":{},\"freelistCount\":{},\"databaseBytes\":{},\"walBytes\":{},"
      "\"bytesPerThing\":{:.1f},\"maxNamespaceBytes\":{},\"projectedCapacity\":{},"
      "\"indexes\":{}}}",
      stats.things, stats.relationships, by_type, stats.page_size, stats.page_count,
      stats.freelist_count, stats.database_bytes, stats.wal_bytes, stats.bytes_per_thing,
      stats.max_namespace_bytes, stats.projected_capacity, indexes);
}

}  // namespace thingsdb::hot
