// LruCache and the manifest cache under PlanScan: a repeated plan reads nothing, plans are
// the same with and without the cache, budgets evict, stores never share entries, threads.
#include "iceberg/manifest_cache.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "iceberg/scan.h"
#include "iceberg/single_value.h"
#include "iceberg/table.h"
#include "objectstore/forwarding_store.h"
#include "objectstore/memory_store.h"

namespace thingsdb::iceberg {
namespace {

TEST(LruCacheTest, EvictsLeastRecentlyUsedWithinTheBudget) {
  LruCache<std::shared_ptr<const int>> cache(100);
  std::shared_ptr<const int> out;
  EXPECT_FALSE(cache.Lookup("a", &out));
  cache.Insert("a", std::make_shared<const int>(1), 40);
  cache.Insert("b", std::make_shared<const int>(2), 40);
  ASSERT_TRUE(cache.Lookup("a", &out));  // a is now the most recently used
  EXPECT_EQ(*out, 1);
  cache.Insert("c", std::make_shared<const int>(3), 40);  // 120 > 100: evicts b
  EXPECT_FALSE(cache.Lookup("b", &out));
  EXPECT_TRUE(cache.Lookup("a", &out));
  EXPECT_TRUE(cache.Lookup("c", &out));
  CacheStats stats = cache.stats();
  EXPECT_EQ(stats.entries, 2u);
  EXPECT_EQ(stats.charge, 80u);
  EXPECT_EQ(stats.evictions, 1);
  EXPECT_EQ(stats.hits, 3);
  EXPECT_EQ(stats.misses, 2);
  cache.Insert("huge", std::make_shared<const int>(4), 101);  // larger than the budget
  EXPECT_FALSE(cache.Lookup("huge", &out));
  cache.Insert("a", std::make_shared<const int>(5), 10);  // replaces, recharges
  ASSERT_TRUE(cache.Lookup("a", &out));
  EXPECT_EQ(*out, 5);
  EXPECT_EQ(cache.stats().charge, 50u);
  cache.SetBudget(45);  // evicts c (least recent), keeps a
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_TRUE(cache.Lookup("a", &out));
  cache.Clear();
  EXPECT_EQ(cache.stats().charge, 0u);
  EXPECT_FALSE(cache.Lookup("a", &out));
}

// Counts Gets by key.
class CountingStore : public ForwardingStore {
 public:
  CountingStore() : ForwardingStore(std::make_unique<MemoryStore>()) {}
  Result<std::string> Get(std::string_view key, std::optional<ByteRange> range) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++gets_;
    }
    return ForwardingStore::Get(key, range);
  }
  int gets() {
    std::lock_guard<std::mutex> lock(mu_);
    return gets_;
  }

 private:
  std::mutex mu_;
  int gets_ = 0;
};

Schema TestSchema() {
  Schema schema;
  schema.fields = {
      NestedField{1, "id", true, Type::Primitive(TypeId::kString), ""},
      NestedField{2, "type", true, Type::Primitive(TypeId::kString), ""},
      NestedField{3, "score", false, Type::Primitive(TypeId::kLong), ""},
  };
  return schema;
}

PartitionSpec TestSpec() {
  PartitionSpec spec;
  spec.fields = {PartitionField{2, 1000, "type", *Transform::Parse("identity")}};
  return spec;
}

DataFile MakeFile(const std::string& name, const std::string& type, int64_t low, int64_t high) {
  DataFile file;
  file.file_path = "mem://warehouse/ns/t/data/" + name;
  file.partition = {Literal::String(type)};
  file.record_count = 10;
  file.file_size_in_bytes = 1000;
  auto long_type = Type::Primitive(TypeId::kLong);
  file.lower_bounds[3] = *SerializeSingleValue(Literal::Long(low), *long_type);
  file.upper_bounds[3] = *SerializeSingleValue(Literal::Long(high), *long_type);
  return file;
}

DataFile MakeDeletes(const std::string& name, const std::string& type, const std::string& target) {
  DataFile file;
  file.content = FileContent::kPositionDeletes;
  file.file_path = "mem://warehouse/ns/t/data/" + name;
  file.partition = {Literal::String(type)};
  file.record_count = 1;
  file.file_size_in_bytes = 300;
  file.lower_bounds[kDeleteFilePathFieldId] = target;
  file.upper_bounds[kDeleteFilePathFieldId] = target;
  return file;
}

// A plan as comparable text: data files with sequence numbers and their deletes.
std::vector<std::string> Describe(const ScanPlan& plan) {
  std::vector<std::string> out;
  for (const auto& task : plan.tasks) {
    std::string line = task.data.file.file_path + " seq " +
                       std::to_string(task.data.data_sequence_number) + "/" +
                       std::to_string(task.data.file_sequence_number);
    for (const auto& del : task.deletes) {
      line += " del " + del.file.file_path + " " + std::to_string(del.data_sequence_number);
    }
    out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  out.push_back("pruned " + std::to_string(plan.files_pruned) + " " +
                std::to_string(plan.manifests_pruned));
  return out;
}

class ManifestCacheTest : public ::testing::Test {
 protected:
  std::unique_ptr<Table> MakeTable(ObjectStore& store, const std::string& suffix) {
    CreateTableOptions create;
    create.timestamp_ms = 1000;
    auto table = Table::Create(store, TablePaths("ns/t", "mem://warehouse/ns/t"), TestSchema(),
                               TestSpec(), create);
    EXPECT_TRUE(table.ok());
    if (!table.ok()) return nullptr;
    CommitOptions options;
    options.timestamp_ms = 2000;
    options.commit_token = "c1";
    EXPECT_TRUE(
        (*table)
            ->Append({MakeFile("a" + suffix, "user", 1, 5), MakeFile("b" + suffix, "post", 6, 9),
                      MakeFile("c" + suffix, "user", 10, 20)},
                     options)
            .ok());
    options.timestamp_ms = 3000;
    options.commit_token = "c2";
    EXPECT_TRUE((*table)
                    ->AddDeletes(
                        {MakeDeletes("d" + suffix, "user", "mem://warehouse/ns/t/data/a" + suffix)},
                        {MakeFile("e" + suffix, "post", 30, 40)}, options)
                    .ok());
    return std::move(*table);
  }

  static ScanOptions With(ManifestCache* cache, std::vector<Predicate> filter = {}) {
    ScanOptions options;
    options.manifest_cache = cache;
    options.use_manifest_cache = cache != nullptr;
    options.filter = std::move(filter);
    return options;
  }

  CountingStore store_;
  ManifestCache cache_;
};

TEST_F(ManifestCacheTest, SecondPlanReadsNothingAndMatchesAnUncachedPlan) {
  auto table = MakeTable(store_, ".parquet");
  ASSERT_TRUE(table);
  std::vector<std::vector<Predicate>> filters = {
      {},
      {Predicate{"type", CompareOp::kEq, Literal::String("user")}},
      {Predicate{"score", CompareOp::kGe, Literal::Long(7)}},
  };
  for (const auto& filter : filters) {
    auto uncached = table->Scan(With(nullptr, filter));
    ASSERT_TRUE(uncached.ok()) << uncached.status().ToString();
    EXPECT_EQ(uncached->manifest_cache_hits + uncached->manifest_cache_misses, 0);
    auto first = table->Scan(With(&cache_, filter));
    ASSERT_TRUE(first.ok());
    int before = store_.gets();
    auto second = table->Scan(With(&cache_, filter));
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(store_.gets(), before) << "the second plan read objects";
    EXPECT_EQ(second->manifest_cache_misses, 0);
    EXPECT_GE(second->manifest_cache_hits, 2);  // the list and at least one manifest
    EXPECT_EQ(Describe(*first), Describe(*uncached));
    EXPECT_EQ(Describe(*second), Describe(*uncached));
  }
  // The first snapshot's list is another entry; its plan has no deletes.
  auto old = table->Scan(With(&cache_));
  ASSERT_TRUE(old.ok());
  ScanOptions at_first = With(&cache_);
  at_first.snapshot_id = table->metadata().snapshots.front().snapshot_id;
  auto then = table->Scan(at_first);
  ASSERT_TRUE(then.ok());
  EXPECT_EQ(then->tasks.size(), 3u);
  EXPECT_EQ(old->tasks.size(), 4u);
  for (const auto& task : then->tasks) EXPECT_TRUE(task.deletes.empty());
}

TEST_F(ManifestCacheTest, SameKeysInAnotherStoreAreNotShared) {
  // Same prefix, same commit tokens (so the same object keys), different files.
  CountingStore other_store;
  auto mine = MakeTable(store_, ".parquet");
  auto theirs = MakeTable(other_store, "-other.parquet");
  ASSERT_TRUE(mine && theirs);
  ASSERT_EQ(mine->metadata().snapshots.back().manifest_list,
            theirs->metadata().snapshots.back().manifest_list);
  ASSERT_EQ(store_.Describe(), other_store.Describe());
  for (int round = 0; round < 2; ++round) {
    auto a = mine->Scan(With(&cache_));
    auto b = theirs->Scan(With(&cache_));
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(Describe(*a), Describe(*mine->Scan(With(nullptr))));
    EXPECT_EQ(Describe(*b), Describe(*theirs->Scan(With(nullptr))));
    EXPECT_NE(Describe(*a), Describe(*b));
  }
}

TEST_F(ManifestCacheTest, BudgetBoundsTheCharge) {
  auto table = MakeTable(store_, ".parquet");
  ASSERT_TRUE(table);
  ASSERT_TRUE(table->Scan(With(&cache_)).ok());
  CacheStats full = cache_.stats();
  ASSERT_GE(full.entries, 3u);
  ManifestCache small(full.charge / 2);
  auto expected = Describe(*table->Scan(With(nullptr)));
  for (int round = 0; round < 3; ++round) {
    auto plan = table->Scan(With(&small));
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(Describe(*plan), expected);
    EXPECT_LE(small.stats().charge, full.charge / 2);
    EXPECT_LT(small.stats().entries, full.entries);
  }
  EXPECT_GT(small.stats().evictions, 0);
  ManifestCache none(0);
  auto plan = table->Scan(With(&none));
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(Describe(*plan), expected);
  EXPECT_EQ(none.stats().entries, 0u);
}

TEST_F(ManifestCacheTest, ConcurrentPlansShareTheCache) {
  auto table = MakeTable(store_, ".parquet");
  ASSERT_TRUE(table);
  auto expected = Describe(*table->Scan(With(nullptr)));
  ManifestCache small(cache_.kDefaultBudgetBytes);
  ASSERT_TRUE(table->Scan(With(&small)).ok());
  small.SetBudget(small.stats().charge / 2);  // threads evict while others read
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto plan = table->Scan(With(i % 2 == 0 ? &small : &cache_));
        if (!plan.ok() || Describe(*plan) != expected) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
  EXPECT_GT(cache_.stats().hits, 0);
  EXPECT_LE(small.stats().charge, small.stats().budget);
}

TEST(ManifestCacheGlobalTest, PlansUseTheGlobalCacheByDefault) {
  CountingStore store;
  auto table =
      Table::Create(store, TablePaths("g/t", "mem://warehouse/g/t"), TestSchema(), TestSpec());
  ASSERT_TRUE(table.ok());
  ASSERT_TRUE((*table)->Append({MakeFile("a.parquet", "user", 1, 5)}).ok());
  auto first = (*table)->Scan();
  ASSERT_TRUE(first.ok());
  int before = store.gets();
  auto second = (*table)->Scan();
  ASSERT_TRUE(second.ok());
  if (ManifestCache::Global().stats().budget > 0) {
    EXPECT_EQ(store.gets(), before);
    EXPECT_GE(second->manifest_cache_hits, 2);
  }
  EXPECT_EQ(Describe(*second), Describe(*first));
}

}  // namespace
}  // namespace thingsdb::iceberg
