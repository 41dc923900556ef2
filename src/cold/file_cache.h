// ColdFileCache: decoded Parquet footers of data files and decoded position-delete files,
// shared by every ColdReader in the process, with a byte budget (LRU). Data and delete files
// are immutable once a snapshot references them, so a cached decode is as good as a fresh
// one. Keys name the store (ObjectStore::Describe), the table (its uuid: a MemoryStore is
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

#include "iceberg/lru_cache.h"
#include "iceberg/table.h"
#include "parquet/file_reader.h"

namespace thingsdb::cold {

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

  std::shared_ptr<const parquet::DecodedFooter> LookupFooter(const std::string& key);
  void InsertFooter(const std::string& key, std::shared_ptr<const parquet::DecodedFooter> footer);
  std::shared_ptr<const DeleteEntries> LookupDeletes(const std::string& key);
  void InsertDeletes(const std::string& key, std::shared_ptr<const DeleteEntries> entries);

  void SetBudget(size_t budget_bytes) { cache_.SetBudget(budget_bytes); }
  void Clear() { cache_.Clear(); }
  iceberg::CacheStats stats() const { return cache_.stats(); }

 private:
  using Value = std::variant<std::shared_ptr<const parquet::DecodedFooter>,
                             std::shared_ptr<const DeleteEntries>>;
  iceberg::LruCache<Value> cache_;
};

}  // namespace thingsdb::cold
