// ColdFileCache: decoded Parquet footers of data files, decoded position-delete files and
// the things ColdReader::LookupThing found, shared by every ColdReader in the process, with
// one byte budget (LRU). Data and delete files are immutable once a snapshot references them,
// and so is what a snapshot holds for an id, so a cached decode is as good as a fresh one.
// Keys name the store (ObjectStore::Describe), the table (its uuid: a MemoryStore is
// "mem://" in every instance, and a table recreated under the same prefix gets a new uuid),
// the object key and the file's size from its manifest entry. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "cold/cold_schema.h"
#include "iceberg/lru_cache.h"
#include "iceberg/table.h"
#include "parquet/file_reader.h"

namespace thingsdb::cold {

struct LocatedThing;  // cold_reader.h

class ColdFileCache {
 public:
  static constexpr size_t kDefaultBudgetBytes = size_t{64} << 20;

  // A position-delete file's (file_path, pos) rows, sorted.
  using DeleteEntries = std::vector<std::pair<std::string, int64_t>>;

  explicit ColdFileCache(size_t budget_bytes = kDefaultBudgetBytes) : cache_(budget_bytes) {}

  // The process-wide cache ColdReaders use by default. Its budget is
  // THINGSDB_COLD_FILE_CACHE_BYTES when set (0 keeps nothing), else kDefaultBudgetBytes.
  static ColdFileCache& Global();

  // The cache key of one data or delete file of `table` (size as its manifest records).
  static std::string FileKey(const iceberg::Table& table, std::string_view object_key,
                             int64_t size);

  // The key of the live thing `id` of `table` at `snapshot_id`, as read with `layout` (its
  // JSON-index columns decide the values read alongside).
  static std::string ThingKey(const iceberg::Table& table, const TableLayout& layout,
                              int64_t snapshot_id, std::string_view id);

  std::shared_ptr<const parquet::DecodedFooter> LookupFooter(const std::string& key);
  void InsertFooter(const std::string& key, std::shared_ptr<const parquet::DecodedFooter> footer);
  std::shared_ptr<const DeleteEntries> LookupDeletes(const std::string& key);
  void InsertDeletes(const std::string& key, std::shared_ptr<const DeleteEntries> entries);
  // A thing LookupThing found (with its location); not-found results are not cached.
  std::shared_ptr<const LocatedThing> LookupThing(const std::string& key);
  void InsertThing(const std::string& key, std::shared_ptr<const LocatedThing> thing);

  void SetBudget(size_t budget_bytes) { cache_.SetBudget(budget_bytes); }
  void Clear() { cache_.Clear(); }
  iceberg::CacheStats stats() const { return cache_.stats(); }

 private:
  using Value =
      std::variant<std::shared_ptr<const parquet::DecodedFooter>,
                   std::shared_ptr<const DeleteEntries>, std::shared_ptr<const LocatedThing>>;
  iceberg::LruCache<Value> cache_;
};

}  // namespace thingsdb::cold
