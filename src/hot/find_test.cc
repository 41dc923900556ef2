// find: JSON-path conditions, ordering, cursor pages, and JSON indexes.
#include <gtest/gtest.h>

#include <set>

#include "hot/hot_store.h"
#include "hot/testing/temp_dir.h"

namespace thingsdb::hot {
namespace {

class FindTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = HotStore::Open(dir_.File("f.db"));
    ASSERT_TRUE(opened.ok());
    store_ = std::move(*opened);
    std::vector<BatchItem> items;
    for (int idx = 0; idx < 50; ++idx) {
      std::string data = "{\"name\":\"User " + std::to_string(idx) + "\",\"email\":\"user" +
                         std::to_string(idx) + "@example.com\",\"age\":" +
                         std::to_string(20 + idx % 10) + ",\"active\":" +
                         (idx % 2 ? "true" : "false") + ",\"tags\":[\"t" +
                         std::to_string(idx % 3) + "\"],\"address\":{\"city\":\"City " +
                         std::to_string(idx % 5) + "\"}" + (idx % 7 == 0 ? ",\"score\":null" : "") +
                         "}";
      items.push_back({NewThing{std::nullopt, idx < 40 ? "user" : "admin", data, std::nullopt}});
    }
    ASSERT_TRUE(store_->WriteBatch(items).ok());
  }
  std::vector<Thing> FindAll(FindQuery query) {
    std::vector<Thing> all;
    while (true) {
      auto page = store_->Find(query);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      all.insert(all.end(), page->things.begin(), page->things.end());
      if (page->next_cursor.empty()) break;
      query.cursor = page->next_cursor;
    }
    return all;
  }
  Condition Cond(const std::string& text) {
    auto cond = ParseCondition(text);
    EXPECT_TRUE(cond.ok()) << cond.status().ToString();
    return *cond;
  }

  testing::TempDir dir_;
  std::unique_ptr<HotStore> store_;
};

TEST_F(FindTest, ByTypeAndByNestedField) {
  FindQuery query;
  query.type = "admin";
  query.limit = 1000;
  EXPECT_EQ(FindAll(query).size(), 10u);
  query.type.reset();
  query.where = {Cond("$.address.city = \"City 3\"")};
  auto found = FindAll(query);
  EXPECT_EQ(found.size(), 10u);
  for (auto& t : found) EXPECT_NE(t.data.find("\"City 3\""), std::string::npos);
}

TEST_F(FindTest, CombinesConditionsAndArrayElements) {
  FindQuery query;
  query.limit = 1000;
  query.type = "user";
  query.where = {Cond("$.age >= 25"), Cond("$.active = true"), Cond("$.tags[0] != \"t1\"")};
  auto found = FindAll(query);
  auto sql = store_->Query(
      "SELECT count(*) FROM things WHERE type = 'user' AND json_extract(data,'$.age') >= 25 AND "
      "json_extract(data,'$.active') = 1 AND json_extract(data,'$.tags[0]') != 't1'",
      {});
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ(static_cast<int64_t>(found.size()), std::get<int64_t>(sql->rows[0][0]));
  EXPECT_GT(found.size(), 0u);
  query.where = {Cond("$.score = null")};
  query.type.reset();
  EXPECT_EQ(FindAll(query).size(), 50u);  // missing and JSON null both extract as NULL
  query.where = {Cond("$.age != null")};
  EXPECT_EQ(FindAll(query).size(), 50u);
  query.where = {Cond("$.tags[0] = null")};
  EXPECT_EQ(FindAll(query).size(), 0u);
  query.where = {Cond("$.age < 21")};
  EXPECT_EQ(FindAll(query).size(), 5u);
}

TEST_F(FindTest, OrdersByJsonPathAndPagesWithAStableCursor) {
  for (bool desc : {false, true}) {
    FindQuery query;
    query.order_path = "$.age";
    query.descending = desc;
    query.limit = 7;
    auto all = FindAll(query);
    ASSERT_EQ(all.size(), 50u);
    std::set<std::string> ids;
    for (auto& t : all) ids.insert(t.id);
    EXPECT_EQ(ids.size(), 50u) << "no duplicates or gaps across pages";
    auto q = store_->Query(std::string("SELECT id FROM things ORDER BY json_extract(data,'$.age') ") +
                               (desc ? "DESC" : "ASC") + ", id",
                           {});
    ASSERT_TRUE(q.ok());
    for (size_t idx = 0; idx < all.size(); ++idx) {
      EXPECT_EQ(all[idx].id, std::get<std::string>(q->rows[idx][0])) << idx;
    }
  }
  // Ordering by a path some rows lack (NULLs) still pages through everything once.
  FindQuery query;
  query.order_path = "$.score";
  query.limit = 4;
  EXPECT_EQ(FindAll(query).size(), 50u);
  query.descending = true;
  EXPECT_EQ(FindAll(query).size(), 50u);
}

// The engine runs BuildFindSql over its views and pages with FindPageFromRows: the same
// SQL through Query gives the same pages and cursors as Find.
TEST_F(FindTest, FindSqlThroughQueryGivesTheSamePages) {
  FindQuery query;
  query.type = "user";
  query.where.push_back(Cond("$.age >= 22"));
  query.order_path = "$.score";
  query.descending = true;
  query.limit = 6;
  int pages = 0;
  while (true) {
    auto want = store_->Find(query);
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    auto sql = BuildFindSql(query, HotLimits{});
    ASSERT_TRUE(sql.ok()) << sql.status().ToString();
    auto rows = store_->Query(sql->sql, sql->params);
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    auto got = FindPageFromRows(query, *rows);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_EQ(got->things.size(), want->things.size());
    for (size_t i = 0; i < got->things.size(); ++i) {
      EXPECT_EQ(ThingJson(got->things[i]), ThingJson(want->things[i]));
    }
    EXPECT_EQ(got->next_cursor, want->next_cursor);
    ++pages;
    if (want->next_cursor.empty()) break;
    query.cursor = want->next_cursor;
  }
  EXPECT_GT(pages, 2);
  QueryResult bad;
  bad.rows.push_back({int64_t{1}});
  EXPECT_EQ(FindPageFromRows(query, bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(FindTest, RejectsBadPathsOperatorsAndCursors) {
  EXPECT_TRUE(ParseCondition("email = 1").status().IsInvalidArgument());
  EXPECT_TRUE(ParseCondition("$.a ~ 1").status().IsInvalidArgument());
  EXPECT_TRUE(ParseCondition("$.a = {\"x\":1}").status().IsInvalidArgument());
  EXPECT_TRUE(ParseCondition("$.a < null").status().IsInvalidArgument());
  EXPECT_TRUE(ParseCondition("$.a' OR 1=1 -- = 1").status().IsInvalidArgument());
  EXPECT_TRUE(ValidateJsonPath("$.a.b[0].c_d").ok());
  EXPECT_FALSE(ValidateJsonPath("$.").ok());
  EXPECT_FALSE(ValidateJsonPath("$[x]").ok());
  FindQuery query;
  query.cursor = "zz";
  EXPECT_TRUE(store_->Find(query).status().IsInvalidArgument());
  query.cursor = "7b7d";  // "{}"
  EXPECT_TRUE(store_->Find(query).status().IsInvalidArgument());
  query.cursor.clear();
  query.limit = 0;
  EXPECT_TRUE(store_->Find(query).status().IsInvalidArgument());
}

TEST_F(FindTest, JsonIndexIsUsedByFindAndUserSqlAndGivesSameRows) {
  FindQuery query;
  query.where = {Cond("$.email = \"user7@example.com\"")};
  auto before = FindAll(query);
  ASSERT_EQ(before.size(), 1u);
  std::string user_sql = "SELECT id FROM things WHERE json_extract(data, '$.email') = ?1";
  auto plan_before = store_->ExplainQueryPlan(user_sql);
  ASSERT_TRUE(plan_before.ok());
  EXPECT_NE(plan_before->at(0).find("SCAN"), std::string::npos) << plan_before->at(0);

  auto index = store_->AddIndex("$.email");
  ASSERT_TRUE(index.ok()) << index.status().ToString();
  EXPECT_TRUE(store_->AddIndex("$.email").status().IsConflict());
  auto plan = store_->ExplainQueryPlan(user_sql);
  ASSERT_TRUE(plan.ok());
  EXPECT_NE(plan->at(0).find("USING INDEX " + index->index_name), std::string::npos) << plan->at(0);
  auto plan_compact = store_->ExplainQueryPlan(
      "SELECT id FROM things WHERE json_extract(data,'$.email')='x'");
  EXPECT_NE(plan_compact->at(0).find("USING INDEX"), std::string::npos);
  auto after = FindAll(query);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].id, before[0].id);

  auto listed = store_->ListIndexes();
  ASSERT_EQ(listed->size(), 1u);
  ASSERT_TRUE(store_->DropIndex("$.email").ok());
  EXPECT_TRUE(store_->DropIndex("$.email").IsNotFound());
  EXPECT_NE(store_->ExplainQueryPlan(user_sql)->at(0).find("SCAN"), std::string::npos);
}

}  // namespace
}  // namespace thingsdb::hot
