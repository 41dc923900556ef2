// NamespaceRegistry: the server's namespaces as actors. Each is opened on first use through
// the engine (engine::ThingsDB: <data>/<ns>/hot.db, the CLI's layout, plus the namespace's
// cold tables in the warehouse at cold_uri), kept in an LRU of at most max_open entries and
// closed when idle. A namespace's writes pass a bounded gate (Busy when it is full) and are
// then serialized by its store; reads run concurrently. Thread-safe. A Namespace stays open
// while any caller holds its shared_ptr; only unheld namespaces are ever evicted.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/status.h"
#include "engine/things_db.h"
#include "hot/hot_store.h"

namespace thingsdb::server {

// Letters, digits, '_' and '-', 1 to 64 characters: exactly the CLI's rule, so a name can
// never step out of the data directory.
Status ValidateNamespaceName(std::string_view ns);

struct RegistryOptions {
  std::string data_dir = "./thingsdb-data";
  size_t max_open = 256;                                // LRU cap on open namespaces
  std::chrono::milliseconds idle_close{5 * 60 * 1000};  // close after this long unused
  int max_pending_writes = 16;  // per namespace: write requests running or waiting
  // The cold warehouse (engine::EngineOptions::cold_uri): a directory or s3://bucket/prefix;
  // empty: <data_dir>/warehouse, as the CLI.
  std::string cold_uri;
  // Automatic flush thresholds of each namespace (ThingsDB::MaybeFlush).
  int64_t flush_max_rows = 10000;
  int64_t flush_max_age_ms = 5 * 60 * 1000;
  int64_t flush_min_age_ms = 0;
  // Smaller than the CLI's defaults so that memory stays bounded with many namespaces open:
  // at most max_open * (2 + read_connections) SQLite caches of cache_size_kib each (the hot
  // writer, the readers and the engine's own connection; a flush's is released after it).
  hot::HotOptions store_options = [] {
    hot::HotOptions options;
    options.read_connections = 2;
    options.cache_size_kib = 2048;
    // No memory-mapped reads: every checkpoint that grows a file remaps its readers' maps
    // (TLB-shootdown IPIs to every CPU running a server thread), and a write empties their
    // page caches anyway. Measured (docs/server.md "Mixed capacity"): 9% less server CPU
    // for 12K GETs + 3K POSTs per second on 50 namespaces, GETs alone no slower.
    options.reader_mmap_bytes = 0;
    return options;
  }();
};

// One open namespace: its engine (hot and cold tiers).
class Namespace {
 public:
  using Store = engine::ThingsDB;

  Namespace(std::string name, std::unique_ptr<Store> store, int max_pending_writes);
  Namespace(const Namespace&) = delete;
  Namespace& operator=(const Namespace&) = delete;

  const std::string& name() const { return name_; }
  Store& store() { return *store_; }

  // Holds one of the namespace's write places for its lifetime.
  class WriteSlot {
   public:
    explicit WriteSlot(std::atomic<int>* pending) : pending_(pending) {}
    WriteSlot(WriteSlot&& other) noexcept : pending_(other.pending_) { other.pending_ = nullptr; }
    WriteSlot& operator=(WriteSlot&&) = delete;
    ~WriteSlot() {
      if (pending_) pending_->fetch_sub(1);
    }

   private:
    std::atomic<int>* pending_;
  };
  // Busy when max_pending_writes writes are already running or waiting.
  Result<WriteSlot> AcquireWriteSlot();
  int pending_writes() const { return pending_.load(); }

  // The hot tier's stats, recomputed when the cached copy is older than `max_age`.
  Result<hot::Stats> CachedStats(std::chrono::milliseconds max_age);

 private:
  std::string name_;
  std::unique_ptr<Store> store_;
  int max_pending_writes_;
  std::atomic<int> pending_{0};

  std::mutex stats_mu_;
  std::optional<hot::Stats> stats_;
  std::chrono::steady_clock::time_point stats_time_;
};

class NamespaceRegistry {
 public:
  explicit NamespaceRegistry(RegistryOptions options);
  ~NamespaceRegistry();  // CloseAll()
  NamespaceRegistry(const NamespaceRegistry&) = delete;
  NamespaceRegistry& operator=(const NamespaceRegistry&) = delete;

  // The open namespace `name`, opening (and creating) it if needed. InvalidArgument for a
  // bad name; Busy when max_open namespaces are open and every one is in use, or after
  // CloseAll().
  Result<std::shared_ptr<Namespace>> Acquire(std::string_view name);

  // Closes the namespaces unused for idle_close that no caller holds; returns how many.
  // A background thread calls it periodically.
  size_t CloseIdle();
  // Refuses further Acquire calls and drops every namespace (each store closes when its
  // last holder lets go). Idempotent.
  void CloseAll();

  size_t OpenCount() const;
  // The open namespaces, most recently used first (for metrics).
  std::vector<std::shared_ptr<Namespace>> OpenNamespaces() const;

 private:
  struct Entry {
    std::shared_ptr<Namespace> ns;
    std::list<std::string>::iterator lru_pos;
    std::chrono::steady_clock::time_point last_used;
  };
  // Closes the least recently used unheld namespace; false if every one is held.
  bool EvictOneLocked();
  Result<std::unique_ptr<Namespace::Store>> OpenStore(const std::string& name);
  void IdleLoop();

  const RegistryOptions options_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> open_;
  std::list<std::string> lru_;               // front = most recently used
  std::unordered_set<std::string> opening_;  // being opened by one caller, lock released
  std::condition_variable opened_cv_;        // an opening finished
  bool closed_ = false;

  std::condition_variable idle_cv_;
  std::thread idle_thread_;
};

}  // namespace thingsdb::server
