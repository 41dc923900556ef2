// Read-only SQL: parameters, values, and refusal of writes and oversize input.
#include <gtest/gtest.h>

#include "hot/hot_store.h"
#include "hot/testing/temp_dir.h"

namespace thingsdb::hot {
namespace {

class QueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = HotStore::Open(dir_.File("q.db"));
    ASSERT_TRUE(opened.ok());
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->Put({"a", "user", R"({"n":1,"tags":["x","y"]})", std::nullopt}).ok());
    ASSERT_TRUE(store_->Put({"b", "user", R"({"n":2.5,"tags":["y"]})", std::nullopt}).ok());
  }
  testing::TempDir dir_;
  std::unique_ptr<HotStore> store_;
};

TEST_F(QueryTest, BindsParametersAndReturnsTypedValues) {
  auto result = store_->Query(
      "SELECT id, json_extract(data,'$.n'), NULL, x'00ff' FROM things WHERE type = ?1 ORDER BY id",
      {SqlValue{std::string("user")}});
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->columns.size(), 4u);
  ASSERT_EQ(result->rows.size(), 2u);
  EXPECT_EQ(std::get<int64_t>(result->rows[0][1]), 1);
  EXPECT_EQ(std::get<double>(result->rows[1][1]), 2.5);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(result->rows[0][2]));
  EXPECT_EQ(std::get<Blob>(result->rows[0][3]).bytes, std::string("\0\xff", 2));
  std::string json;
  AppendSqlValueJson(json, result->rows[0][3]);
  EXPECT_EQ(json, "{\"base64\":\"AP8=\"}");
}

TEST_F(QueryTest, QueriesArrayElementsWithJsonEach) {
  auto result = store_->Query(
      "SELECT t.id FROM things t, json_each(t.data, '$.tags') j WHERE j.value = ?1 ORDER BY t.id",
      {SqlValue{std::string("y")}});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->rows.size(), 2u);
}

TEST_F(QueryTest, RefusesWritesAndMultipleStatements) {
  for (const char* sql : {"DELETE FROM things", "INSERT INTO things VALUES('x','t','{}',NULL,1,1)",
                          "UPDATE things SET type='x'", "DROP TABLE things",
                          "CREATE TABLE z(a)", "PRAGMA user_version = 9"}) {
    auto result = store_->Query(sql, {});
    EXPECT_FALSE(result.ok()) << sql;
  }
  EXPECT_FALSE(store_->Query("ATTACH DATABASE '/tmp/x.db' AS x", {}).ok());
  EXPECT_TRUE(store_->Query("SELECT 1; DELETE FROM things", {}).status().IsInvalidArgument());
  auto count = store_->Query("SELECT count(*) FROM things", {});
  EXPECT_EQ(std::get<int64_t>(count->rows[0][0]), 2);
}

TEST_F(QueryTest, EnforcesSqlSizeParameterCountAndTimeBudget) {
  std::string huge = "SELECT '" + std::string(200 * 1024, 'x') + "'";
  EXPECT_TRUE(store_->Query(huge, {}).status().IsLimitExceeded());
  std::vector<SqlValue> params(101, SqlValue{int64_t{1}});
  EXPECT_TRUE(store_->Query("SELECT 1", params).status().IsLimitExceeded());
  EXPECT_TRUE(store_->Query("SELECT ?1", {}).status().IsInvalidArgument());
  HotOptions options;
  options.limits.query_time_budget_ms = 200;
  auto budgeted = HotStore::Open(dir_.File("q.db"), options);
  ASSERT_TRUE(budgeted.ok());
  auto slow = (*budgeted)->Query(
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c", {});
  ASSERT_FALSE(slow.ok());
  EXPECT_TRUE(slow.status().IsLimitExceeded()) << slow.status().ToString();
}

TEST(SqlValueTest, FromJsonTypesScalars) {
  EXPECT_EQ(std::get<std::string>(*SqlValueFromJson("\"a\\\"b\"", "v")), "a\"b");
  EXPECT_EQ(std::get<int64_t>(*SqlValueFromJson("true", "v")), 1);
  EXPECT_EQ(std::get<int64_t>(*SqlValueFromJson("-7", "v")), -7);
  EXPECT_EQ(std::get<double>(*SqlValueFromJson("1.25", "v")), 1.25);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(*SqlValueFromJson("null", "v")));
  EXPECT_FALSE(SqlValueFromJson("[1]", "v").ok());
  EXPECT_FALSE(SqlValueFromJson("abc", "v").ok());
}

}  // namespace
}  // namespace thingsdb::hot
