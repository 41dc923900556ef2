#include "parquet/statistics.h"

#include <gtest/gtest.h>

#include <cstring>

#include "parquet/file_reader.h"
#include "parquet/file_writer.h"
#include "parquet/predicate.h"
#include "parquet/testing/random_table.h"

namespace thingsdb::parquet {
namespace {

TEST(StatisticsTest, TruncatesLongStringsAsTheSpecSays) {
  std::string long_value(100, 'a');
  EXPECT_EQ(TruncateMin(long_value, 64), std::string(64, 'a'));
  EXPECT_EQ(*TruncateMax(long_value, 64), std::string(63, 'a') + "b");
  EXPECT_EQ(*TruncateMax("abc", 64), "abc");
  EXPECT_EQ(*TruncateMax(std::string(3, 'a') + std::string(70, '\xFF'), 64), "aab");
  EXPECT_FALSE(TruncateMax(std::string(70, '\xFF'), 64).has_value());
  // Never cut inside a UTF-8 character: "é" is two bytes.
  std::string accents;
  for (int i = 0; i < 40; ++i) accents += "\xC3\xA9";
  EXPECT_EQ(TruncateMin(accents, 5).size(), 4u);
}

TEST(StatisticsTest, FloatsSkipNaNAndSignZero) {
  StatsAccumulator acc(Type::kDouble);
  acc.AddDouble(std::nan(""));
  acc.AddDouble(0.0);
  acc.AddNulls(2);
  Statistics s = acc.ToStatistics(64);
  double min, max;
  std::memcpy(&min, s.min_value->data(), 8);
  std::memcpy(&max, s.max_value->data(), 8);
  EXPECT_TRUE(std::signbit(min));
  EXPECT_FALSE(std::signbit(max));
  EXPECT_EQ(*s.null_count, 2);
}

TEST(StatisticsTest, FileStatisticsAreExact) {
  testing::Table t = testing::RandomTable(17, 4000, 6);
  WriterOptions options;
  options.row_group_row_limit = 1500;
  auto bytes = WriteToString(t.schema, options, t.columns);
  ASSERT_TRUE(bytes.ok());
  MemorySource source(*bytes);
  auto reader = FileReader::Open(&source);
  ASSERT_TRUE(reader.ok());
  size_t first_row = 0;
  for (const RowGroup& group : (*reader)->metadata().row_groups) {
    for (size_t c = 0; c < t.columns.size(); ++c) {
      const ColumnSpec& spec = t.schema.columns[c];
      const ColumnBatch& col = t.columns[c];
      StatsAccumulator want(spec.type);
      for (size_t row = first_row; row < first_row + group.num_rows; ++row) {
        if (col.IsNull(row))
          want.AddNulls(1);
        else if (col.IsIntegral())
          want.AddInt(col.ints[row]);
        else if (col.IsFloating())
          want.AddDouble(spec.type == Type::kFloat ? static_cast<float>(col.doubles[row])
                                                   : col.doubles[row]);
        else
          want.AddBytes(col.strings[row]);
      }
      Statistics expected = want.ToStatistics(64);
      const Statistics& got = *group.columns[c].meta_data.statistics;
      EXPECT_EQ(got.null_count, expected.null_count) << spec.name;
      EXPECT_EQ(got.min_value, expected.min_value) << spec.name;
      EXPECT_EQ(got.max_value, expected.max_value) << spec.name;
    }
    first_row += group.num_rows;
  }
}

}  // namespace
}  // namespace thingsdb::parquet
