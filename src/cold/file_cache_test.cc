// The process-wide caches under a ColdReader: a repeated scan reads no manifest and no
// footer, results are the same with and without caches, budgets evict, threads share them.
#include "cold/file_cache.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "cold/cold_reader.h"
#include "cold/flush_writer.h"
#include "cold/testing/cold_rows.h"
#include "cold/warehouse.h"
#include "iceberg/manifest_cache.h"
#include "objectstore/forwarding_store.h"
#include "objectstore/memory_store.h"

namespace thingsdb::cold {
namespace {

using testing::MakeThings;
using testing::ThingId;

constexpr int kRows = 600;

// Records every Get (key and range).
class RecordingStore : public ForwardingStore {
 public:
  RecordingStore() : ForwardingStore(std::make_unique<MemoryStore>()) {}

  struct Call {
    std::string key;
    std::optional<ByteRange> range;
  };

  Result<std::string> Get(std::string_view key, std::optional<ByteRange> range) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      gets_.push_back(Call{std::string(key), range});
    }
    return ForwardingStore::Get(key, range);
  }

  std::vector<Call> TakeGets() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(gets_, {});
  }

 private:
  std::mutex mu_;
  std::vector<Call> gets_;
};

bool IsManifest(const RecordingStore::Call& call) {
  return call.key.size() > 5 && call.key.compare(call.key.size() - 5, 5, ".avro") == 0;
}

// FileReader reads the 4-byte head magic and the 8-byte tail only when it decodes a footer.
bool IsFooterRead(ObjectStore& store, const RecordingStore::Call& call) {
  if (!call.range) return false;
  if (call.range->offset == 0 && call.range->length == 4) return true;
  auto info = store.Head(call.key);
  return info.ok() && call.range->length == 8 && call.range->offset + 8 == info->size;
}

class FileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    layout_ = testing::ThingsLayoutWithIndexes();
    auto table = Warehouse(store_, WarehouseOptions{"", 1000}).OpenOrCreate("ns", layout_);
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    table_ = std::move(*table);
    rows_ = MakeThings(0, kRows);
    Flush("f1", rows_, {}, 1'000'000);
    store_.TakeGets();
  }

  void Flush(const std::string& flush_id, const std::vector<ColdThing>& rows,
             const std::vector<PositionDelete>& deletes, int64_t timestamp_ms) {
    FlushOptions options;
    options.flush_id = flush_id;
    options.writer.row_group_row_limit = 100;
    options.writer.page_row_limit = 20;
    auto writer = FlushWriter::Make(store_, table_->paths(), layout_, options);
    ASSERT_TRUE(writer.ok());
    auto data = writer->WriteThings(rows);
    ASSERT_TRUE(data.ok()) << data.status().ToString();
    auto dels = writer->WritePositionDeletes(deletes);
    ASSERT_TRUE(dels.ok()) << dels.status().ToString();
    auto snapshot = CommitFlush(*table_, flush_id, *data, *dels, {}, timestamp_ms);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  }

  // Every live thing (id order) read with the given caches.
  std::vector<LocatedThing> ReadAll(iceberg::ManifestCache* manifests, ColdFileCache* files,
                                    ScanCounters* counters = nullptr) {
    ColdReader reader(*table_, layout_);
    reader.SetCaches(manifests, files);
    auto read = reader.ReadThings({});
    EXPECT_TRUE(read.ok()) << read.status().ToString();
    if (counters) *counters = reader.counters();
    if (!read.ok()) return {};
    std::sort(read->begin(), read->end(),
              [](const LocatedThing& a, const LocatedThing& b) { return a.thing.id < b.thing.id; });
    return std::move(*read);
  }

  RecordingStore store_;
  TableLayout layout_;
  std::unique_ptr<iceberg::Table> table_;
  std::vector<ColdThing> rows_;
  iceberg::ManifestCache manifests_;
  ColdFileCache files_;
};

TEST_F(FileCacheTest, SecondLookupReadsNoManifestAndNoFooter) {
  ColdReader first(*table_, layout_);
  first.SetCaches(&manifests_, &files_);
  auto found = first.LookupThing(ThingId(123));
  ASSERT_TRUE(found.ok() && found->has_value()) << found.status().ToString();
  auto cold_gets = store_.TakeGets();
  int manifest_gets = 0, footer_gets = 0;
  for (const auto& call : cold_gets) {
    manifest_gets += IsManifest(call);
    footer_gets += !IsManifest(call) && IsFooterRead(store_, call);
  }
  EXPECT_GE(manifest_gets, 2);  // the list and a manifest
  EXPECT_GE(footer_gets, 2);    // head and tail of at least one data file
  EXPECT_GT(first.counters().manifest_cache_misses, 0);
  EXPECT_GT(first.counters().footer_cache_misses, 0);
  EXPECT_EQ(first.counters().footer_cache_hits, 0);

  // The same id read by a scan (not LookupThing, whose answer is now cached itself).
  ColdReader second(*table_, layout_);
  second.SetCaches(&manifests_, &files_);
  ScanRequest by_id;
  by_id.filter = {ColdPredicate{kIdColumn, parquet::CompareOp::kEq,
                                {parquet::Value::String(ThingId(123))}}};
  auto again = second.ReadThings(by_id);
  ASSERT_TRUE(again.ok() && again->size() == 1) << again.status().ToString();
  EXPECT_EQ((*again)[0], **found);
  auto warm_gets = store_.TakeGets();
  for (const auto& call : warm_gets) {
    EXPECT_FALSE(IsManifest(call)) << call.key;
    EXPECT_FALSE(IsFooterRead(store_, call)) << call.key;
  }
  EXPECT_LT(warm_gets.size(), cold_gets.size());
  EXPECT_EQ(second.counters().manifest_cache_misses, 0);
  EXPECT_GT(second.counters().manifest_cache_hits, 0);
  EXPECT_EQ(second.counters().footer_cache_misses, 0);
  EXPECT_EQ(second.counters().footer_cache_hits, first.counters().footer_cache_misses);
  EXPECT_EQ(second.counters().object_requests,
            first.counters().object_requests - 3 * first.counters().footer_cache_misses);
}

TEST_F(FileCacheTest, ASecondLookupOfAnIdAtTheSameSnapshotReadsNothing) {
  ColdReader first(*table_, layout_);
  first.SetCaches(&manifests_, &files_);
  auto found = first.LookupThing(ThingId(77));
  ASSERT_TRUE(found.ok() && found->has_value()) << found.status().ToString();
  EXPECT_EQ(first.counters().things_from_cache, 0);
  store_.TakeGets();
  ColdReader second(*table_, layout_);
  second.SetCaches(&manifests_, &files_);
  auto again = second.LookupThing(ThingId(77));
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ(**again, **found);
  EXPECT_EQ(second.counters().things_from_cache, 1);
  EXPECT_TRUE(store_.TakeGets().empty());
  EXPECT_EQ(second.counters().object_requests, 0);
  // Not cached: an id that is not there (each lookup scans), a lookup without caches, and a
  // read as of a time.
  for (int i = 0; i < 2; ++i) {
    auto missing = second.LookupThing("no-such-id");
    ASSERT_TRUE(missing.ok());
    EXPECT_FALSE(missing->has_value());
  }
  EXPECT_EQ(second.counters().things_from_cache, 1);
  ColdReader uncached(*table_, layout_);
  uncached.SetCaches(nullptr, nullptr);
  auto direct = uncached.LookupThing(ThingId(77));
  ASSERT_TRUE(direct.ok() && direct->has_value());
  EXPECT_EQ(**direct, **found);
  EXPECT_EQ(uncached.counters().things_from_cache, 0);
  EXPECT_GT(uncached.counters().object_requests, 0);
  ScanRequest as_of;
  as_of.as_of_timestamp_ms = table_->metadata().snapshots.back().timestamp_ms;
  ColdReader timed(*table_, layout_);
  timed.SetCaches(&manifests_, &files_);
  auto at_time = timed.LookupThing(ThingId(77), as_of);
  ASSERT_TRUE(at_time.ok() && at_time->has_value()) << at_time.status().ToString();
  EXPECT_EQ(timed.counters().things_from_cache, 0);
  // A reader with other JSON-index columns reads values the cached answer lacks: its own key.
  ColdReader other_layout(*table_, TableLayout::Things({JsonIndexColumn{"email", "$.email"}}));
  other_layout.SetCaches(&manifests_, &files_);
  auto wider = other_layout.LookupThing(ThingId(77));
  ASSERT_TRUE(wider.ok() && wider->has_value()) << wider.status().ToString();
  EXPECT_EQ(other_layout.counters().things_from_cache, 0);
}

TEST_F(FileCacheTest, ResultsAreTheSameWithAndWithoutCachesAndDeletesAreCached) {
  ColdReader locate(*table_, layout_);
  locate.SetCaches(nullptr, nullptr);
  auto old7 = locate.LookupThing(ThingId(7));
  ASSERT_TRUE(old7.ok() && old7->has_value());
  ColdThing updated = rows_[7];
  updated.data = R"({"n":7,"name":"updated"})";
  Flush("f2", {updated}, {{(*old7)->location, rows_[7].type, rows_[7].created_at}}, 2'000'000);

  auto uncached = ReadAll(nullptr, nullptr);
  ASSERT_EQ(uncached.size(), static_cast<size_t>(kRows));
  EXPECT_EQ(uncached[7].thing, updated);
  ScanCounters cold_counters, warm_counters;
  auto cold = ReadAll(&manifests_, &files_, &cold_counters);
  auto warm = ReadAll(&manifests_, &files_, &warm_counters);
  EXPECT_EQ(cold, uncached);
  EXPECT_EQ(warm, uncached);
  EXPECT_GE(cold_counters.delete_files_read, 1);
  EXPECT_EQ(cold_counters.delete_cache_hits, 0);
  EXPECT_EQ(warm_counters.delete_files_read, 0);
  EXPECT_EQ(warm_counters.delete_cache_hits, cold_counters.delete_files_read);
  EXPECT_EQ(warm_counters.rows_deleted, 1);
  EXPECT_EQ(warm_counters.footer_cache_misses, 0);
  EXPECT_LT(warm_counters.object_requests, cold_counters.object_requests);
}

TEST_F(FileCacheTest, BudgetEvictsAndStaysUnderIt) {
  // Room for about one footer: scanning every file must evict.
  ColdReader probe(*table_, layout_);
  ColdFileCache big;
  probe.SetCaches(nullptr, &big);
  ASSERT_TRUE(probe.ReadThings({}).ok());
  iceberg::CacheStats full = big.stats();
  ASSERT_GE(full.entries, 3u);  // one footer per data file (3 types)
  size_t budget = full.charge / full.entries + 1;

  ColdFileCache small(budget);
  auto expected = ReadAll(nullptr, nullptr);
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(ReadAll(nullptr, &small), expected);
    iceberg::CacheStats stats = small.stats();
    EXPECT_LE(stats.charge, budget);
    EXPECT_LE(stats.entries, 2u);
  }
  EXPECT_GT(small.stats().evictions, 0);
  small.SetBudget(0);
  EXPECT_EQ(small.stats().entries, 0u);
  EXPECT_EQ(small.stats().charge, 0u);
}

TEST_F(FileCacheTest, TablesInDifferentStoresWithTheSameKeysDoNotShareEntries) {
  // Same prefix, same flush ids, different rows: object keys collide, table uuids do not.
  RecordingStore other_store;
  auto other = Warehouse(other_store, WarehouseOptions{"", 1000}).OpenOrCreate("ns", layout_);
  ASSERT_TRUE(other.ok());
  std::vector<ColdThing> other_rows = MakeThings(0, kRows);
  for (auto& row : other_rows) row.data = R"({"other":true})";
  FlushOptions options;
  options.flush_id = "f1";
  options.writer.row_group_row_limit = 100;
  options.writer.page_row_limit = 20;
  auto writer = FlushWriter::Make(other_store, (*other)->paths(), layout_, options);
  ASSERT_TRUE(writer.ok());
  auto data = writer->WriteThings(other_rows);
  ASSERT_TRUE(data.ok());
  ASSERT_TRUE(CommitFlush(**other, "f1", *data, {}, {}, 1'000'000).ok());
  ASSERT_EQ(other_store.Describe(), store_.Describe());

  for (int round = 0; round < 2; ++round) {
    ColdReader mine(*table_, layout_), theirs(**other, layout_);
    mine.SetCaches(&manifests_, &files_);
    theirs.SetCaches(&manifests_, &files_);
    auto a = mine.LookupThing(ThingId(42));
    auto b = theirs.LookupThing(ThingId(42));
    ASSERT_TRUE(a.ok() && a->has_value() && b.ok() && b->has_value());
    EXPECT_EQ((*a)->thing, rows_[42]);
    EXPECT_EQ((*b)->thing, other_rows[42]);
  }
}

TEST_F(FileCacheTest, ConcurrentReadersShareTheCaches) {
  auto expected = ReadAll(nullptr, nullptr);
  ASSERT_EQ(expected.size(), static_cast<size_t>(kRows));
  // A budget of a few entries makes threads insert and evict while others read.
  ColdFileCache small(files_.kDefaultBudgetBytes);
  {
    ColdFileCache probe;
    ReadAll(nullptr, &probe);
    small.SetBudget(probe.stats().charge / 2);
  }
  iceberg::ManifestCache manifests;
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        int n = (t * 31 + i * 17) % kRows;
        ColdReader reader(*table_, layout_);
        reader.SetCaches(&manifests, i % 2 == 0 ? &small : &files_);
        auto found = reader.LookupThing(ThingId(n));
        if (!found.ok() || !found->has_value() || !((**found) == expected[n])) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
  EXPECT_GT(manifests.stats().hits, 0);
  EXPECT_GT(files_.stats().hits, 0);
  EXPECT_LE(small.stats().charge, small.stats().budget);
}

TEST(ColdFileCacheGlobalTest, ReadersUseTheGlobalCachesByDefault) {
  RecordingStore store;
  TableLayout layout = TableLayout::Things();
  auto table = Warehouse(store, WarehouseOptions{"", 1000}).OpenOrCreate("g", layout);
  ASSERT_TRUE(table.ok());
  FlushOptions options;
  options.flush_id = "g1";
  auto writer = FlushWriter::Make(store, (*table)->paths(), layout, options);
  ASSERT_TRUE(writer.ok());
  auto data = writer->WriteThings(MakeThings(0, 10));
  ASSERT_TRUE(data.ok());
  ASSERT_TRUE(CommitFlush(**table, "g1", *data, {}, {}, 1'000'000).ok());
  int64_t hits_before = ColdFileCache::Global().stats().hits;
  for (int i = 0; i < 2; ++i) {
    ColdReader reader(**table, layout);
    ScanRequest by_id;
    by_id.filter = {ColdPredicate{kIdColumn, parquet::CompareOp::kEq,
                                  {parquet::Value::String(ThingId(3))}}};
    auto found = reader.ReadThings(by_id);
    ASSERT_TRUE(found.ok() && found->size() == 1);
    EXPECT_EQ(reader.counters().footer_cache_hits > 0, i == 1);
    EXPECT_EQ(reader.counters().footer_cache_misses > 0, i == 0);
    EXPECT_EQ(reader.counters().manifest_cache_hits > 0, i == 1);
  }
  EXPECT_GT(ColdFileCache::Global().stats().hits, hits_before);
}

}  // namespace
}  // namespace thingsdb::cold
