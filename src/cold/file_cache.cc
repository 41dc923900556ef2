#include "cold/file_cache.h"

#include <fmt/format.h>

#include <cstdlib>

namespace thingsdb::cold {
namespace {

size_t BudgetFromEnvironment() {
  const char* value = std::getenv("THINGSDB_COLD_FILE_CACHE_BYTES");
  if (value == nullptr || *value == '\0') return ColdFileCache::kDefaultBudgetBytes;
  char* end = nullptr;
  unsigned long long parsed = std::strtoull(value, &end, 10);
  if (end == value || *end != '\0') return ColdFileCache::kDefaultBudgetBytes;
  return static_cast<size_t>(parsed);
}

}  // namespace

ColdFileCache& ColdFileCache::Global() {
  static ColdFileCache* cache = new ColdFileCache(BudgetFromEnvironment());  // never destroyed
  return *cache;
}

std::string ColdFileCache::FileKey(const iceberg::Table& table, std::string_view object_key,
                                   int64_t size) {
  return fmt::format("{}\n{}\n{}\n{}", table.store().Describe(), table.metadata().table_uuid,
                     object_key, size);
}

std::shared_ptr<const parquet::DecodedFooter> ColdFileCache::LookupFooter(const std::string& key) {
  Value value;
  if (!cache_.Lookup("footer\n" + key, &value)) return nullptr;
  auto* footer = std::get_if<std::shared_ptr<const parquet::DecodedFooter>>(&value);
  return footer != nullptr ? *footer : nullptr;
}

void ColdFileCache::InsertFooter(const std::string& key,
                                 std::shared_ptr<const parquet::DecodedFooter> footer) {
  size_t charge = footer->EstimatedBytes() + key.size();
  cache_.Insert("footer\n" + key, Value(std::move(footer)), charge);
}

std::shared_ptr<const ColdFileCache::DeleteEntries> ColdFileCache::LookupDeletes(
    const std::string& key) {
  Value value;
  if (!cache_.Lookup("deletes\n" + key, &value)) return nullptr;
  auto* entries = std::get_if<std::shared_ptr<const DeleteEntries>>(&value);
  return entries != nullptr ? *entries : nullptr;
}

void ColdFileCache::InsertDeletes(const std::string& key,
                                  std::shared_ptr<const DeleteEntries> entries) {
  size_t charge = sizeof(DeleteEntries) + key.size();
  for (const auto& [path, pos] : *entries) {
    charge +=
        sizeof(std::pair<std::string, int64_t>) + (path.size() > 15 ? path.capacity() + 1 : 0);
  }
  cache_.Insert("deletes\n" + key, Value(std::move(entries)), charge);
}

}  // namespace thingsdb::cold
