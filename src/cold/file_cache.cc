#include "cold/file_cache.h"

#include <fmt/format.h>

#include <cstdlib>

#include "cold/cold_reader.h"

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

std::string ColdFileCache::ThingKey(const iceberg::Table& table, const TableLayout& layout,
                                    int64_t snapshot_id, std::string_view id) {
  std::string key = fmt::format("thing\n{}\n{}\n{}\n", table.store().Describe(),
                                table.metadata().table_uuid, snapshot_id);
  for (const JsonIndexColumn& index : layout.indexes) key += index.name + ",";
  key += "\n";
  key += id;
  return key;
}

std::shared_ptr<const LocatedThing> ColdFileCache::LookupThing(const std::string& key) {
  Value value;
  if (!cache_.Lookup(key, &value)) return nullptr;
  auto* thing = std::get_if<std::shared_ptr<const LocatedThing>>(&value);
  return thing != nullptr ? *thing : nullptr;
}

void ColdFileCache::InsertThing(const std::string& key, std::shared_ptr<const LocatedThing> thing) {
  const ColdThing& row = thing->thing;
  size_t charge = sizeof(LocatedThing) + key.size() + row.id.size() + row.type.size() +
                  row.data.size() + thing->location.file_path.size() +
                  (row.embedding ? row.embedding->size() * sizeof(float) : 0);
  for (const IndexValue& value : row.index_values) {
    charge += sizeof(IndexValue);
    if (const auto* text = std::get_if<std::string>(&value)) charge += text->size();
  }
  cache_.Insert(key, Value(std::move(thing)), charge);
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
