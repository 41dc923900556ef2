// ColdFileInfo: what the engine's index cache keeps per cold data file so that pruning needs
// no object-store read — partition, row count, min/max of id and timestamps (ms), the bounds
// of each JSON-index column and a split-block bloom filter over every id of the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cold/cold_row.h"
#include "cold/cold_schema.h"

namespace thingsdb::cold {

struct ColdFileInfo {
  TableKind kind = TableKind::kThings;
  std::string file_path;  // location recorded in the table (what position deletes name)
  std::string key;        // object key in the store
  std::string type;       // partition: identity(type)
  int32_t day = 0;        // partition: day(created_at), days since 1970-01-01
  int64_t row_count = 0;
  int64_t file_size = 0;
  std::string min_id, max_id;
  int64_t min_created_at = 0, max_created_at = 0;  // ms
  int64_t min_updated_at = 0, max_updated_at = 0;  // ms (== created for relationships)
  // Per TableLayout::indexes entry: {min, max}, monostate when every value is null.
  std::vector<std::pair<IndexValue, IndexValue>> index_bounds;
  // Split-block bloom filter bitset (parquet/bloom_filter.h: xxHash64 of the id's bytes)
  // over every id in the file, sized for a 1% false-positive rate.
  std::string id_bloom;
};

// Whether `id` may be in the file whose bloom bitset is `id_bloom` (true when unreadable).
bool IdBloomMayContain(std::string_view id_bloom, std::string_view id);

// Days since 1970-01-01 (UTC) of a ms timestamp: the day(created_at) partition value.
int32_t DayOfMillis(int64_t ms);

}  // namespace thingsdb::cold
