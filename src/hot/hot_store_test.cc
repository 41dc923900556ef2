// The seed's section-8 tests (CRUD, relationships, batches, stats) and the hot tier's
// validation and limits.
#include "hot/hot_store.h"

#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "core/embedding.h"
#include "hot/testing/temp_dir.h"

namespace thingsdb::hot {
namespace {

class HotStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen(HotOptions options = {}) {
    store_.reset();
    auto opened = HotStore::Open(dir_.File("ns.db"), options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
  }
  Thing MustPut(const std::string& type, const std::string& data,
                std::optional<std::string> id = std::nullopt) {
    auto thing = store_->Put({id, type, data, std::nullopt});
    EXPECT_TRUE(thing.ok()) << thing.status().ToString();
    return thing.ok() ? *thing : Thing{};
  }
  int64_t Count(const std::string& sql) {
    auto result = store_->Query(sql, {});
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return std::get<int64_t>(result->rows.at(0).at(0));
  }

  testing::TempDir dir_;
  std::unique_ptr<HotStore> store_;
};

TEST_F(HotStoreTest, CreatesThingWithGeneratedKSortableId) {
  Thing a = MustPut("user", R"({"name":"Ada"})");
  Thing b = MustPut("user", R"({"name":"Bob"})");
  EXPECT_EQ(a.id.size(), 16u);
  EXPECT_LT(a.id, b.id);
  EXPECT_GT(a.created_at, 0);
  EXPECT_EQ(a.created_at, a.updated_at);
  auto got = store_->Get(a.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->type, "user");
  EXPECT_EQ(got->data, R"({"name":"Ada"})");
  EXPECT_FALSE(got->embedding.has_value());
}

TEST_F(HotStoreTest, CreatesThingWithCallerIdAndRejectsDuplicate) {
  MustPut("user", "{}", "user-1");
  auto dup = store_->Put({"user-1", "user", "{}", std::nullopt});
  ASSERT_FALSE(dup.ok());
  EXPECT_TRUE(dup.status().IsConflict());
  EXPECT_EQ(dup.status().message(), "thing 'user-1' already exists");
}

TEST_F(HotStoreTest, EmbeddingRoundTripsBitExactAt1536AndMore) {
  for (size_t dims : {3u, 1536u, 4096u}) {
    std::vector<float> values(dims);
    for (size_t idx = 0; idx < dims; ++idx) values[idx] = static_cast<float>(idx) * 0.001f - 0.7f;
    values[0] = -0.0f;
    values[1] = 1e-40f;  // subnormal
    auto thing = store_->Put({std::nullopt, "doc", "{}", values});
    ASSERT_TRUE(thing.ok()) << thing.status().ToString();
    auto got = store_->Get(thing->id);
    ASSERT_TRUE(got.ok());
    ASSERT_TRUE(got->embedding.has_value());
    ASSERT_EQ(got->embedding->size(), dims);
    EXPECT_EQ(0, std::memcmp(got->embedding->data(), values.data(), dims * 4));
  }
}

TEST_F(HotStoreTest, HandlesComplexNestedJson) {
  std::string data =
      R"({"user":{"profile":{"name":"Ada","langs":["en","fr"],"meta":{"a":[1,{"b":null}]}}},"n":1.5e3})";
  Thing t = MustPut("profile", data);
  EXPECT_EQ(store_->Get(t.id)->data, data);
  auto result = store_->Query(
      "SELECT json_extract(data, '$.user.profile.langs[1]'), "
      "json_extract(data, '$.user.profile.meta.a[1].b') IS NULL FROM things WHERE id = ?1",
      {SqlValue{t.id}});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(std::get<std::string>(result->rows[0][0]), "fr");
  EXPECT_EQ(std::get<int64_t>(result->rows[0][1]), 1);
}

TEST_F(HotStoreTest, UpdateReplacesAndMergePatches) {
  Thing t = MustPut("user", R"({"name":"Ada","age":36,"address":{"city":"London","zip":"N1"}})");
  auto merged = store_->Update(t.id, R"({"age":37,"address":{"zip":null},"title":"Countess"})", true);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->data,
            R"({"name":"Ada","age":37,"address":{"city":"London"},"title":"Countess"})");
  EXPECT_GE(merged->updated_at, t.updated_at);
  EXPECT_EQ(merged->created_at, t.created_at);
  auto replaced = store_->Update(t.id, R"({"name":"Ada L."})", false);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(store_->Get(t.id)->data, R"({"name":"Ada L."})");
  EXPECT_TRUE(store_->Update("missing", "{}", false).status().IsNotFound());
  EXPECT_TRUE(store_->Update(t.id, "[1]", true).status().IsInvalidArgument());
}

TEST_F(HotStoreTest, DeleteCascadesToRelationships) {
  Thing a = MustPut("user", "{}");
  Thing b = MustPut("user", "{}");
  Thing c = MustPut("user", "{}");
  ASSERT_TRUE(store_->Relate({a.id, "follows", b.id, std::nullopt}).ok());
  ASSERT_TRUE(store_->Relate({c.id, "follows", a.id, std::nullopt}).ok());
  ASSERT_TRUE(store_->Relate({b.id, "follows", c.id, std::nullopt}).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM relationships"), 3);
  ASSERT_TRUE(store_->Delete(a.id).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM relationships"), 1);
  EXPECT_TRUE(store_->Get(a.id).status().IsNotFound());
  EXPECT_TRUE(store_->Delete(a.id).IsNotFound());
}

TEST_F(HotStoreTest, RelationshipWithDataAndDuplicatesAreConflicts) {
  Thing a = MustPut("user", "{}");
  Thing b = MustPut("user", "{}");
  auto rel = store_->Relate({a.id, "follows", b.id, R"({"since":2020})"});
  ASSERT_TRUE(rel.ok());
  EXPECT_EQ(rel->data.value(), R"({"since":2020})");
  auto dup = store_->Relate({a.id, "follows", b.id, std::nullopt});
  EXPECT_TRUE(dup.status().IsConflict());
  EXPECT_NE(dup.status().message().find("already exists"), std::string::npos);
  EXPECT_TRUE(store_->Relate({a.id, "likes", b.id, std::nullopt}).ok());  // other type is fine
  auto missing = store_->Relate({a.id, "follows", "ghost", std::nullopt});
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_EQ(missing.status().message(), "to thing 'ghost' does not exist");
  EXPECT_TRUE(store_->Unrelate(a.id, "follows", b.id).ok());
  EXPECT_TRUE(store_->Unrelate(a.id, "follows", b.id).IsNotFound());
}

TEST_F(HotStoreTest, RejectsBadInputWithoutWriting) {
  struct Case {
    NewThing thing;
    const char* fragment;
  };
  std::vector<Case> cases = {
      {{std::nullopt, "user", "{\"a\":", std::nullopt}, "data is not valid JSON"},
      {{std::nullopt, "user", "[1,2]", std::nullopt}, "data must be a JSON object"},
      {{std::nullopt, "user", "\"s\"", std::nullopt}, "data must be a JSON object"},
      {{std::nullopt, "", "{}", std::nullopt}, "type is empty"},
      {{std::nullopt, std::string(129, 't'), "{}", std::nullopt}, "type is 129 bytes"},
      {{std::string(""), "user", "{}", std::nullopt}, "id is empty"},
      {{std::string(257, 'i'), "user", "{}", std::nullopt}, "id is 257 bytes"},
      {{std::string("a/b"), "user", "{}", std::nullopt}, "not allowed"},
      {{std::nullopt, "user", "{}", std::vector<float>{1.0f, NAN}}, "element 1 is not a finite"},
  };
  for (const Case& c : cases) {
    auto result = store_->Put(c.thing);
    ASSERT_FALSE(result.ok()) << c.fragment;
    EXPECT_TRUE(result.status().IsInvalidArgument()) << result.status().ToString();
    EXPECT_NE(result.status().message().find(c.fragment), std::string::npos)
        << result.status().message();
  }
  EXPECT_EQ(Count("SELECT count(*) FROM things"), 0);
  EXPECT_TRUE(store_->Get("nope").status().IsNotFound());
  EXPECT_TRUE(store_->Get("").status().IsInvalidArgument());
}

TEST_F(HotStoreTest, LimitsAreEnforcedBeforeWriting) {
  HotOptions options;
  options.limits.max_row_bytes = 1000;
  options.limits.max_namespace_bytes = 1 << 20;
  Reopen(options);
  std::string big = "{\"x\":\"" + std::string(2000, 'a') + "\"}";
  auto result = store_->Put({std::nullopt, "doc", big, std::nullopt});
  EXPECT_TRUE(result.status().IsLimitExceeded()) << result.status().ToString();
  std::string medium = "{\"x\":\"" + std::string(900, 'a') + "\"}";
  Status last;
  int written = 0;
  for (int idx = 0; idx < 5000 && last.ok(); ++idx) {
    auto put = store_->Put({std::nullopt, "doc", medium, std::nullopt});
    last = put.status();
    if (put.ok()) ++written;
  }
  EXPECT_TRUE(last.IsLimitExceeded()) << last.ToString();
  EXPECT_GT(written, 100);
  EXPECT_EQ(Count("SELECT count(*) FROM things"), written);
  // Growing by a merge patch past the row limit is refused and leaves the row as it was.
  auto small = store_->Put({std::nullopt, "doc", "{}", std::nullopt});
  if (small.ok()) {
    auto grown = store_->Update(small->id, medium, true);
    EXPECT_TRUE(grown.ok());
  }
}

TEST_F(HotStoreTest, BatchIsAllOrNothingAndNamesTheFailingItem) {
  std::vector<BatchItem> items;
  for (int idx = 0; idx < 100; ++idx) {
    items.push_back({NewThing{"t" + std::to_string(idx), "user", "{}", std::nullopt}});
  }
  items.push_back({NewRelationship{"t1", "follows", "t2", std::nullopt}});
  auto ok = store_->WriteBatch(items);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->size(), 101u);
  EXPECT_EQ(Count("SELECT count(*) FROM things"), 100);

  std::vector<BatchItem> bad;
  bad.push_back({NewThing{"n1", "user", "{}", std::nullopt}});
  bad.push_back({NewThing{"n2", "user", "{}", std::nullopt}});
  bad.push_back({NewThing{"t5", "user", "{}", std::nullopt}});  // already exists
  auto failed = store_->WriteBatch(bad);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), "item 2: thing 't5' already exists");
  EXPECT_EQ(Count("SELECT count(*) FROM things"), 100);  // rolled back: n1, n2 absent
  EXPECT_TRUE(store_->Get("n1").status().IsNotFound());

  std::vector<BatchItem> invalid;
  invalid.push_back({NewThing{"m1", "user", "{}", std::nullopt}});
  invalid.push_back({NewThing{"m2", "user", "nope", std::nullopt}});
  auto rejected = store_->WriteBatch(invalid);
  EXPECT_NE(rejected.status().message().find("item 1: data is not valid JSON"), std::string::npos);
  EXPECT_TRUE(store_->Get("m1").status().IsNotFound());
}

TEST_F(HotStoreTest, StatsReportCountsSizesAndCapacity) {
  for (int idx = 0; idx < 300; ++idx) {
    MustPut(idx % 3 ? "user" : "order", R"({"name":"someone","email":"x@example.com"})");
  }
  ASSERT_TRUE(store_->AddIndex("$.email").ok());
  auto stats = store_->GetStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->things, 300);
  ASSERT_EQ(stats->things_by_type.size(), 2u);
  EXPECT_EQ(stats->things_by_type[0].type, "order");
  EXPECT_EQ(stats->things_by_type[0].count, 100);
  EXPECT_EQ(stats->page_size, 8192);  // HotOptions' default
  EXPECT_GT(stats->database_bytes, 0);
  EXPECT_NEAR(stats->bytes_per_thing, double(stats->database_bytes) / 300, 1e-6);
  EXPECT_GT(stats->projected_capacity, 1000000);
  ASSERT_EQ(stats->indexes.size(), 1u);
  EXPECT_EQ(stats->indexes[0].path, "$.email");
  ASSERT_TRUE(store_->Optimize().ok());
  EXPECT_EQ(Count("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'things'") > 0, true);
}

TEST_F(HotStoreTest, BulkLoadIntoAnEmptyStoreKeepsTheSchemaAndPacksItsIndexes) {
  auto schema = [&]() {
    auto rows = store_->Query("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name", {});
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::string out;
    for (const auto& row : rows->rows) {
      for (const auto& cell : row) {
        out += std::holds_alternative<std::string>(cell) ? std::get<std::string>(cell) : "NULL";
        out += "|";
      }
      out += "\n";
    }
    return out;
  };
  const std::string before = schema();
  ASSERT_NE(before.find("CREATE INDEX idx_things_created ON things(created_at)"), std::string::npos);
  auto batch = [](const std::string& prefix, int count) {
    std::vector<BatchItem> items;
    for (int idx = 0; idx < count; ++idx) {
      items.push_back({NewThing{prefix + std::to_string(idx), idx % 2 ? "user" : "admin",
                                R"({"n":)" + std::to_string(idx) + "}", std::nullopt}});
    }
    return items;
  };
  // A bulk batch that fails late: rolled back, indexes and all.
  auto bad = batch("b", 1500);
  std::get<NewThing>(bad[1400].op).id = "b5";
  auto failed = store_->WriteBatch(bad);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), "item 1400: thing 'b5' already exists");
  EXPECT_EQ(Count("SELECT count(*) FROM things"), 0);
  EXPECT_EQ(schema(), before);
  // A bulk batch: the same schema afterwards, every index complete and used, no free pages.
  ASSERT_TRUE(store_->WriteBatch(batch("a", 1500)).ok());
  EXPECT_EQ(schema(), before);
  EXPECT_EQ(Count("SELECT count(*) FROM things INDEXED BY idx_things_type WHERE type = 'admin'"), 750);
  EXPECT_EQ(Count("SELECT count(*) FROM things INDEXED BY idx_things_created WHERE created_at > 0"), 1500);
  EXPECT_EQ(Count("SELECT count(*) FROM things INDEXED BY idx_things_updated WHERE updated_at > 0"), 1500);
  EXPECT_EQ(Count("SELECT count(*) FROM things INDEXED BY sqlite_autoindex_things_1 WHERE id > 'a'"), 1500);
  auto check = store_->Query("PRAGMA integrity_check", {});
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ(std::get<std::string>(check->rows.at(0).at(0)), "ok");
  auto stats = store_->GetStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->freelist_count, 0);
  // The same rows in batches below the bulk size (row-by-row index appends) take more pages
  // (1 KB pages, so that 1,500 rows span many).
  HotOptions small_pages;
  small_pages.page_size = 1024;
  auto bulk = HotStore::Open(dir_.File("bulk.db"), small_pages);
  auto rowwise = HotStore::Open(dir_.File("rowwise.db"), small_pages);
  ASSERT_TRUE(bulk.ok() && rowwise.ok());
  auto rows = batch("a", 1500);
  ASSERT_TRUE((*bulk)->WriteBatch(rows).ok());
  ASSERT_TRUE((*rowwise)->WriteBatch({rows.begin(), rows.begin() + 999}).ok());
  ASSERT_TRUE((*rowwise)->WriteBatch({rows.begin() + 999, rows.end()}).ok());
  auto bulk_stats = (*bulk)->GetStats();
  auto rowwise_stats = (*rowwise)->GetStats();
  ASSERT_TRUE(bulk_stats.ok() && rowwise_stats.ok());
  EXPECT_EQ(bulk_stats->things, 1500);
  EXPECT_EQ(rowwise_stats->things, 1500);
  EXPECT_EQ(bulk_stats->freelist_count, 0);
  EXPECT_LE(bulk_stats->page_count * 100, rowwise_stats->page_count * 97);  // >= 3% fewer
  // A bulk-sized batch into a store that has rows takes the ordinary path.
  ASSERT_TRUE(store_->WriteBatch(batch("c", 1500)).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM things INDEXED BY idx_things_type WHERE type = 'user'"), 1500);
  EXPECT_EQ(schema(), before);
}

TEST_F(HotStoreTest, JsonIndexTableIsCreatedByTheFirstIndexOnly) {
  const std::string table_count =
      "SELECT count(*) FROM sqlite_schema WHERE name = 'thingsdb_json_indexes'";
  MustPut("user", R"({"email":"a@example.com"})");
  EXPECT_EQ(Count(table_count), 0);  // a namespace without JSON indexes spends no page on it
  auto none = store_->ListIndexes();
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(store_->DropIndex("$.email").IsNotFound());
  auto stats = store_->GetStats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_TRUE(stats->indexes.empty());
  ASSERT_TRUE(store_->AddIndex("$.email").ok());
  EXPECT_EQ(Count(table_count), 1);
  EXPECT_TRUE(store_->AddIndex("$.email").status().IsConflict());
  Reopen();
  auto listed = store_->ListIndexes();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].path, "$.email");
  ASSERT_TRUE(store_->DropIndex("$.email").ok());
  EXPECT_TRUE(store_->ListIndexes()->empty());
  EXPECT_TRUE(store_->DropIndex("$.email").IsNotFound());
}

TEST_F(HotStoreTest, DataSurvivesReopenAndClockNeverGoesBack) {
  Thing t = MustPut("user", R"({"a":1})");
  int64_t wall = 1000;  // after the restart the wall clock is far behind
  MonotonicClock clock([&] { return wall; });
  HotOptions options;
  options.clock = &clock;
  Reopen(options);
  EXPECT_EQ(store_->Get(t.id)->data, R"({"a":1})");
  auto updated = store_->Update(t.id, R"({"a":2})", false);
  ASSERT_TRUE(updated.ok());
  EXPECT_GE(updated->updated_at, t.updated_at);
  auto later = store_->Put({std::nullopt, "user", "{}", std::nullopt});
  ASSERT_TRUE(later.ok());
  EXPECT_GE(later->created_at, t.updated_at);
}

TEST_F(HotStoreTest, ReadersDoNotBlockTheWriter) {
  for (int idx = 0; idx < 1000; ++idx) MustPut("user", R"({"n":1})");
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (!stop) {
      auto r = store_->Query("SELECT count(*), sum(json_extract(data,'$.n')) FROM things", {});
      if (r.ok()) ++reads;
    }
  });
  for (int idx = 0; idx < 200; ++idx) {
    auto put = store_->Put({std::nullopt, "user", R"({"n":1})", std::nullopt});
    ASSERT_TRUE(put.ok()) << put.status().ToString();
  }
  stop = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM things"), 1200);
}

}  // namespace
}  // namespace thingsdb::hot
