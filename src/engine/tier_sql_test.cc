// SQL over both tiers (ThingsDB::Query, the tier views and the cold virtual tables): after
// puts, relates, flushes and updates / deletes of cold rows, unchanged SQL sees exactly the
// live rows; time travel sees a flush's cold rows; the read path refuses writes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <thread>

#include "engine/testing/engine_fixture.h"
#include "engine/tier_views.h"

namespace thingsdb::engine {
namespace {

using hot::SqlValue;
using testing::EngineTest;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kHour = 3'600'000;

SqlValue Text(const char* text) { return SqlValue{std::string(text)}; }
SqlValue Int(int64_t value) { return SqlValue{value}; }

class TierSqlTest : public EngineTest {
 protected:
  // Phase 1 (kT0): a0..a9 {"n":i,"tags":["cold","a"]}, e0 with an embedding, a0→a1, a2→a3;
  // flush → namespace snapshot 1. Phase 2 (kT0 + 1 h): b0..b4 {"n":100+i}, a1 merged to
  // n=1001; flush everything → snapshot 2. Phase 3 (kT0 + 2 h, all hot): a3 merged to
  // n=3003 (a cold row updated), a2 deleted (with its cold relationship), z0 put and
  // related to the cold a4.
  void Seed() {
    Open();
    now_ms_ = kT0;
    for (int i = 0; i < 10; ++i) {
      Put("a" + std::to_string(i), fmt::format("{{\"n\":{},\"tags\":[\"cold\",\"a\"]}}", i));
    }
    auto e0 = db_->Put({std::string("e0"), "emb", "{\"k\": \"spaced  \\u00e9\"}",
                        std::vector<float>{1.5f, -2.25f, 3e-7f}});
    ASSERT_TRUE(e0.ok()) << e0.status().ToString();
    Relate("a0", "a1");
    Relate("a2", "a3");
    e0_hot_ = MustQuery("SELECT * FROM things WHERE id = 'e0'");
    MustFlush(Cutoff(kT0 + 1000));

    now_ms_ = kT0 + kHour;
    for (int i = 0; i < 5; ++i) {
      Put("b" + std::to_string(i), fmt::format("{{\"n\":{}}}", 100 + i), "u");
    }
    ASSERT_TRUE(db_->Update("a1", "{\"n\":1001}", /*merge=*/true).ok());
    MustFlush(All());

    now_ms_ = kT0 + 2 * kHour;
    ASSERT_TRUE(db_->Update("a3", "{\"n\":3003}", /*merge=*/true).ok());
    ASSERT_TRUE(db_->Delete("a2").ok());
    Put("z0", "{\"n\":500,\"tags\":[\"hot\"]}");
    Relate("z0", "a4");
  }

  hot::QueryResult MustQuery(const std::string& sql, const std::vector<SqlValue>& params = {},
                             std::optional<int64_t> snapshot = {}) {
    auto result = db_->Query(sql, params, snapshot);
    EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
    return result.ok() ? *result : hot::QueryResult{};
  }

  int64_t QueryInt(const std::string& sql, std::optional<int64_t> snapshot = {}) {
    hot::QueryResult result = MustQuery(sql, {}, snapshot);
    if (result.rows.size() != 1 || result.rows[0].size() != 1) return -1;
    const auto* value = std::get_if<int64_t>(&result.rows[0][0]);
    return value ? *value : -1;
  }

  // The first column of every row, as text.
  std::vector<std::string> Column(const std::string& sql, std::optional<int64_t> snapshot = {}) {
    std::vector<std::string> out;
    for (const auto& row : MustQuery(sql, {}, snapshot).rows) {
      const auto* text = std::get_if<std::string>(&row[0]);
      out.push_back(text ? *text : "?");
    }
    return out;
  }

  hot::QueryResult e0_hot_;
};

TEST_F(TierSqlTest, CountsAndAggregatesSeeLiveRowsOfBothTiers) {
  Seed();
  // Hot now: a3 (copy), z0, z0→a4; cold: a0..a9 minus a2 and the superseded a3, b*, e0.
  EXPECT_EQ(HotCount("things"), 2);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM things"), 16);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM relationships"), 2);
  // 0 + 1001 + 3003 + (4..9) + (100..104) + 500
  EXPECT_EQ(QueryInt("SELECT sum(json_extract(data, '$.n')) FROM things"), 5053);
  EXPECT_EQ(QueryInt("SELECT count(DISTINCT id) FROM things"), 16);
  EXPECT_EQ(Column("SELECT type FROM things GROUP BY type ORDER BY type"),
            (std::vector<std::string>{"emb", "t", "u"}));
}

TEST_F(TierSqlTest, OrderByLimitJoinAndJsonEach) {
  Seed();
  EXPECT_EQ(Column("SELECT id FROM things ORDER BY json_extract(data, '$.n') DESC LIMIT 3"),
            (std::vector<std::string>{"a3", "a1", "z0"}));
  EXPECT_EQ(Column("SELECT id FROM things WHERE type = 't' ORDER BY id LIMIT 2 OFFSET 1"),
            (std::vector<std::string>{"a1", "a3"}));

  hot::QueryResult joined = MustQuery(
      "SELECT f.id, t.id, json_extract(t.data, '$.n') FROM relationships r "
      "JOIN things f ON f.id = r.from_id JOIN things t ON t.id = r.to_id ORDER BY f.id");
  ASSERT_EQ(joined.rows.size(), 2u);
  EXPECT_EQ(joined.rows[0], (std::vector<SqlValue>{Text("a0"), Text("a1"), Int(1001)}));
  EXPECT_EQ(joined.rows[1], (std::vector<SqlValue>{Text("z0"), Text("a4"), Int(4)}));

  hot::QueryResult tags = MustQuery(
      "SELECT j.value, count(*) FROM things, json_each(things.data, '$.tags') AS j "
      "GROUP BY j.value ORDER BY j.value");
  // a0, a1, a3..a9 kept their tags through the merges; a2 is gone; z0 is hot.
  ASSERT_EQ(tags.rows.size(), 3u);
  EXPECT_EQ(tags.rows[0], (std::vector<SqlValue>{Text("a"), Int(9)}));
  EXPECT_EQ(tags.rows[1], (std::vector<SqlValue>{Text("cold"), Int(9)}));
  EXPECT_EQ(tags.rows[2], (std::vector<SqlValue>{Text("hot"), Int(1)}));
}

TEST_F(TierSqlTest, UpdatedColdRowShowsOnlyItsNewVersionAndDeletedOneIsGone) {
  Seed();
  hot::QueryResult a3 = MustQuery("SELECT data FROM things WHERE id = ?", {Text("a3")});
  ASSERT_EQ(a3.rows.size(), 1u);
  EXPECT_EQ(a3.rows[0][0], Text("{\"n\":3003,\"tags\":[\"cold\",\"a\"]}"));
  // a1 was updated before the second flush: one cold version, the new one.
  hot::QueryResult a1 = MustQuery("SELECT json_extract(data, '$.n') FROM things WHERE id = 'a1'");
  ASSERT_EQ(a1.rows.size(), 1u);
  EXPECT_EQ(a1.rows[0][0], Int(1001));

  EXPECT_EQ(QueryInt("SELECT count(*) FROM things WHERE id = 'a2'"), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM relationships WHERE from_id = 'a2' OR to_id = 'a2'"),
            0);
  EXPECT_EQ(Column("SELECT id FROM things WHERE id IN ('a4', 'a2', 'z0', 'a5', 'nope') ORDER BY id"),
            (std::vector<std::string>{"a4", "a5", "z0"}));
}

TEST_F(TierSqlTest, PointLookupOfAColdRowIsByteIdenticalToTheHotRowItWas) {
  Seed();
  ASSERT_EQ(e0_hot_.rows.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<hot::Blob>(e0_hot_.rows[0][3]));
  cold::ScanCounters counters;
  auto cold = db_->Query("SELECT * FROM things WHERE id = ?", {Text("e0")}, {}, &counters);
  ASSERT_TRUE(cold.ok()) << cold.status().ToString();
  EXPECT_EQ(cold->columns, e0_hot_.columns);
  EXPECT_EQ(cold->rows, e0_hot_.rows);  // data, embedding BLOB, ms timestamps: all equal
  // The id was pushed down: one file, one row group, one row.
  EXPECT_EQ(counters.files_read, 1);
  EXPECT_EQ(counters.row_groups_read, 1);
  EXPECT_EQ(counters.rows_returned, 1);
  EXPECT_EQ(db_->LastQueryCounters().rows_returned, 1);

  // A hot id beyond every cold file's id range: the index cache skips the cold read.
  auto hot = db_->Query("SELECT id FROM things WHERE id = ?", {Text("z0")}, {}, &counters);
  ASSERT_TRUE(hot.ok()) << hot.status().ToString();
  EXPECT_EQ(hot->rows.size(), 1u);
  EXPECT_EQ(counters.files_planned, 0);
  EXPECT_EQ(counters.object_requests, 0);
}

TEST_F(TierSqlTest, PredicatesArePushedDownAndStillExact) {
  Seed();
  cold::ScanCounters counters;
  // Timestamps in ms, as in the hot tier (the files hold µs).
  auto young = db_->Query("SELECT id FROM things WHERE created_at >= ? ORDER BY id",
                          {Int(kT0 + kHour)}, {}, &counters);
  ASSERT_TRUE(young.ok()) << young.status().ToString();
  ASSERT_EQ(young->rows.size(), 6u);  // b0..b4 (cold) and z0 (hot)
  EXPECT_EQ(young->rows[0][0], Text("b0"));
  EXPECT_EQ(young->rows[5][0], Text("z0"));
  EXPECT_EQ(counters.rows_returned, 5);  // the cold scan returned only the b* rows

  // A non-BINARY collation is not pushed down, yet the answer is right.
  EXPECT_EQ(QueryInt("SELECT count(*) FROM things WHERE id = 'A4' COLLATE NOCASE"), 1);
  // Values of another type are compared by SQLite's rules, not pushed down.
  EXPECT_EQ(QueryInt("SELECT count(*) FROM things WHERE created_at = " + std::to_string(kT0) +
                     ".0"),
            10);  // a0, a1, a3..a9 (created_at kept) and e0
  EXPECT_EQ(QueryInt("SELECT count(*) FROM things WHERE id = NULL"), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM relationships WHERE to_id = 'a4'"), 1);
}

TEST_F(TierSqlTest, QueryPlansUsePointLookupsAndTheHotJsonIndex) {
  Seed();
  auto plan = db_->ExplainQueryPlan("SELECT * FROM things WHERE id = ?");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::string text;
  for (const auto& line : *plan) text += line + "\n";
  EXPECT_NE(text.find("SEARCH main.things USING INDEX sqlite_autoindex_things_1 (id=?)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("VIRTUAL TABLE INDEX 63:id="), std::string::npos) << text;
  EXPECT_EQ(text.find("SCAN things"), std::string::npos) << text;

  auto index = db_->hot().AddIndex("$.n");
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  const std::string by_n = "SELECT id FROM things WHERE json_extract(data, '$.n') = 1001";
  plan = db_->ExplainQueryPlan(by_n);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  text.clear();
  for (const auto& line : *plan) text += line + "\n";
  EXPECT_NE(text.find("USING INDEX " + index->index_name), std::string::npos) << text;
  EXPECT_EQ(Column(by_n), (std::vector<std::string>{"a1"}));
}

TEST_F(TierSqlTest, TimeTravelReadsTheColdTierAsOfASnapshot) {
  Seed();
  auto snapshots = db_->Snapshots();
  ASSERT_TRUE(snapshots.ok());
  ASSERT_EQ(snapshots->size(), 2u);
  const NamespaceSnapshot& first = (*snapshots)[0];

  // Snapshot 1: a0..a9 and e0 with their first versions; a2 and a2→a3 still there.
  EXPECT_EQ(QueryInt("SELECT count(*) FROM things", first.ns_snapshot_id), 11);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM relationships", first.ns_snapshot_id), 2);
  EXPECT_EQ(QueryInt("SELECT json_extract(data, '$.n') FROM things WHERE id = 'a1'",
                     first.ns_snapshot_id),
            1);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM things WHERE id = 'a2'", first.ns_snapshot_id), 1);
  // The same by the table snapshot id that flush committed.
  ASSERT_TRUE(first.things_snapshot_id.has_value());
  EXPECT_EQ(QueryInt("SELECT count(*) FROM things", *first.things_snapshot_id), 11);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM relationships", *first.things_snapshot_id), 2);

  // Snapshot 2: everything flushed, a1's new version, nothing of phase 3.
  int64_t second = (*snapshots)[1].ns_snapshot_id;
  EXPECT_EQ(QueryInt("SELECT count(*) FROM things", second), 16);
  EXPECT_EQ(QueryInt("SELECT json_extract(data, '$.n') FROM things WHERE id = 'a1'", second),
            1001);
  EXPECT_EQ(QueryInt("SELECT json_extract(data, '$.n') FROM things WHERE id = 'a3'", second), 3);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM things WHERE id = 'z0'", second), 0);

  // By time: the newest snapshot committed at or before it.
  ASSERT_LT(first.committed_at, (*snapshots)[1].committed_at);
  EXPECT_EQ(*db_->SnapshotAsOf(first.committed_at), first.ns_snapshot_id);
  EXPECT_EQ(*db_->SnapshotAsOf((*snapshots)[1].committed_at - 1), first.ns_snapshot_id);
  EXPECT_EQ(*db_->SnapshotAsOf((*snapshots)[1].committed_at), second);
  EXPECT_EQ(*db_->SnapshotAsOf(std::numeric_limits<int64_t>::max()), second);
  auto too_early = db_->SnapshotAsOf(first.committed_at - 1);
  ASSERT_FALSE(too_early.ok());
  EXPECT_EQ(too_early.status().code(), StatusCode::kNotFound);
  EXPECT_NE(too_early.status().message().find("at or before"), std::string::npos)
      << too_early.status().ToString();

  auto unknown = db_->Query("SELECT count(*) FROM things", {}, 987654321);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("987654321"), std::string::npos)
      << unknown.status().ToString();
}

TEST_F(TierSqlTest, WritesAreRefusedAndLimitsApply) {
  Seed();
  for (const char* sql : {"DELETE FROM things", "INSERT INTO things VALUES (1,2,3,4,5,6)",
                          "CREATE TEMP TABLE x(a)", "DROP VIEW things"}) {
    auto result = db_->Query(sql, {});
    ASSERT_FALSE(result.ok()) << sql;
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument) << sql;
    EXPECT_NE(result.status().message().find("read-only"), std::string::npos)
        << result.status().ToString();
  }
  EXPECT_EQ(QueryInt("SELECT count(*) FROM things"), 16);
  EXPECT_EQ(db_->ExplainQueryPlan("DELETE FROM things").status().code(),
            StatusCode::kInvalidArgument);
  auto too_many = db_->Query("SELECT ?", std::vector<SqlValue>(101, Int(1)));
  EXPECT_EQ(too_many.status().code(), StatusCode::kLimitExceeded);
  auto wrong = db_->Query("SELECT ?, ?", {Int(1)});
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  // A user's COMMIT ends the read transaction early; the connection stays usable.
  (void)db_->Query("COMMIT", {});
  EXPECT_EQ(QueryInt("SELECT count(*) FROM things"), 16);
}

TEST_F(TierSqlTest, EmptyColdTierAndFreshFlushesAreSeen) {
  Open();
  now_ms_ = kT0;
  EXPECT_EQ(QueryInt("SELECT count(*) FROM things"), 0);
  Put("x1", "{\"n\":1}");
  EXPECT_EQ(QueryInt("SELECT count(*) FROM things"), 1);
  MustFlush(All());
  // The pooled connection sees the flush: the row moved, counted once.
  EXPECT_EQ(HotCount("things"), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM things"), 1);
  Put("x2", "{\"n\":2}");
  MustFlush(All());
  EXPECT_EQ(QueryInt("SELECT sum(json_extract(data, '$.n')) FROM things"), 3);
}

// Queries running while flushes move rows and updates copy cold rows back to hot always
// see every thing exactly once (the cold snapshot comes from the query's read transaction).
TEST_F(TierSqlTest, QueriesDuringFlushesSeeEachRowExactlyOnce) {
  Open();
  now_ms_ = kT0;
  const int kThings = 30;
  for (int i = 0; i < kThings; ++i) Put(fmt::format("k{:02}", i), fmt::format("{{\"n\":{}}}", i));
  MustFlush(Cutoff(kT0 + 1000));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int round = 0; round < 6; ++round) {
      for (int i = round; i < kThings; i += 6) {
        EXPECT_TRUE(db_->Update(fmt::format("k{:02}", i), "{\"m\":1}", true).ok());
      }
      EXPECT_TRUE(db_->Flush(All()).ok());
    }
    done = true;
  });
  int queries = 0;
  while (!done || queries < 3) {
    hot::QueryResult result =
        MustQuery("SELECT count(*), count(DISTINCT id), sum(json_extract(data, '$.n')) FROM things");
    ASSERT_EQ(result.rows.size(), 1u);
    EXPECT_EQ(result.rows[0][0], Int(kThings));
    EXPECT_EQ(result.rows[0][1], Int(kThings));
    EXPECT_EQ(result.rows[0][2], Int(kThings * (kThings - 1) / 2));
    ++queries;
  }
  writer.join();
  EXPECT_EQ(QueryInt("SELECT count(*) FROM things WHERE json_extract(data, '$.m') = 1"), kThings);
}

// Per-query overhead of a point lookup through the views (printed, not asserted: sanitizer
// builds are several times slower than release).
TEST_F(TierSqlTest, PointQueryOverhead) {
  Seed();
  for (const char* id : {"z0", "a4"}) {
    const int kRuns = 200;
    auto start = std::chrono::steady_clock::now();
    for (int run = 0; run < kRuns; ++run) {
      auto result = db_->Query("SELECT * FROM things WHERE id = ?", {Text(id)});
      ASSERT_TRUE(result.ok() && result->rows.size() == 1) << id;
    }
    double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() -
                                                          start)
                    .count() /
                kRuns;
    std::printf("point query %s (%s): %.1f us\n", id, id[0] == 'z' ? "hot" : "cold", us);
    start = std::chrono::steady_clock::now();
    for (int run = 0; run < kRuns; ++run) ASSERT_TRUE(db_->Get(id).ok()) << id;
    us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
             .count() /
         kRuns;
    std::printf("  Get(%s) for comparison: %.1f us\n", id, us);
  }
}

}  // namespace
}  // namespace thingsdb::engine
