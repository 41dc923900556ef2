#include "cold/cold_reader.h"

#include <gtest/gtest.h>

#include <set>

#include "cold/flush_writer.h"
#include "cold/testing/cold_rows.h"
#include "cold/warehouse.h"
#include "objectstore/memory_store.h"

namespace thingsdb::cold {
namespace {

using parquet::CompareOp;
using parquet::Value;
using testing::MakeThings;
using testing::ThingId;

constexpr int kRows = 2000;

class ColdReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    layout_ = testing::ThingsLayoutWithIndexes();
    auto table = Warehouse(store_, WarehouseOptions{"", 1000}).OpenOrCreate("ns", layout_);
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    table_ = std::move(*table);
    rows_ = MakeThings(0, kRows);
    first_snapshot_ = Flush("f1", rows_, {}, 1'000'000);
  }

  // Writes and commits one flush; returns the snapshot id.
  int64_t Flush(const std::string& flush_id, const std::vector<ColdThing>& rows,
                const std::vector<PositionDelete>& deletes, int64_t timestamp_ms) {
    FlushOptions options;
    options.flush_id = flush_id;
    options.writer.row_group_row_limit = 100;  // several row groups per file
    options.writer.page_row_limit = 20;
    auto writer = FlushWriter::Make(store_, table_->paths(), layout_, options);
    EXPECT_TRUE(writer.ok());
    auto data = writer->WriteThings(rows);
    EXPECT_TRUE(data.ok()) << data.status().ToString();
    auto dels = writer->WritePositionDeletes(deletes);
    EXPECT_TRUE(dels.ok()) << dels.status().ToString();
    auto snapshot = CommitFlush(*table_, flush_id, *data, *dels, {}, timestamp_ms);
    EXPECT_TRUE(snapshot.ok()) << snapshot.status().ToString();
    return snapshot.ok() ? snapshot->snapshot_id : -1;
  }

  std::set<std::string> Ids(const ScanRequest& request, ScanCounters* counters = nullptr) {
    ColdReader reader(*table_, layout_);
    ScanRequest with_id = request;
    with_id.columns = {"id"};
    auto read = reader.ReadThings(with_id);
    EXPECT_TRUE(read.ok()) << read.status().ToString();
    std::set<std::string> out;
    if (read.ok()) {
      for (const auto& located : *read) out.insert(located.thing.id);
    }
    if (counters) *counters = reader.counters();
    return out;
  }

  template <typename Pred>
  std::set<std::string> Expected(Pred pred) {
    std::set<std::string> out;
    for (const auto& row : rows_) {
      if (pred(row)) out.insert(row.id);
    }
    return out;
  }

  MemoryStore store_;
  TableLayout layout_;
  std::unique_ptr<iceberg::Table> table_;
  std::vector<ColdThing> rows_;
  int64_t first_snapshot_ = 0;
};

TEST_F(ColdReaderTest, PointLookupReadsOneRowGroup) {
  ColdReader reader(*table_, layout_);
  auto found = reader.LookupThing(ThingId(1234));
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->thing, rows_[1234]);
  const ScanCounters& c = reader.counters();
  EXPECT_EQ(c.files_planned, 3);  // ids of all types interleave: bounds cannot prune
  EXPECT_EQ(c.files_read, 1);
  EXPECT_EQ(c.files_skipped, 2);
  EXPECT_EQ(c.row_groups_read, 1);
  EXPECT_GE(c.row_groups_skipped, 18);
  EXPECT_EQ(c.rows_returned, 1);
  EXPECT_GT(c.pages_skipped, 0);  // the page index narrowed the row group to a page

  reader.counters().Reset();
  ScanRequest typed;
  auto again = reader.LookupThing(ThingId(99999));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  EXPECT_EQ(reader.counters().files_pruned_by_plan, 3);  // above every file's max id
  EXPECT_EQ(reader.counters().object_requests, 0);
}

TEST_F(ColdReaderTest, TypePredicatePrunesPartitions) {
  ScanCounters counters;
  auto got = Ids({.filter = {{"type", CompareOp::kEq, {Value::String("post")}},
                             {"id", CompareOp::kEq, {Value::String(ThingId(1))}}}},
                 &counters);
  EXPECT_EQ(got, std::set<std::string>{ThingId(1)});
  EXPECT_EQ(counters.files_planned, 1);
  EXPECT_EQ(counters.row_groups_read, 1);
}

TEST_F(ColdReaderTest, PredicatesMatchABruteForceFilter) {
  int64_t from = testing::kBaseMs + testing::kDayMs + 500 * 1000;
  int64_t to = testing::kBaseMs + testing::kDayMs + 900 * 1000;
  ScanCounters counters;
  EXPECT_EQ(
      Ids({.filter = {{"created_at", CompareOp::kGe, {Value::Int(from)}},
                      {"created_at", CompareOp::kLt, {Value::Int(to)}}}},
          &counters),
      Expected([&](const ColdThing& t) { return t.created_at >= from && t.created_at < to; }));
  EXPECT_EQ(counters.files_planned, 1);  // only day 2 overlaps
  EXPECT_GT(counters.row_groups_skipped, 0);
  EXPECT_EQ(
      Ids({.filter =
               {{"updated_at", CompareOp::kLe, {Value::Int(testing::kBaseMs + 3000 * 1000)}}}}),
      Expected([&](const ColdThing& t) { return t.updated_at <= testing::kBaseMs + 3000 * 1000; }));
  EXPECT_EQ(Ids({.filter = {{"idx_email", CompareOp::kEq, {Value::String("u76@x.io")}}}}),
            std::set<std::string>{ThingId(76)});
  EXPECT_EQ(Ids({.filter = {{"idx_age", CompareOp::kGt, {Value::Double(67.5)}}}}),
            Expected([&](const ColdThing& t) {
              return t.index_values.size() == 2 &&
                     std::holds_alternative<double>(t.index_values[1]) &&
                     std::get<double>(t.index_values[1]) > 67.5;
            }));
  EXPECT_EQ(Ids({.filter = {{"idx_email", CompareOp::kIsNull, {}}}}),
            Expected([&](const ColdThing& t) {
              return std::holds_alternative<std::monostate>(t.index_values[0]);
            }));
  EXPECT_EQ(Ids({.filter = {{"id",
                             CompareOp::kIn,
                             {Value::String(ThingId(3)), Value::String(ThingId(1500)),
                              Value::String("nope")}}}}),
            (std::set<std::string>{ThingId(3), ThingId(1500)}));
}

TEST_F(ColdReaderTest, ProjectionDecodesOnlyRequestedColumns) {
  ColdReader reader(*table_, layout_);
  ScanRequest request;
  request.columns = {"id", "created_at"};
  int64_t rows = 0;
  ASSERT_TRUE(reader
                  .Scan(request,
                        [&](const ColdBatch& batch) {
                          EXPECT_EQ(batch.columns.size(), 2u);
                          rows += batch.rows.size();
                          return Status::OK();
                        })
                  .ok());
  EXPECT_EQ(rows, kRows);
  int64_t narrow_bytes = reader.counters().bytes_read;
  reader.counters().Reset();
  ASSERT_TRUE(reader.ReadThings({}).ok());
  EXPECT_LT(narrow_bytes * 3, reader.counters().bytes_read);  // data and embeddings never read
}

TEST_F(ColdReaderTest, BadRequestsAreInvalidArgument) {
  ColdReader reader(*table_, layout_);
  EXPECT_TRUE(reader.ReadThings({.filter = {{"nope", CompareOp::kEq, {Value::String("x")}}}})
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(reader.ReadThings({.filter = {{"created_at", CompareOp::kEq, {Value::String("x")}}}})
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(reader.ReadThings({.columns = {"nope"}}).status().IsInvalidArgument());
  EXPECT_FALSE(reader.ReadThings({.snapshot_id = 42}).ok());
}

TEST_F(ColdReaderTest, UpdateAndDeleteViaPositionDeletesWithTimeTravel) {
  ColdReader reader(*table_, layout_);
  auto old5 = reader.LookupThing(ThingId(5));
  auto old6 = reader.LookupThing(ThingId(6));
  ASSERT_TRUE(old5.ok() && old5->has_value());
  ASSERT_TRUE(old6.ok() && old6->has_value());
  ColdThing updated = rows_[5];
  updated.data = R"({"n":5,"name":"updated ✓"})";
  updated.updated_at += 10'000;
  std::vector<PositionDelete> deletes = {{(*old5)->location, rows_[5].type, rows_[5].created_at},
                                         {(*old6)->location, rows_[6].type, rows_[6].created_at}};
  int64_t second = Flush("f2", {updated}, deletes, 2'000'000);

  // Current: the new version of 5, no 6, everything else unchanged.
  reader.counters().Reset();
  auto current = reader.ReadThings({});
  ASSERT_TRUE(current.ok()) << current.status().ToString();
  EXPECT_EQ(current->size(), static_cast<size_t>(kRows - 1));
  EXPECT_EQ(reader.counters().rows_deleted, 2);
  EXPECT_GE(reader.counters().delete_files_read, 1);
  auto now5 = reader.LookupThing(ThingId(5));
  ASSERT_TRUE(now5.ok() && now5->has_value()) << now5.status().ToString();
  EXPECT_EQ((*now5)->thing, updated);
  EXPECT_NE((*now5)->location, (*old5)->location);
  EXPECT_FALSE(reader.LookupThing(ThingId(6))->has_value());

  // Time travel: by snapshot id and by time, the old versions.
  for (ScanRequest at : {ScanRequest{.snapshot_id = first_snapshot_},
                         ScanRequest{.as_of_timestamp_ms = 1'500'000}}) {
    auto then5 = reader.LookupThing(ThingId(5), at);
    ASSERT_TRUE(then5.ok()) << then5.status().ToString();
    ASSERT_TRUE(then5->has_value());
    EXPECT_EQ((*then5)->thing, rows_[5]);
    EXPECT_TRUE(reader.LookupThing(ThingId(6), at)->has_value());
    auto all = reader.ReadThings(at);
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), static_cast<size_t>(kRows));
  }
  EXPECT_EQ(*reader.LookupThing(ThingId(5), {.snapshot_id = second}), *now5);
}

TEST_F(ColdReaderTest, TruncatedDataFileIsCorruptionNamingIt) {
  auto listed = store_.List("ns/things/data/type=post/");
  ASSERT_TRUE(listed.ok());
  ASSERT_FALSE(listed->empty());
  const std::string key = (*listed)[0].key;
  std::string bytes = *store_.Get(key);
  ASSERT_TRUE(store_.Put(key, bytes.substr(0, bytes.size() / 2)).ok());
  ColdReader reader(*table_, layout_);
  auto read = reader.ReadThings({});
  ASSERT_FALSE(read.ok());
  EXPECT_TRUE(read.status().IsCorruption()) << read.status().ToString();
  EXPECT_NE(read.status().message().find(key), std::string::npos) << read.status().ToString();
}

TEST_F(ColdReaderTest, RelationshipDeletesAndEmptyTables) {
  Warehouse warehouse(store_);
  auto rels = warehouse.OpenOrCreate("ns", TableLayout::Relationships());
  ASSERT_TRUE(rels.ok());
  ColdReader reader(**rels, TableLayout::Relationships());
  auto empty = reader.ReadRelationships({});
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());

  std::vector<ColdRelationship> rows;
  for (int n = 0; n < 20; ++n) rows.push_back(testing::MakeRelationship(n));
  auto writer = FlushWriter::Make(store_, (*rels)->paths(), TableLayout::Relationships(),
                                  FlushOptions{.flush_id = "r1"});
  ASSERT_TRUE(writer.ok());
  auto data = writer->WriteRelationships(rows);
  ASSERT_TRUE(data.ok());
  ASSERT_TRUE(CommitFlush(**rels, "r1", *data, {}).ok());
  auto from7 = reader.ReadRelationships(
      {.filter = {{"from_id", CompareOp::kEq, {Value::String(ThingId(7))}}}});
  ASSERT_TRUE(from7.ok());
  ASSERT_EQ(from7->size(), 1u);
  EXPECT_EQ((*from7)[0].relationship, rows[7]);

  auto writer2 = FlushWriter::Make(store_, (*rels)->paths(), TableLayout::Relationships(),
                                   FlushOptions{.flush_id = "r2"});
  ASSERT_TRUE(writer2.ok());
  auto dels = writer2->WritePositionDeletes(
      {{(*from7)[0].location, rows[7].type, rows[7].created_at}});
  ASSERT_TRUE(dels.ok());
  ASSERT_TRUE(CommitFlush(**rels, "r2", {}, *dels).ok());
  auto after = reader.ReadRelationships({});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->size(), 19u);
  for (const auto& located : *after) EXPECT_NE(located.relationship.id, rows[7].id);
}

}  // namespace
}  // namespace thingsdb::cold
