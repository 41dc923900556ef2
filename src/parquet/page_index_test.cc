#include "parquet/page_index.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "parquet/file_reader.h"
#include "parquet/file_writer.h"
#include "parquet/testing/random_table.h"

namespace thingsdb::parquet {
namespace {

TEST(PageIndexTest, EncodesAndDecodes) {
  OffsetIndex offsets;
  offsets.page_locations = {{4, 100, 0}, {104, 90, 500}};
  auto back = DecodeOffsetIndex(EncodeOffsetIndex(offsets), "x", 0);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->page_locations.size(), 2u);
  EXPECT_EQ(back->page_locations[1].offset, 104);
  EXPECT_EQ(back->page_locations[1].first_row_index, 500);
  ColumnIndex index;
  index.null_pages = {false, true};
  index.min_values = {"a", ""};
  index.max_values = {"b", ""};
  index.null_counts = {0, 7};
  index.boundary_order = BoundaryOrder::kAscending;
  auto ci = DecodeColumnIndex(EncodeColumnIndex(index), "x", 0);
  ASSERT_TRUE(ci.ok());
  EXPECT_EQ(ci->null_pages, index.null_pages);
  EXPECT_EQ(ci->max_values, index.max_values);
  EXPECT_EQ(ci->null_counts, index.null_counts);
  EXPECT_EQ(ci->boundary_order, BoundaryOrder::kAscending);
}

TEST(PageIndexTest, RangesIntersect) {
  RowRanges a = {{0, 10}, {20, 30}};
  RowRanges b = {{5, 25}};
  RowRanges c = IntersectRanges(a, b);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].begin, 5);
  EXPECT_EQ(c[0].end, 10);
  EXPECT_EQ(c[1].begin, 20);
  EXPECT_EQ(c[1].end, 25);
  EXPECT_EQ(CountRows(c), 10);
}

// A sorted id column: a point predicate reads one page of each column.
TEST(PageIndexTest, PointLookupReadsOnePage) {
  Schema schema;
  schema.columns = {{"id", Type::kByteArray, LogicalKind::kString, false, 1},
                    {"n", Type::kInt64, LogicalKind::kNone, true, 2}};
  schema.columns[0].bloom_filter = true;
  std::vector<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.push_back(fmt::format("id{:08d}", i));
  ColumnBatch id, n;
  id.type = Type::kByteArray;
  n.type = Type::kInt64;
  for (int i = 0; i < 10000; ++i) {
    id.strings.push_back(ids[i]);
    n.ints.push_back(i);
    n.validity.push_back(i % 10 != 0);
  }
  WriterOptions options;
  options.page_row_limit = 500;
  options.row_group_row_limit = 5000;
  auto bytes = WriteToString(schema, options, {id, n});
  ASSERT_TRUE(bytes.ok());
  MemorySource source(*bytes);
  auto reader = FileReader::Open(&source);
  ASSERT_TRUE(reader.ok());
  std::vector<Predicate> where = {*ParsePredicate("id = 'id00007123'")};
  auto groups = (*reader)->PruneRowGroups(where);
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(*groups, std::vector<int>{1});
  auto batch = (*reader)->ReadRowGroup(1, {0, 1}, where);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->num_rows, 1);
  EXPECT_EQ((*reader)->counters().pages_read, 2);
  EXPECT_EQ((*reader)->counters().pages_skipped, 18);
  EXPECT_EQ(batch->batches[0].strings[0], "id00007123");
  EXPECT_EQ(batch->batches[1].ints[0], 7123);
  EXPECT_EQ(batch->row_numbers[0], 2123);
  // An absent id inside the range is pruned by the bloom filter.
  auto none = (*reader)->PruneRowGroups({*ParsePredicate("id = 'id00007123x'")});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_GE((*reader)->counters().row_groups_pruned_by_bloom, 1);
  // Null pages and IS NULL.
  auto nulls = (*reader)->ReadRowGroup(0, {1}, {*ParsePredicate("n IS NULL")});
  ASSERT_TRUE(nulls.ok());
  EXPECT_EQ(nulls->num_rows, 500);
  for (int64_t row = 0; row < nulls->num_rows; ++row) EXPECT_EQ(nulls->row_numbers[row] % 10, 0);
}

}  // namespace
}  // namespace thingsdb::parquet
