// Cold hints for user SQL (sql_hints.h through TierReader::Run): a statement with an indexed
// JSON condition returns exactly what the same statement made unhintable (`(cond) OR 0`)
// returns — over hot shadows, tombstones, updated cold rows and time travel — while reading
// fewer cold files.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/testing/engine_fixture.h"

namespace thingsdb::engine {
namespace {

using hot::SqlValue;
using testing::ShowRows;

class TierSqlHintsTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    Open();
  }

  // `types` types (one cold file each per flush) with disjoint email and n ranges.
  void PutUsers(const std::string& prefix, int types, int per_type) {
    for (int type_idx = 0; type_idx < types; ++type_idx) {
      for (int user_idx = 0; user_idx < per_type; ++user_idx) {
        Put(fmt::format("{}{}_{:03d}", prefix, type_idx, user_idx),
            fmt::format(R"({{"email":"{}{}_{:03d}@x","n":{}}})", prefix, type_idx, user_idx,
                        type_idx * 1000 + user_idx),
            fmt::format("{}{}", prefix, type_idx));
      }
    }
  }

  hot::QueryResult MustQuery(const std::string& sql, const std::vector<SqlValue>& params,
                             std::optional<int64_t> snapshot, cold::ScanCounters* counters) {
    auto result = db_->Query(sql, params, snapshot, counters);
    EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
    return result.ok() ? *result : hot::QueryResult{};
  }

  // Runs `SELECT … WHERE cond tail` hinted and as `WHERE (cond) OR 0 tail` (refused by the
  // rewrite): same rows; the hinted one skips cold files, the other none. Returns the rows.
  hot::QueryResult ExpectSameRowsFewerFiles(const std::string& select, const std::string& cond,
                                            const std::string& tail,
                                            const std::vector<SqlValue>& params,
                                            std::optional<int64_t> snapshot = std::nullopt,
                                            bool expect_pruning = true) {
    cold::ScanCounters hinted_counters, plain_counters;
    std::string hinted_sql = fmt::format("{} WHERE {} {}", select, cond, tail);
    std::string plain_sql = fmt::format("{} WHERE ({}) OR 0 {}", select, cond, tail);
    hot::QueryResult hinted = MustQuery(hinted_sql, params, snapshot, &hinted_counters);
    hot::QueryResult plain = MustQuery(plain_sql, params, snapshot, &plain_counters);
    EXPECT_EQ(ShowRows(hinted), ShowRows(plain)) << hinted_sql;
    int64_t hinted_skipped = hinted_counters.files_pruned_by_plan + hinted_counters.files_skipped;
    int64_t plain_skipped = plain_counters.files_pruned_by_plan + plain_counters.files_skipped;
    EXPECT_EQ(plain_skipped, 0) << plain_sql;
    if (expect_pruning) {
      EXPECT_GT(hinted_skipped, 0) << hinted_sql;
      EXPECT_LT(hinted_counters.files_read, plain_counters.files_read) << hinted_sql;
    } else {
      EXPECT_EQ(hinted_skipped, 0) << hinted_sql;
    }
    return hinted;
  }

  // Two flushes of four types each (eight cold files; s0 has a text n and a number email),
  // then hot changes: a0_001 updated to a
  // new email (cold shadow), a0_002 deleted (tombstone), a1_003 updated in place of n, a hot
  // row h0 whose email matches a cold row's old value, and b2_004 moved to a new email.
  void Seed() {
    AddIndex("$.email");
    AddIndex("$.n");
    PutUsers("a", 4, 20);
    // Values of the other kind: null in the index columns, yet they match some conditions
    // (text sorts after numbers, numbers before text).
    Put("s0", R"({"n":"abc","email":5})", "a3");
    MustFlush(All());
    now_ms_ += 1000;
    PutUsers("b", 4, 20);
    MustFlush(All());
    now_ms_ += 1000;
    ASSERT_TRUE(db_->Update("a0_001", R"({"email":"moved@x","n":1})", true).ok());
    ASSERT_TRUE(db_->Delete("a0_002").ok());
    ASSERT_TRUE(db_->Update("a1_003", R"({"n":-5})", true).ok());
    ASSERT_TRUE(db_->Update("b2_004", R"({"email":"a0_001@x"})", true).ok());
    Put("h0", R"({"email":"a0_001@x","n":1})", "a0");
  }
};

TEST_F(TierSqlHintsTest, IndexedConditionsReturnTheSameRowsAndSkipFiles) {
  Seed();
  const std::string select = "SELECT id, type, data FROM things";
  // A cold row shadowed by its update, two hot rows taking its old email.
  hot::QueryResult moved = ExpectSameRowsFewerFiles(select, "json_extract(data, '$.email') = ?",
                                                    "ORDER BY id", {std::string("a0_001@x")});
  EXPECT_EQ(moved.rows.size(), 2u) << ShowRows(moved);  // b2_004 and h0
  // A deleted row is not found; an untouched cold row is.
  EXPECT_TRUE(
      ExpectSameRowsFewerFiles(select, "data ->> '$.email' = 'a0_002@x'", "", {}).rows.empty());
  EXPECT_EQ(ExpectSameRowsFewerFiles(select, "json_extract(data,'$.email') = ?1", "",
                                     {std::string("b3_019@x")})
                .rows.size(),
            1u);
  // Numbers: = and ranges below, literal and bound; an updated cold row.
  ExpectSameRowsFewerFiles(select, "json_extract(data, '$.n') = 1003", "", {});
  ExpectSameRowsFewerFiles(select, "json_extract(data, '$.n') <= ?1", "ORDER BY id", {int64_t{5}});
  ExpectSameRowsFewerFiles(select, "10.5 > json_extract(data, '$.n')", "ORDER BY id", {});
  // Strings above; IN lists; an alias; other conditions and aggregates.
  ExpectSameRowsFewerFiles(select, "json_extract(data, '$.email') >= 'b3_015@x'", "ORDER BY id",
                           {});
  ExpectSameRowsFewerFiles(select, "json_extract(data, '$.email') IN ('a1_003@x', ?1, 'moved@x')",
                           "ORDER BY id", {std::string("b1_007@x")});
  ExpectSameRowsFewerFiles("SELECT t.id, count(*) OVER () FROM things AS t",
                           "t.type LIKE 'a%' AND json_extract(t.data, '$.n') < 1002",
                           "ORDER BY t.id", {});
  ExpectSameRowsFewerFiles("SELECT type, count(*), sum(json_extract(data, '$.n')) FROM things",
                           "json_extract(data, '$.n') <= 2005", "GROUP BY type ORDER BY type", {});
  // A join, things on the nullable side: the WHERE drops null-extended rows either way.
  Relate("a0_000", "a1_003");
  Relate("a0_000", "b1_001");
  Relate("h0", "a1_004");
  ExpectSameRowsFewerFiles(
      "SELECT r.from_id, r.to_id, t.data FROM relationships r LEFT JOIN things t ON t.id = r.to_id",
      "json_extract(t.data, '$.email') = ?1", "ORDER BY r.from_id, r.to_id",
      {std::string("a1_004@x")});
}

TEST_F(TierSqlHintsTest, UnsafeShapesAreNotHintedAndStillExact) {
  Seed();
  const std::string select = "SELECT id FROM things";
  // A number range upwards (text would match), a string below, a kind mismatch.
  hot::QueryResult above = ExpectSameRowsFewerFiles(select, "json_extract(data, '$.n') > 3010",
                                                    "ORDER BY id", {}, std::nullopt, false);
  EXPECT_NE(ShowRows(above).find("\"s0\""), std::string::npos) << ShowRows(above);
  hot::QueryResult below = ExpectSameRowsFewerFiles(
      select, "json_extract(data, '$.email') < 'a0_005@x'", "ORDER BY id", {}, std::nullopt, false);
  EXPECT_NE(ShowRows(below).find("\"s0\""), std::string::npos) << ShowRows(below);
  ExpectSameRowsFewerFiles(select, "json_extract(data, '$.n') = ?1", "", {std::string("5")},
                           std::nullopt, false);
}

TEST_F(TierSqlHintsTest, TimeTravelGetsHintsOnTheColdRows) {
  Seed();
  auto snapshots = db_->Snapshots();
  ASSERT_TRUE(snapshots.ok() && snapshots->size() == 2u);
  int64_t first = (*snapshots)[0].ns_snapshot_id;
  // At the first flush, a0_001 and a0_002 are there with their first values; no b rows.
  hot::QueryResult rows =
      ExpectSameRowsFewerFiles("SELECT id, data FROM things", "json_extract(data, '$.email') = ?1",
                               "", {std::string("a0_001@x")}, first);
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(rows.rows[0][0]), "a0_001");
  ExpectSameRowsFewerFiles("SELECT id FROM things", "json_extract(data, '$.n') <= 3", "ORDER BY id",
                           {}, first);
}

TEST_F(TierSqlHintsTest, ADroppedIndexGivesNoHint) {
  AddIndex("$.email");
  PutUsers("a", 2, 10);
  MustFlush(All());
  ASSERT_TRUE(db_->hot().DropIndex("$.email").ok());
  PutUsers("b", 2, 10);
  MustFlush(All());  // b files have the column, all null
  hot::QueryResult rows =
      ExpectSameRowsFewerFiles("SELECT id FROM things", "json_extract(data, '$.email') = ?1", "",
                               {std::string("b1_003@x")}, std::nullopt, false);
  ASSERT_EQ(rows.rows.size(), 1u);
}

TEST_F(TierSqlHintsTest, ExplainShowsTheHintAndParameterErrorsAreUnchanged) {
  Seed();
  auto plan = db_->ExplainQueryPlan("SELECT id FROM things WHERE json_extract(data, '$.n') = 1003");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  bool hinted = false;
  for (const auto& line : *plan) hinted = hinted || line.find("idx_n_") != std::string::npos;
  EXPECT_TRUE(hinted);
  auto wrong = db_->Query("SELECT id FROM things WHERE json_extract(data, '$.n') = ?1", {});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("SQL has 1 parameters but 0 values were given"),
            std::string::npos)
      << wrong.status().ToString();
}

}  // namespace
}  // namespace thingsdb::engine
