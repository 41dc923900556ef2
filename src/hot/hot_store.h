// HotStore: one namespace's SQLite database — the seed's schema, CRUD, relationships,
// traversal, JSON queries and indexes, stats. One writer connection (writes serialized by
// a mutex, one transaction per batch, WAL) and a pool of read-only connections that never
// block it. Thread-safe. Every write is validated before anything is written; a failed
// batch leaves nothing behind.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/id.h"
#include "core/status.h"
#include "hot/limits.h"
#include "hot/query.h"
#include "hot/thing.h"

namespace thingsdb::sqlite {
class Database;
}

namespace thingsdb::hot {

struct HotOptions {
  HotLimits limits;
  // Bytes; takes effect when the database is created (it cannot change later in WAL mode).
  // 8 KB: at 10K things the seed schema's 13 B-trees cost half what 16 KB pages do, and at
  // 1M bytes per thing are within 1% of 16 KB's; 4 KB saves ~60 B/thing more at 1K things
  // but writes 6-13% slower at 100K-1M (docs/benchmarks.md, "Page size").
  int page_size = 8192;
  int64_t cache_size_kib = 16000;
  bool synchronous_full = false;  // NORMAL by default (WAL: durable at checkpoints)
  // SQLite's automatic checkpoint: a commit that leaves at least this many frames (pages) in
  // the WAL copies them into hot.db and fsyncs it before it returns (SQLite's default, 1000).
  // 0: commits never checkpoint; the owner calls MaybeCheckpoint() off the write path (the
  // server does, from a background thread), and closing the store checkpoints (TRUNCATE).
  int wal_autocheckpoint = 1000;
  // With wal_autocheckpoint > 0: a commit that reaches it wakes a checkpoint thread of the
  // store's own (started on first need; PASSIVE passes on its own connection, never one that
  // waits for readers) instead of checkpointing inside the commit, where copying and
  // fsyncing megabytes held the caller for up to hundreds of ms while a tiering flush
  // filled the WAL. The engine turns it on.
  bool background_checkpoint = false;
  int read_connections = 4;               // at most this many idle readers are kept
  int64_t reader_mmap_bytes = 256 << 20;  // memory-mapped reads on read connections
  // Traversals of depth >= graph_cache_min_depth run over an in-memory adjacency of the
  // relationships (built on demand, rebuilt after writes) when there are at most
  // graph_cache_max_edges of them; shallower walks use it when it is current, else SQL.
  int graph_cache_min_depth = 3;
  int64_t graph_cache_max_edges = 20000000;
  // Related and shallow traversals that SQL answers at one generation (no write between them)
  // are counted; at graph_cache_shallow_reads of them, and again at each power of two, the
  // adjacency is built if reads * graph_cache_rows_per_read reach the estimated rows
  // (relationships + things): building costs about as much as that many SQL calls. Built for
  // Related, it also holds copies of the relationships and of the things at their ends, when
  // they fit in graph_cache_max_payload_bytes; Related is then answered from memory.
  // graph_cache_shallow_reads = 0: shallow reads never build it.
  int64_t graph_cache_shallow_reads = 64;
  double graph_cache_rows_per_read = 16;
  int64_t graph_cache_max_payload_bytes = 64 << 20;
  MonotonicClock* clock = nullptr;  // default: the system clock, made monotonic
};

// One write of a batch: a thing or a relationship.
struct BatchItem {
  std::variant<NewThing, NewRelationship> op;
};

struct RelatedOptions {
  std::optional<std::string> type;
  Direction direction = Direction::kOut;
  int64_t limit = 1000;
};

struct RelatedThing {
  Relationship relationship;
  Thing thing;  // the thing at the other end
};

struct TraverseOptions {
  std::optional<std::string> type;
  Direction direction = Direction::kOut;
  int depth = 3;
  int64_t limit = 100000;  // stop after this many things
};

struct TraverseHit {
  std::string id;
  int depth = 0;
  std::string parent;  // the thing it was reached from
};

struct PathOptions {
  std::optional<std::string> type;
  Direction direction = Direction::kOut;
  int max_depth = 6;
};

struct TypeCount {
  std::string type;
  int64_t count = 0;
};

struct JsonIndexInfo {
  std::string path;
  std::string index_name;
  int64_t created_at = 0;
};

// When MaybeCheckpoint checkpoints the WAL (sizes count frames: page size + 24 bytes each).
struct CheckpointPolicy {
  int64_t wal_bytes = 4 << 20;       // from this size, PASSIVE checkpoints (writers go on)
  int64_t max_wal_bytes = 64 << 20;  // from this size, a blocking TRUNCATE checkpoint
};

struct CheckpointReport {
  int passes = 0;          // PASSIVE checkpoints run; 0 and !blocking: nothing was due
  bool blocking = false;   // a TRUNCATE checkpoint ran: writers waited, the -wal file is empty
  bool complete = false;   // every frame of the WAL is in hot.db
  int64_t wal_frames = 0;  // frames in the WAL afterwards
  int64_t checkpointed_frames = 0;  // of which copied into hot.db
};

struct Stats {
  int64_t things = 0;
  int64_t relationships = 0;
  std::vector<TypeCount> things_by_type;
  int64_t page_size = 0;
  int64_t page_count = 0;
  int64_t freelist_count = 0;
  int64_t database_bytes = 0;  // page_size * page_count
  int64_t wal_bytes = 0;
  double bytes_per_thing = 0;
  int64_t max_namespace_bytes = 0;
  int64_t projected_capacity = 0;  // things that fit in max_namespace_bytes at bytes_per_thing
  std::vector<JsonIndexInfo> indexes;
};

class HotStore {
 public:
  static Result<std::unique_ptr<HotStore>> Open(const std::string& path, HotOptions options = {});
  ~HotStore();
  HotStore(const HotStore&) = delete;
  HotStore& operator=(const HotStore&) = delete;

  // Things.
  Result<Thing> Put(const NewThing& thing);
  Result<Thing> Get(std::string_view id);
  // Replaces data (merge=false) or applies it as an RFC 7396 JSON merge patch (merge=true).
  Result<Thing> Update(std::string_view id, std::string_view data, bool merge,
                       std::optional<std::vector<float>> embedding = std::nullopt);
  // Deletes the thing and, by cascade, its relationships. NotFound when absent.
  Status Delete(std::string_view id);

  // Relationships. A duplicate (from, type, to) is Conflict; a missing end is NotFound.
  Result<Relationship> Relate(const NewRelationship& rel);
  Status Unrelate(std::string_view from_id, std::string_view type, std::string_view to_id);
  Result<std::vector<RelatedThing>> Related(std::string_view id, const RelatedOptions& options);
  // Breadth-first from `id` (not included), each thing once, nearest first.
  Result<std::vector<TraverseHit>> Traverse(std::string_view id, const TraverseOptions& options);
  // A shortest path from → to as the ids along it (both ends included); NotFound if none
  // within max_depth hops.
  Result<std::vector<std::string>> ShortestPath(std::string_view from_id, std::string_view to_id,
                                                const PathOptions& options);

  // Writes every item in one transaction; on error nothing is written and the message says
  // which item ("item 3: …"). Returns the ids of the things and relationships written.
  // `external_ends`: thing ids that live outside this store (the engine's cold tier), which
  // a relationship may name though no hot row has them (the batch then runs with foreign
  // keys off; every other end is still checked).
  Result<std::vector<std::string>> WriteBatch(
      const std::vector<BatchItem>& items,
      const std::unordered_set<std::string>& external_ends = {});

  // Queries.
  Result<FindPage> Find(const FindQuery& query);
  // Read-only SQL with bound parameters; a statement that writes is refused.
  Result<QueryResult> Query(std::string_view sql, const std::vector<SqlValue>& params);
  // EXPLAIN QUERY PLAN of a read-only statement, one line per step.
  Result<std::vector<std::string>> ExplainQueryPlan(std::string_view sql);

  // JSON indexes: an expression index on json_extract(data, PATH).
  Result<JsonIndexInfo> AddIndex(std::string_view path);
  Status DropIndex(std::string_view path);
  Result<std::vector<JsonIndexInfo>> ListIndexes();

  // Streams every thing (ordered by id) or relationship to `visit` on a read snapshot;
  // `visit` returns false to stop early.
  Status ForEachThing(const std::function<bool(const Thing&)>& visit);
  Status ForEachRelationship(const std::function<bool(const Relationship&)>& visit);

  Result<Stats> GetStats();
  // ANALYZE, PRAGMA optimize, incremental vacuum and a WAL checkpoint.
  Status Optimize();

  // WAL checkpoints (checkpoint.cc). The WAL's size as of the writer connection's last
  // commit or the last checkpoint; the -wal file itself may be larger (SQLite reuses it from
  // its start once a checkpoint has copied every frame).
  int64_t WalBytes() const;
  // When the WAL holds policy.wal_bytes: PASSIVE checkpoints on the checkpoint connection,
  // beside the writer (repeated, up to 4 passes, while writes added frames during the pass);
  // then, if the WAL still holds policy.max_wal_bytes (readers kept old pages, or writes
  // outpaced the passes), a TRUNCATE checkpoint that holds the writer and waits for readers
  // (busy timeout) and empties the -wal file. Thread-safe; one checkpoint runs at a time.
  Result<CheckpointReport> MaybeCheckpoint(const CheckpointPolicy& policy);
  // Checkpoints the background thread has run (HotOptions::background_checkpoint).
  int64_t BackgroundCheckpoints() const {
    return background_checkpoints_.load(std::memory_order_relaxed);
  }

  const std::string& path() const { return path_; }
  const HotOptions& options() const { return options_; }

  // Another read-write connection to hot.db with the writer's settings (synchronous, page
  // cache of `cache_size_kib`, temp store, automatic checkpoints or the wake-up of the
  // checkpoint thread; not the size cap) and foreign keys OFF: for an owner that writes beside
  // the writer and enforces references itself (the engine's tiering). Without it a plain
  // connection would fsync every commit (SQLite's default synchronous = FULL) while holding
  // the write lock. The caller owns it (one thread) and closes it before the store.
  Result<std::unique_ptr<sqlite::Database>> OpenSideWriter(int64_t cache_size_kib);

 private:
  // A read connection borrowed from the pool; returned when the lease goes away.
  class ReaderLease {
   public:
    ReaderLease(HotStore* store, std::unique_ptr<sqlite::Database> db);
    ReaderLease(ReaderLease&& other) noexcept;
    ReaderLease& operator=(ReaderLease&&) = delete;
    ~ReaderLease();
    sqlite::Database& operator*() { return *db_; }
    sqlite::Database* operator->() { return db_.get(); }

   private:
    HotStore* store_;
    std::unique_ptr<sqlite::Database> db_;
  };

  HotStore(std::string path, HotOptions options);
  Status Init();
  Result<ReaderLease> AcquireReader();
  void ReleaseReader(std::unique_ptr<sqlite::Database> db);
  Result<std::unique_ptr<sqlite::Database>> OpenReader();
  // One PASSIVE (beside the writer) or TRUNCATE (holding write_mu_) checkpoint; the caller
  // holds checkpoint_mu_.
  Result<CheckpointReport> CheckpointOnce(bool truncate);

  // Writer-side pieces; the caller holds write_mu_ and an open transaction.
  Status CheckNamespaceSize(int64_t incoming_bytes);
  Result<std::string> InsertThing(const NewThing& thing, int64_t now);
  Result<Relationship> InsertRelationship(
      const NewRelationship& rel, int64_t now,
      const std::unordered_set<std::string>* external_ends = nullptr);
  Result<Thing> GetOn(sqlite::Database& db, std::string_view id);

  std::string path_;
  HotOptions options_;
  std::unique_ptr<MonotonicClock> own_clock_;
  MonotonicClock* clock_;
  IdGenerator ids_;

  std::mutex write_mu_;
  std::unique_ptr<sqlite::Database> writer_;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<sqlite::Database>> readers_;

  // The checkpoint connection (opened on first use) and the WAL's size in frames, set by the
  // writer's commits (its WAL hook) and by checkpoints.
  std::mutex checkpoint_mu_;
  std::unique_ptr<sqlite::Database> checkpointer_;
  int64_t complete_at_frames_ = -1;  // the WAL's frames when a checkpoint last completed
  int64_t frame_bytes_ = 0;          // page size + the frame header
  std::atomic<int64_t> wal_frames_{0};
  // The background checkpoint thread (options_.background_checkpoint).
  bool BackgroundCheckpoint() const;  // on, and a threshold to wake it at
  void OnWalCommit(int64_t frames);   // every WAL hook of this store's connections
  void WakeCheckpointer();
  void CheckpointLoop();
  std::mutex wake_mu_;
  std::condition_variable wake_cv_;
  bool wake_ = false;
  bool stop_checkpointer_ = false;
  std::thread checkpoint_thread_;
  std::atomic<int64_t> background_checkpoints_{0};

  // Writer-side bookkeeping after a committed batch (graph generation, statistics).
  void AfterBatch(size_t items);
  int64_t rows_since_analyze_ = 0;  // guarded by write_mu_
  int64_t rows_at_analyze_ = 0;

  // The adjacency used by traversals and Related (graph_cache.cc). A cache is valid for the
  // graph generation it was built at (bumped after every write that can change relationships)
  // and the writer's PRAGMA data_version (which moves when another process commits); its
  // copies of things (payload) also for the things generation (bumped by every write).
  struct GraphCache;
  enum class GraphUse {
    kDeep,     // a deep traversal: build the adjacency when stale
    kShallow,  // a shallow traversal: use it when current; count the read, maybe build
    kRelated,  // Related: as kShallow, and build with the payload
  };
  // The current adjacency, or null: when a write is under way, when there are too many
  // relationships, or when it is stale and this use does not build it now.
  Result<std::shared_ptr<const GraphCache>> GetGraphCache(GraphUse use);
  // Whether `graph` holds current copies of relationships and things for Related.
  bool PayloadCurrent(const GraphCache& graph) const;
  Result<std::vector<TraverseHit>> TraverseCached(const GraphCache& graph, std::string_view id,
                                                  const TraverseOptions& options);
  std::vector<RelatedThing> RelatedCached(const GraphCache& graph, std::string_view id,
                                          const RelatedOptions& options);
  void BumpThingsGeneration() { things_generation_.fetch_add(1, std::memory_order_release); }
  std::atomic<uint64_t> graph_generation_{0};
  std::atomic<uint64_t> things_generation_{0};
  std::mutex graph_mu_;
  std::shared_ptr<const GraphCache> graph_cache_;
  // Shallow reads answered by SQL at (shallow_generation_, shallow_things_generation_);
  // guarded by graph_mu_.
  int64_t shallow_reads_ = 0;
  uint64_t shallow_generation_ = ~uint64_t{0};
  uint64_t shallow_things_generation_ = ~uint64_t{0};
  std::atomic<int64_t> graph_builds_{0};
  std::atomic<int64_t> related_from_memory_{0};

 public:
  // How often the adjacency was built, and how many Related calls it answered (for tests and
  // benchmarks).
  struct GraphCacheCounters {
    int64_t builds = 0;
    int64_t related_from_memory = 0;
  };
  GraphCacheCounters graph_cache_counters() const {
    return {graph_builds_.load(std::memory_order_relaxed),
            related_from_memory_.load(std::memory_order_relaxed)};
  }
};

}  // namespace thingsdb::hot
