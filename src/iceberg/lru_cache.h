// LruCache: a thread-safe map from string keys to immutable values with a byte budget,
// evicting least recently used entries when the sum of the entries' charges passes it. Values
// are shared_ptr<const T>: a caller keeps using a value after it is evicted. Used for decoded
// manifests (manifest_cache.h) and decoded Parquet footers and delete files (src/cold).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace thingsdb::iceberg {

struct CacheStats {
  int64_t hits = 0;
  int64_t misses = 0;
  int64_t inserts = 0;
  int64_t evictions = 0;
  size_t entries = 0;
  size_t charge = 0;  // bytes the entries are charged (estimates of their decoded size)
  size_t budget = 0;
};

template <typename V>  // V: a copyable handle (shared_ptr<const T>, or a variant of them)
class LruCache {
 public:
  explicit LruCache(size_t budget_bytes) : budget_(budget_bytes) {}
  LruCache(const LruCache&) = delete;
  LruCache& operator=(const LruCache&) = delete;

  // Whether `key` is cached; if so *out is its value (now the most recently used). Counts a
  // hit or a miss.
  bool Lookup(const std::string& key, V* out) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) {
      ++stats_.misses;
      return false;
    }
    ++stats_.hits;
    lru_.splice(lru_.begin(), lru_, it->second);
    *out = it->second->value;
    return true;
  }

  // Inserts or replaces `key`, then evicts from the cold end until the charge fits the
  // budget. A value charged more than the whole budget is not kept.
  void Insert(const std::string& key, V value, size_t charge) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = index_.find(key);
    if (it != index_.end()) {
      stats_.charge -= it->second->charge;
      lru_.erase(it->second);
      index_.erase(it);
    }
    if (charge > budget_) return;
    lru_.push_front(Entry{key, std::move(value), charge});
    index_.emplace(key, lru_.begin());
    stats_.charge += charge;
    ++stats_.inserts;
    EvictLocked();
  }

  void SetBudget(size_t budget_bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    budget_ = budget_bytes;
    EvictLocked();
  }

  // Drops every entry (counters stay).
  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    lru_.clear();
    index_.clear();
    stats_.charge = 0;
  }

  CacheStats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    CacheStats out = stats_;
    out.entries = index_.size();
    out.budget = budget_;
    return out;
  }

 private:
  struct Entry {
    std::string key;
    V value;
    size_t charge = 0;
  };

  void EvictLocked() {
    while (stats_.charge > budget_ && !lru_.empty()) {
      Entry& victim = lru_.back();
      stats_.charge -= victim.charge;
      index_.erase(victim.key);
      lru_.pop_back();
      ++stats_.evictions;
    }
  }

  mutable std::mutex mu_;
  size_t budget_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string, typename std::list<Entry>::iterator> index_;
  CacheStats stats_;
};

}  // namespace thingsdb::iceberg
