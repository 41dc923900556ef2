#include "iceberg/manifest_cache.h"

#include <cstdlib>
#include <string>

namespace thingsdb::iceberg {
namespace {

// A rough per-node cost of std::map and std::string heap blocks.
constexpr size_t kNodeOverhead = 48;

size_t StringCharge(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

size_t BoundsCharge(const std::map<int32_t, std::string>& bounds) {
  size_t charge = 0;
  for (const auto& [id, value] : bounds) {
    charge += kNodeOverhead + sizeof(std::pair<const int32_t, std::string>) + StringCharge(value);
  }
  return charge;
}

size_t CountsCharge(const std::map<int32_t, int64_t>& counts) {
  return counts.size() * (kNodeOverhead + sizeof(std::pair<const int32_t, int64_t>));
}

size_t BudgetFromEnvironment() {
  const char* value = std::getenv("THINGSDB_MANIFEST_CACHE_BYTES");
  if (value == nullptr || *value == '\0') return ManifestCache::kDefaultBudgetBytes;
  char* end = nullptr;
  unsigned long long parsed = std::strtoull(value, &end, 10);
  if (end == value || *end != '\0') return ManifestCache::kDefaultBudgetBytes;
  return static_cast<size_t>(parsed);
}

}  // namespace

ManifestCache& ManifestCache::Global() {
  static ManifestCache* cache = new ManifestCache(BudgetFromEnvironment());  // never destroyed
  return *cache;
}

std::shared_ptr<const ManifestCache::List> ManifestCache::LookupList(const std::string& key) {
  Value value;
  if (!cache_.Lookup(key, &value)) return nullptr;
  auto* list = std::get_if<std::shared_ptr<const List>>(&value);
  return list != nullptr ? *list : nullptr;
}

void ManifestCache::InsertList(const std::string& key, std::shared_ptr<const List> list) {
  size_t charge = Charge(*list);
  cache_.Insert(key, Value(std::move(list)), charge);
}

std::shared_ptr<const ManifestCache::Entries> ManifestCache::LookupManifest(
    const std::string& key) {
  Value value;
  if (!cache_.Lookup(key, &value)) return nullptr;
  auto* entries = std::get_if<std::shared_ptr<const Entries>>(&value);
  return entries != nullptr ? *entries : nullptr;
}

void ManifestCache::InsertManifest(const std::string& key, std::shared_ptr<const Entries> entries) {
  size_t charge = Charge(*entries);
  cache_.Insert(key, Value(std::move(entries)), charge);
}

size_t ManifestCache::Charge(const List& list) {
  size_t charge = sizeof(List) + kNodeOverhead;
  for (const auto& manifest : list) {
    charge += sizeof(ManifestFile) + StringCharge(manifest.manifest_path);
    for (const auto& summary : manifest.partitions) {
      charge += sizeof(PartitionFieldSummary);
      if (summary.lower_bound) charge += StringCharge(*summary.lower_bound);
      if (summary.upper_bound) charge += StringCharge(*summary.upper_bound);
    }
  }
  return charge;
}

size_t ManifestCache::Charge(const Entries& entries) {
  size_t charge = sizeof(Entries) + kNodeOverhead;
  for (const auto& entry : entries) {
    const DataFile& file = entry.data_file;
    charge += sizeof(ManifestEntry) + StringCharge(file.file_path) + StringCharge(file.file_format);
    for (const auto& value : file.partition) {
      charge += sizeof(std::optional<Literal>);
      if (value) charge += StringCharge(value->bytes);
    }
    charge += CountsCharge(file.column_sizes) + CountsCharge(file.value_counts) +
              CountsCharge(file.null_value_counts) + CountsCharge(file.nan_value_counts);
    charge += BoundsCharge(file.lower_bounds) + BoundsCharge(file.upper_bounds);
    charge +=
        file.split_offsets.size() * sizeof(int64_t) + file.equality_ids.size() * sizeof(int32_t);
  }
  return charge;
}

}  // namespace thingsdb::iceberg
