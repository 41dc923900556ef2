#include "parquet/predicate.h"

#include <gtest/gtest.h>

namespace thingsdb::parquet {
namespace {

TEST(PredicateTest, Parses) {
  auto p = ParsePredicate("age >= 42");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->column, "age");
  EXPECT_EQ(p->op, CompareOp::kGe);
  EXPECT_EQ(p->values[0].kind, Value::Kind::kInt);
  EXPECT_EQ(p->values[0].i, 42);
  p = ParsePredicate("id='a b'");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->op, CompareOp::kEq);
  EXPECT_EQ(p->values[0].s, "a b");
  p = ParsePredicate("id IN ('x', 'y,z', 3)");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->values.size(), 3u);
  EXPECT_EQ(p->values[1].s, "y,z");
  p = ParsePredicate("email is null");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->op, CompareOp::kIsNull);
  EXPECT_EQ(ParsePredicate("x < 1.5")->values[0].kind, Value::Kind::kDouble);
  EXPECT_FALSE(ParsePredicate("nothing here").ok());
  EXPECT_FALSE(ParsePredicate("= 3").ok());
}

TEST(PredicateTest, StatisticsPruning) {
  ColumnSpec c{"n", Type::kInt64};
  StatsView s{Value::Int(10), Value::Int(20), 0, 100, false};
  auto may = [&](const char* text) { return StatsMayMatch(*ParsePredicate(text), c, s); };
  EXPECT_TRUE(may("n = 10"));
  EXPECT_FALSE(may("n = 21"));
  EXPECT_FALSE(may("n < 10"));
  EXPECT_TRUE(may("n <= 10"));
  EXPECT_FALSE(may("n > 20"));
  EXPECT_TRUE(may("n >= 20"));
  EXPECT_TRUE(may("n IN (1, 15)"));
  EXPECT_FALSE(may("n IN (1, 25)"));
  EXPECT_FALSE(may("n IS NULL"));
  EXPECT_TRUE(may("n = 15.5"));
  ColumnSpec str{"id", Type::kByteArray, LogicalKind::kString};
  StatsView ss{Value::String("b"), Value::String("d"), 3, 100, false};
  EXPECT_FALSE(StatsMayMatch(*ParsePredicate("id = 'a'"), str, ss));
  EXPECT_TRUE(StatsMayMatch(*ParsePredicate("id = 'c'"), str, ss));
  EXPECT_TRUE(StatsMayMatch(*ParsePredicate("id IS NULL"), str, ss));
  StatsView all_null{std::nullopt, std::nullopt, 100, 100, true};
  EXPECT_FALSE(StatsMayMatch(*ParsePredicate("id = 'c'"), str, all_null));
}

TEST(PredicateTest, BloomAndRows) {
  ColumnSpec c{"id", Type::kByteArray, LogicalKind::kString};
  BloomFilter bloom(1024);
  bloom.InsertHash(BloomFilter::Hash("present"));
  EXPECT_TRUE(BloomMayMatch(*ParsePredicate("id = 'present'"), c, bloom));
  EXPECT_FALSE(BloomMayMatch(*ParsePredicate("id = 'absent'"), c, bloom));
  EXPECT_TRUE(BloomMayMatch(*ParsePredicate("id > 'absent'"), c, bloom));
  ColumnBatch b;
  b.type = Type::kByteArray;
  b.strings = {"x", ""};
  b.validity = {1, 0};
  EXPECT_TRUE(RowMatches(*ParsePredicate("id = 'x'"), c, b, 0));
  EXPECT_FALSE(RowMatches(*ParsePredicate("id = 'x'"), c, b, 1));
  EXPECT_TRUE(RowMatches(*ParsePredicate("id IS NULL"), c, b, 1));
}

}  // namespace
}  // namespace thingsdb::parquet
