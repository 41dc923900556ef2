// ManifestCache: decoded manifest lists and manifests, shared by every scan in the process,
// with a byte budget (LRU). Manifest lists and manifests are immutable once a snapshot
// references them, so a cached decode is as good as a fresh one; the key still names
// everything the bytes and their decoding depend on, so that two stores, two tables, or a
// table recreated under the same prefix never share an entry:
//   store (ObjectStore::Describe) + table uuid + object key
//   + for a manifest list: snapshot id, sequence number and timestamp of the snapshot
//   + for a manifest: its length and partition spec id (from the list) and the schema id
// (a MemoryStore describes itself as "mem://" in every instance; the table uuid, random at
// creation, tells their tables apart). Entries are what the Avro decoders return, before
// sequence-number inheritance. Thread-safe. Used by PlanScan (scan.h).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "iceberg/lru_cache.h"
#include "iceberg/manifest.h"
#include "iceberg/manifest_list.h"

namespace thingsdb::iceberg {

class ManifestCache {
 public:
  static constexpr size_t kDefaultBudgetBytes = size_t{64} << 20;

  using List = std::vector<ManifestFile>;
  using Entries = std::vector<ManifestEntry>;

  explicit ManifestCache(size_t budget_bytes = kDefaultBudgetBytes) : cache_(budget_bytes) {}

  // The process-wide cache scans use by default. Its budget is THINGSDB_MANIFEST_CACHE_BYTES
  // when set (0 keeps nothing), else kDefaultBudgetBytes; SetBudget changes it at run time.
  static ManifestCache& Global();

  std::shared_ptr<const List> LookupList(const std::string& key);
  void InsertList(const std::string& key, std::shared_ptr<const List> list);
  std::shared_ptr<const Entries> LookupManifest(const std::string& key);
  void InsertManifest(const std::string& key, std::shared_ptr<const Entries> entries);

  void SetBudget(size_t budget_bytes) { cache_.SetBudget(budget_bytes); }
  void Clear() { cache_.Clear(); }
  CacheStats stats() const { return cache_.stats(); }

  // Estimated bytes of decoded values (what an entry is charged).
  static size_t Charge(const List& list);
  static size_t Charge(const Entries& entries);

 private:
  using Value = std::variant<std::shared_ptr<const List>, std::shared_ptr<const Entries>>;
  LruCache<Value> cache_;
};

}  // namespace thingsdb::iceberg
