// JSON-index columns in the cold tier: the flush writes one column per hot JSON index
// (values of SQLite's json_extract), and Find pushes hints on them down to the cold scan
// (docs/tiering.md "JSON-index columns").
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cold/cold_reader.h"
#include "engine/testing/engine_fixture.h"

namespace thingsdb::engine {
namespace {

class TierIndexTest : public testing::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    Open();
  }

  std::vector<cold::JsonIndexColumn> Columns() {
    EXPECT_TRUE(db_->things_table().Refresh().ok());
    return ColdIndexColumns(db_->things_table());
  }

  // The name of the cold column of the hot index on `path` (empty when none).
  std::string ColumnOf(const std::string& path) {
    auto indexes = db_->hot().ListIndexes();
    EXPECT_TRUE(indexes.ok());
    for (const auto& index : *indexes) {
      if (index.path == path) return ColdIndexName(index.path, index.created_at);
    }
    return "";
  }

  // Every live cold thing with its index values in the table's current layout.
  std::vector<cold::LocatedThing> ColdRows() {
    EXPECT_TRUE(db_->things_table().Refresh().ok());
    cold::ColdReader reader(db_->things_table(),
                            cold::TableLayout::Things(ColdIndexColumns(db_->things_table())));
    auto rows = reader.ReadThings({});
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? *rows : std::vector<cold::LocatedThing>{};
  }

  // json_extract(data, path) as SQLite computes it, as a cold index cell of `kind`.
  cold::IndexValue Extract(const std::string& data, const std::string& path, cold::IndexKind kind) {
    auto result = db_->Query("SELECT json_extract(?1, ?2), json_type(?1, ?2)", {data, path});
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    const hot::SqlValue& value = result->rows[0][0];
    if (kind == cold::IndexKind::kDouble) {
      if (auto* i = std::get_if<int64_t>(&value)) return static_cast<double>(*i);
      if (auto* d = std::get_if<double>(&value)) return *d;
      return std::monostate{};
    }
    if (auto* s = std::get_if<std::string>(&value)) return *s;
    return std::monostate{};
  }

  std::vector<std::string> FindIds(const std::string& condition,
                                   std::optional<std::string> type = std::nullopt) {
    hot::FindQuery query;
    query.type = type;
    query.where.push_back(*hot::ParseCondition(condition));
    query.limit = 1000;
    auto page = db_->Find(query);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::string> ids;
    if (page.ok()) {
      for (const auto& thing : page->things) ids.push_back(thing.id);
    }
    return ids;
  }

  // The same condition as plain SQL over the views (no hint: `OR 0` keeps the user-SQL
  // rewrite of sql_hints.h away): the reference.
  std::vector<std::string> SqlIds(const std::string& path, const std::string& op,
                                  hot::SqlValue value, cold::ScanCounters* counters = nullptr) {
    auto result = db_->Query(
        fmt::format("SELECT id FROM things WHERE json_extract(data, '{}') {} ?1 OR 0 ORDER BY id",
                    path, op),
        {value}, std::nullopt, counters);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    std::vector<std::string> ids;
    if (result.ok()) {
      for (const auto& row : result->rows) ids.push_back(std::get<std::string>(row[0]));
    }
    return ids;
  }

  // Four types (one cold file each) with disjoint email ranges.
  void PutUsers(const std::string& prefix, int types, int per_type) {
    for (int type_idx = 0; type_idx < types; ++type_idx) {
      for (int user_idx = 0; user_idx < per_type; ++user_idx) {
        std::string id = fmt::format("{}{}_{:03d}", prefix, type_idx, user_idx);
        Put(id,
            fmt::format(R"({{"email":"{}{}_{:03d}@x","n":{}}})", prefix, type_idx, user_idx,
                        type_idx * 1000 + user_idx),
            fmt::format("{}{}", prefix, type_idx));
      }
    }
  }
};

TEST_F(TierIndexTest, FlushWritesIndexColumnsWithJsonExtractValues) {
  AddIndex("$.email");
  AddIndex("$.n");
  const std::vector<std::string> datas = {R"({"email":"a@x","n":1})",
                                          R"({"email":"b@x","n":2.5})",
                                          R"({"n":"text"})",
                                          R"({"email":7,"n":true})",
                                          R"({"email":null,"n":[1,2]})",
                                          R"({"email":{"k":1},"n":-3})",
                                          R"({"email":"c@x","n":9007199254740993})"};
  for (size_t row = 0; row < datas.size(); ++row) Put(fmt::format("r{}", row), datas[row]);
  MustFlush(All());

  std::vector<cold::JsonIndexColumn> columns = Columns();
  ASSERT_EQ(columns.size(), 2u);
  // $.email is mostly strings, $.n mostly numbers (true counts as 1).
  auto email = std::find_if(columns.begin(), columns.end(),
                            [&](const auto& c) { return c.name == ColumnOf("$.email"); });
  auto n = std::find_if(columns.begin(), columns.end(),
                        [&](const auto& c) { return c.name == ColumnOf("$.n"); });
  ASSERT_NE(email, columns.end());
  ASSERT_NE(n, columns.end());
  EXPECT_EQ(email->kind, cold::IndexKind::kString);
  EXPECT_EQ(n->kind, cold::IndexKind::kDouble);
  size_t email_slot = email - columns.begin();
  size_t n_slot = n - columns.begin();

  std::vector<cold::LocatedThing> rows = ColdRows();
  ASSERT_EQ(rows.size(), datas.size());
  for (const auto& row : rows) {
    ASSERT_EQ(row.thing.index_values.size(), 2u) << row.thing.id;
    EXPECT_EQ(row.thing.index_values[email_slot],
              Extract(row.thing.data, "$.email", cold::IndexKind::kString))
        << row.thing.id;
    EXPECT_EQ(row.thing.index_values[n_slot],
              Extract(row.thing.data, "$.n", cold::IndexKind::kDouble))
        << row.thing.id;
  }
  // Spot checks: an object is its JSON text, true is 1, a string in a double column is null.
  auto by_id = [&](const std::string& id) {
    return *std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.thing.id == id; });
  };
  EXPECT_EQ(by_id("r5").thing.index_values[email_slot], cold::IndexValue(std::string("{\"k\":1}")));
  EXPECT_EQ(by_id("r3").thing.index_values[n_slot], cold::IndexValue(1.0));
  EXPECT_EQ(by_id("r2").thing.index_values[n_slot], cold::IndexValue(std::monostate{}));
  EXPECT_EQ(by_id("r3").thing.index_values[email_slot], cold::IndexValue(std::monostate{}));
}

TEST_F(TierIndexTest, FindByIndexedPathReadsFewerFiles) {
  AddIndex("$.email");
  PutUsers("u", 4, 40);
  MustFlush(All());
  ASSERT_EQ(Columns().size(), 1u);

  hot::FindQuery query;
  query.where.push_back(*hot::ParseCondition(R"($.email = "u2_007@x")"));
  auto hints = db_->FindHintColumns(query);
  ASSERT_TRUE(hints.ok());
  EXPECT_EQ((*hints)[0], "idx_" + ColumnOf("$.email"));

  EXPECT_EQ(FindIds(R"($.email = "u2_007@x")"), std::vector<std::string>{"u2_007"});
  cold::ScanCounters hinted = db_->LastQueryCounters();
  cold::ScanCounters plain;
  EXPECT_EQ(SqlIds("$.email", "=", std::string("u2_007@x"), &plain),
            std::vector<std::string>{"u2_007"});
  EXPECT_EQ(plain.files_read, 4);
  EXPECT_EQ(hinted.files_read, 1);
  EXPECT_LT(hinted.row_groups_read, plain.row_groups_read);
  EXPECT_EQ(hinted.files_pruned_by_plan + hinted.files_skipped, 3);

  // A range on a string column (> >=) is hinted too, and gives the exact rows.
  EXPECT_EQ(FindIds(R"($.email >= "u3_038@x")"), (std::vector<std::string>{"u3_038", "u3_039"}));
  EXPECT_EQ(db_->LastQueryCounters().files_read, 1);
}

TEST_F(TierIndexTest, IndexAddedAfterAFlushKeepsOldFilesReadable) {
  PutUsers("a", 1, 20);
  MustFlush(All());
  EXPECT_TRUE(Columns().empty());
  AddIndex("$.email");
  PutUsers("b", 2, 20);
  MustFlush(All());
  ASSERT_EQ(Columns().size(), 1u);

  // The old file lacks the column: never pruned by the hint, its rows still found.
  EXPECT_EQ(FindIds(R"($.email = "a0_005@x")"), std::vector<std::string>{"a0_005"});
  EXPECT_EQ(db_->LastQueryCounters().files_read, 1);  // b0 and b1 are pruned
  // New files are pruned: only the matching new file and the old one are read.
  EXPECT_EQ(FindIds(R"($.email = "b1_010@x")"), std::vector<std::string>{"b1_010"});
  cold::ScanCounters counters = db_->LastQueryCounters();
  EXPECT_EQ(counters.files_read, 2);
  EXPECT_EQ(SqlIds("$.email", "=", std::string("b1_010@x")), std::vector<std::string>{"b1_010"});
  // The old file's rows pass the hint and the exact condition decides.
  EXPECT_EQ(FindIds(R"($.email >= "a0_018@x")", std::string("a0")),
            (std::vector<std::string>{"a0_018", "a0_019"}));
}

TEST_F(TierIndexTest, DroppedIndexStopsBeingFilledAndReAddingStartsANewColumn) {
  AddIndex("$.email");
  PutUsers("a", 1, 10);
  MustFlush(All());
  std::string first = ColumnOf("$.email");
  ASSERT_TRUE(db_->hot().DropIndex("$.email").ok());
  PutUsers("b", 1, 10);
  MustFlush(All());
  ASSERT_EQ(Columns().size(), 1u);  // the column stays
  for (const auto& row : ColdRows()) {
    ASSERT_EQ(row.thing.index_values.size(), 1u);
    bool filled = !std::holds_alternative<std::monostate>(row.thing.index_values[0]);
    EXPECT_EQ(filled, row.thing.id.starts_with("a")) << row.thing.id;
  }
  // Not indexed now: no hint, every row found.
  EXPECT_EQ(FindIds(R"($.email = "b0_003@x")"), std::vector<std::string>{"b0_003"});

  now_ms_ += 10;  // the re-added index has a new creation time
  AddIndex("$.email");
  EXPECT_NE(ColumnOf("$.email"), first);
  PutUsers("c", 1, 10);
  MustFlush(All());
  ASSERT_EQ(Columns().size(), 2u);
  // The b rows sit in a file whose first column is null; the hint uses the new column,
  // which that file lacks, so they are still found.
  EXPECT_EQ(FindIds(R"($.email = "b0_003@x")"), std::vector<std::string>{"b0_003"});
  EXPECT_EQ(FindIds(R"($.email = "a0_003@x")"), std::vector<std::string>{"a0_003"});
  EXPECT_EQ(FindIds(R"($.email = "c0_003@x")"), std::vector<std::string>{"c0_003"});
}

TEST_F(TierIndexTest, NumbersStringsAndMissingValuesMatchTheHotSemantics) {
  AddIndex("$.n");
  for (int row = 0; row < 30; ++row)
    Put(fmt::format("n{:02d}", row), fmt::format(R"({{"n":{}}})", row));
  Put("s1", R"({"n":"abc"})");
  Put("s2", R"({"n":"5"})");
  Put("b1", R"({"n":true})");
  Put("m1", R"({"x":1})");
  Put("z1", R"({"n":null})");
  Put("f1", R"({"n":4.5})");
  MustFlush(All());
  ASSERT_EQ(Columns().size(), 1u);
  EXPECT_EQ(Columns()[0].kind, cold::IndexKind::kDouble);

  struct Case {
    std::string condition, op;
    hot::SqlValue value;
    bool hinted;
  };
  const std::vector<Case> cases = {
      {"$.n = 5", "=", int64_t{5}, true},
      {"$.n = 1", "=", int64_t{1}, true},
      {"$.n < 3", "<", int64_t{3}, true},
      {"$.n <= 4.5", "<=", 4.5, true},
      {"$.n >= 28", ">=", int64_t{28}, false},
      {"$.n > 28", ">", int64_t{28}, false},
      {R"($.n = "5")", "=", std::string("5"), false},
      {R"($.n = "abc")", "=", std::string("abc"), false},
      {"$.n != 3", "!=", int64_t{3}, false},
  };
  for (const Case& c : cases) {
    hot::FindQuery query;
    query.where.push_back(*hot::ParseCondition(c.condition));
    auto hints = db_->FindHintColumns(query);
    ASSERT_TRUE(hints.ok());
    EXPECT_EQ(!(*hints)[0].empty(), c.hinted) << c.condition;
    EXPECT_EQ(FindIds(c.condition), SqlIds("$.n", c.op, c.value)) << c.condition;
  }
  // Text sorts after numbers in SQLite: "abc" and "5" match $.n > 28, so no hint may drop them.
  std::vector<std::string> above = FindIds("$.n > 28");
  EXPECT_NE(std::find(above.begin(), above.end(), "s1"), above.end());
  EXPECT_EQ(FindIds("$.n = 1"), (std::vector<std::string>{"b1", "n01"}));
}

TEST_F(TierIndexTest, ColdThingsDeclaresHiddenIndexColumnsAsHints) {
  AddIndex("$.email");
  PutUsers("u", 2, 10);
  MustFlush(All());
  std::string column = "idx_" + ColumnOf("$.email");
  // Hidden: not in SELECT *; the hint prunes, the exact condition decides.
  auto star = db_->Query("SELECT * FROM cold_things LIMIT 1", {});
  ASSERT_TRUE(star.ok()) << star.status().ToString();
  EXPECT_EQ(star->columns.size(), 6u);
  cold::ScanCounters counters;
  auto rows = db_->Query(fmt::format("SELECT id FROM cold_things WHERE {} = ?1 AND "
                                     "json_extract(data, '$.email') = ?1",
                                     column),
                         {std::string("u1_004@x")}, std::nullopt, &counters);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(std::get<std::string>(rows->rows[0][0]), "u1_004");
  EXPECT_EQ(counters.files_read, 1);
  auto plan =
      db_->ExplainQueryPlan(fmt::format("SELECT id FROM cold_things WHERE {} = 'x'", column));
  ASSERT_TRUE(plan.ok());
  bool pushed = false;
  for (const auto& line : *plan) pushed = pushed || line.find(column + "=") != std::string::npos;
  EXPECT_TRUE(pushed);
}

}  // namespace
}  // namespace thingsdb::engine
