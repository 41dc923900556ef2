#include "cold/flush_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "cold/cold_reader.h"
#include "cold/testing/cold_rows.h"
#include "cold/warehouse.h"
#include "iceberg/single_value.h"
#include "objectstore/local_store.h"
#include "objectstore/memory_store.h"

namespace thingsdb::cold {
namespace {

using testing::MakeRelationship;
using testing::MakeThings;
using testing::ThingId;
using testing::ThingsLayoutWithIndexes;

FlushOptions Options(std::string flush_id) {
  FlushOptions options;
  options.flush_id = std::move(flush_id);
  return options;
}

std::vector<ColdThing> SortedById(std::vector<ColdThing> rows) {
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return rows;
}

// Flushes `rows` into a fresh things table of `store` and reads every row back.
void ExpectThingsRoundTrip(ObjectStore& store, const std::vector<ColdThing>& rows) {
  Warehouse warehouse(store);
  TableLayout layout = ThingsLayoutWithIndexes();
  auto table = warehouse.OpenOrCreate("ns1", layout);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto writer = FlushWriter::Make(store, (*table)->paths(), layout, Options("f0001"));
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  auto written = writer->WriteThings(rows);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  auto snapshot = CommitFlush(**table, "f0001", *written, {});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();

  auto reloaded = warehouse.Open("ns1", TableKind::kThings);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status().ToString();
  ColdReader reader(**reloaded, layout);
  auto read = reader.ReadThings({});
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  std::vector<ColdThing> got;
  std::set<RowLocation> locations;
  for (auto& located : *read) {
    got.push_back(located.thing);
    locations.insert(located.location);
  }
  EXPECT_EQ(locations.size(), rows.size());
  got = SortedById(got);
  std::vector<ColdThing> want = SortedById(rows);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i], want[i]) << "row " << want[i].id;
    if (want[i].embedding) {  // bit-exact, not just ==
      ASSERT_TRUE(got[i].embedding.has_value());
      EXPECT_EQ(EncodeEmbedding(*got[i].embedding), EncodeEmbedding(*want[i].embedding));
    }
  }
}

TEST(FlushWriterTest, RoundTripOnMemoryStore) {
  MemoryStore store;
  ExpectThingsRoundTrip(store, MakeThings(0, 300));
}

TEST(FlushWriterTest, RoundTripOnLocalStore) {
  auto root =
      std::filesystem::temp_directory_path() / ("cold_flush_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  {
    auto store = LocalStore::Open(root.string(), LocalStoreOptions{false});
    ASSERT_TRUE(store.ok());
    ExpectThingsRoundTrip(**store, MakeThings(0, 120));
    Warehouse warehouse(**store);
    EXPECT_EQ(warehouse.root_location(), "file://" + (*store)->root());
    EXPECT_TRUE(std::filesystem::exists(root / "ns1/things/metadata/version-hint.text"));
  }
  std::filesystem::remove_all(root);
}

TEST(FlushWriterTest, RelationshipsRoundTrip) {
  MemoryStore store;
  Warehouse warehouse(store);
  auto table = warehouse.OpenOrCreate("ns", TableLayout::Relationships());
  ASSERT_TRUE(table.ok());
  std::vector<ColdRelationship> rows;
  for (int n = 0; n < 50; ++n) rows.push_back(MakeRelationship(n));
  auto writer =
      FlushWriter::Make(store, (*table)->paths(), TableLayout::Relationships(), Options("f1"));
  ASSERT_TRUE(writer.ok());
  EXPECT_FALSE(writer->WriteThings(MakeThings(0, 1)).ok());
  auto written = writer->WriteRelationships(rows);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->files.size(), 2u);  // type and day both follow n % 2
  ASSERT_TRUE(CommitFlush(**table, "f1", *written, {}).ok());
  ColdReader reader(**table, TableLayout::Relationships());
  auto read = reader.ReadRelationships({});
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  std::vector<ColdRelationship> got;
  for (auto& located : *read) got.push_back(located.relationship);
  std::sort(got.begin(), got.end(), [](auto& a, auto& b) { return a.id < b.id; });
  EXPECT_EQ(got, rows);
}

// Relationships are stored by (from_id, id), so that a read of outgoing edges prunes by
// from_id statistics; from_id and to_id carry bloom filters.
TEST(FlushWriterTest, RelationshipsAreOrderedByFromIdWithBloomFilters) {
  MemoryStore store;
  Warehouse warehouse(store);
  auto table = warehouse.OpenOrCreate("ns", TableLayout::Relationships());
  ASSERT_TRUE(table.ok());
  std::vector<ColdRelationship> rows;
  for (int n = 0; n < 60; ++n) {
    ColdRelationship rel = MakeRelationship(n);
    rel.from_id = ThingId(1000 - 2 * (n % 30));  // descending while ids ascend
    rows.push_back(rel);
  }
  auto writer =
      FlushWriter::Make(store, (*table)->paths(), TableLayout::Relationships(), Options("f1"));
  ASSERT_TRUE(writer.ok());
  auto written = writer->WriteRelationships(rows);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  ASSERT_TRUE(CommitFlush(**table, "f1", *written, {}).ok());
  ColdReader reader(**table, TableLayout::Relationships());
  auto read = reader.ReadRelationships({});
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), rows.size());
  std::map<std::string, std::map<int64_t, std::pair<std::string, std::string>>> by_file;
  for (const auto& r : *read) {
    by_file[r.location.file_path][r.location.position] = {r.relationship.from_id,
                                                          r.relationship.id};
  }
  for (const auto& [path, positions] : by_file) {
    std::pair<std::string, std::string> last;
    for (const auto& [position, key] : positions) {
      EXPECT_LE(last, key) << path << " position " << position;
      last = key;
    }
  }
  // A from_id inside every file's min/max range but absent: the bloom filter skips it.
  reader.counters().Reset();
  ScanRequest request;
  request.filter.push_back({kFromIdColumn, parquet::CompareOp::kEq,
                            {parquet::Value::String(ThingId(1000 - 2 * 7 + 1))}});
  auto none = reader.ReadRelationships(request);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(reader.counters().row_groups_read, 0);
  EXPECT_GT(reader.counters().row_groups_skipped, 0);
}

TEST(FlushWriterTest, OneFilePerPartitionWithMetrics) {
  MemoryStore store;
  Warehouse warehouse(store);
  TableLayout layout = ThingsLayoutWithIndexes();
  auto table = warehouse.OpenOrCreate("ns", layout);
  ASSERT_TRUE(table.ok());
  auto writer = FlushWriter::Make(store, (*table)->paths(), layout, Options("flush-7"));
  ASSERT_TRUE(writer.ok());
  auto written = writer->WriteThings(MakeThings(0, 90));
  ASSERT_TRUE(written.ok());
  // 3 types; type n%3 lands on day n%3, so one day per type.
  ASSERT_EQ(written->files.size(), 3u);
  ASSERT_EQ(written->infos.size(), 3u);
  std::set<std::string> keys;
  int64_t embedding_nulls = 0;
  for (size_t i = 0; i < written->files.size(); ++i) {
    const iceberg::DataFile& file = written->files[i];
    const ColdFileInfo& info = written->infos[i];
    keys.insert(info.key);
    EXPECT_EQ(file.record_count, 30);
    EXPECT_EQ(info.row_count, 30);
    ASSERT_EQ(file.partition.size(), 2u);
    EXPECT_EQ(file.partition[0]->bytes, info.type);
    EXPECT_EQ(file.partition[1]->integer, info.day);
    EXPECT_EQ(file.file_path,
              "mem://ns/things/" + info.key.substr(std::string("ns/things/").size()));
    auto head = store.Head(info.key);
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(static_cast<int64_t>(head->size), file.file_size_in_bytes);
    EXPECT_EQ(file.value_counts.at(kIdFieldId), 30);
    embedding_nulls += file.null_value_counts.at(kThingEmbeddingFieldId);
    EXPECT_GT(file.column_sizes.at(kThingDataFieldId), 0);
    auto lower =
        iceberg::DeserializeSingleValue(file.lower_bounds.at(kIdFieldId),
                                        *iceberg::Type::Primitive(iceberg::TypeId::kString), "id");
    ASSERT_TRUE(lower.ok());
    EXPECT_EQ(lower->bytes, info.min_id);
    EXPECT_EQ(file.upper_bounds.at(kIdFieldId), info.max_id);
    EXPECT_FALSE(file.lower_bounds.contains(kThingDataFieldId));
    auto created = iceberg::DeserializeSingleValue(
        file.lower_bounds.at(kThingCreatedAtFieldId),
        *iceberg::Type::Primitive(iceberg::TypeId::kTimestampTz), "created_at");
    ASSERT_TRUE(created.ok());
    EXPECT_EQ(created->integer, info.min_created_at * 1000);
    EXPECT_TRUE(IdBloomMayContain(info.id_bloom, info.min_id));
    EXPECT_TRUE(IdBloomMayContain(info.id_bloom, info.max_id));
    ASSERT_EQ(info.index_bounds.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<double>(info.index_bounds[1].first));
    EXPECT_EQ(DayOfMillis(info.min_created_at), info.day);
  }
  EXPECT_EQ(embedding_nulls, 23);  // n % 4 == 0 for n < 90
  EXPECT_TRUE(
      keys.contains("ns/things/data/type=user/created_at_day=2025-01-01/flush-7-0.parquet"));
  EXPECT_TRUE(
      keys.contains("ns/things/data/type=post/created_at_day=2025-01-02/flush-7-0.parquet"));
  EXPECT_TRUE(keys.contains(
      "ns/things/data/type=caf%C3%A9%20%E2%98%95/created_at_day=2025-01-03/flush-7-0.parquet"));
  // A bloom filter is not a set: most absent ids are rejected.
  int false_positives = 0;
  for (int n = 1000; n < 1200; ++n) {
    false_positives += IdBloomMayContain(written->infos[0].id_bloom, testing::ThingId(n));
  }
  EXPECT_LT(false_positives, 20);
}

TEST(FlushWriterTest, SplitsLargePartitionsIntoFiles) {
  MemoryStore store;
  Warehouse warehouse(store);
  TableLayout layout = TableLayout::Things();
  auto table = warehouse.OpenOrCreate("ns", layout);
  ASSERT_TRUE(table.ok());
  FlushOptions options = Options("f2");
  options.max_rows_per_file = 10;
  auto writer = FlushWriter::Make(store, (*table)->paths(), layout, options);
  ASSERT_TRUE(writer.ok());
  std::vector<ColdThing> rows;
  for (int n = 0; n < 25; ++n) {
    ColdThing thing = testing::MakeThing(n * 3);  // all "user", day 0
    thing.index_values.clear();
    rows.push_back(thing);
  }
  auto written = writer->WriteThings(rows);
  ASSERT_TRUE(written.ok());
  ASSERT_EQ(written->files.size(), 3u);
  EXPECT_EQ(written->files[2].record_count, 5);
  EXPECT_LT(written->infos[0].max_id, written->infos[1].min_id);  // sorted by id across files
}

TEST(FlushWriterTest, SameFlushIdWritesSameBytesAndNames) {
  std::map<std::string, std::string> first;
  for (int round = 0; round < 2; ++round) {
    MemoryStore store;
    Warehouse warehouse(store, WarehouseOptions{"", 1000});
    TableLayout layout = ThingsLayoutWithIndexes();
    auto table = warehouse.OpenOrCreate("ns", layout);
    ASSERT_TRUE(table.ok());
    auto writer = FlushWriter::Make(store, (*table)->paths(), layout, Options("det"));
    ASSERT_TRUE(writer.ok());
    std::vector<ColdThing> rows = MakeThings(0, 60);
    if (round == 1) std::reverse(rows.begin(), rows.end());  // input order does not matter
    auto written = writer->WriteThings(rows);
    ASSERT_TRUE(written.ok());
    auto listed = store.List("ns/things/data/");
    ASSERT_TRUE(listed.ok());
    std::map<std::string, std::string> objects;
    for (const auto& info : *listed) objects[info.key] = *store.Get(info.key);
    if (round == 0) {
      first = objects;
    } else {
      EXPECT_EQ(objects, first);
    }
    // Writing again with the same id overwrites, never adds.
    ASSERT_TRUE(writer->WriteThings(rows).ok());
    EXPECT_EQ(store.List("ns/things/data/")->size(), objects.size());
  }
}

TEST(FlushWriterTest, RejectsBadFlushIds) {
  MemoryStore store;
  iceberg::TablePaths paths("ns/things", "mem://ns/things");
  EXPECT_TRUE(FlushWriter::Make(store, paths, TableLayout::Things(), Options(""))
                  .status()
                  .IsInvalidArgument());
  EXPECT_TRUE(FlushWriter::Make(store, paths, TableLayout::Things(), Options("a/b"))
                  .status()
                  .IsInvalidArgument());
}

TEST(WarehouseTest, NamesTablesAndValidatesNamespaces) {
  MemoryStore store;
  Warehouse warehouse(store);
  auto paths = warehouse.Paths("team-a", TableKind::kRelationships);
  ASSERT_TRUE(paths.ok());
  EXPECT_EQ(paths->key_prefix(), "team-a/relationships");
  EXPECT_EQ(paths->location(), "mem://team-a/relationships");
  EXPECT_TRUE(warehouse.Paths("../x", TableKind::kThings).status().IsInvalidArgument());
  EXPECT_TRUE(warehouse.Open("none", TableKind::kThings).status().IsNotFound());
  Warehouse s3(store, WarehouseOptions{"s3://bucket/wh/", 0});
  EXPECT_EQ(s3.Paths("ns", TableKind::kThings)->location(), "s3://bucket/wh/ns/things");
  auto created = warehouse.OpenOrCreate("ns", TableLayout::Things());
  ASSERT_TRUE(created.ok());
  auto again = warehouse.OpenOrCreate("ns", TableLayout::Things());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->metadata().table_uuid, (*created)->metadata().table_uuid);
}

TEST(WarehouseTest, AppendsIndexColumnsAndReadsOldFilesAsNull) {
  MemoryStore store;
  Warehouse warehouse(store);
  TableLayout plain = TableLayout::Things();
  auto table = warehouse.OpenOrCreate("ns", plain);
  ASSERT_TRUE(table.ok());
  auto writer = FlushWriter::Make(store, (*table)->paths(), plain, Options("old"));
  ASSERT_TRUE(writer.ok());
  std::vector<ColdThing> rows = MakeThings(0, 10);
  for (auto& row : rows) row.index_values.clear();
  auto written = writer->WriteThings(rows);
  ASSERT_TRUE(written.ok());
  ASSERT_TRUE(CommitFlush(**table, "old", *written, {}).ok());

  TableLayout indexed = ThingsLayoutWithIndexes();
  auto evolved = warehouse.OpenOrCreate("ns", indexed);
  ASSERT_TRUE(evolved.ok()) << evolved.status().ToString();
  EXPECT_EQ((*evolved)->metadata().CurrentSchema()->fields.size(), 8u);
  EXPECT_EQ((*evolved)->metadata().current_schema_id, 1);
  auto writer2 = FlushWriter::Make(store, (*evolved)->paths(), indexed, Options("new"));
  ASSERT_TRUE(writer2.ok());
  auto written2 = writer2->WriteThings(MakeThings(10, 20));
  ASSERT_TRUE(written2.ok());
  ASSERT_TRUE(CommitFlush(**evolved, "new", *written2, {}).ok());

  ColdReader reader(**evolved, indexed);
  auto old_row = reader.LookupThing(testing::ThingId(1));
  ASSERT_TRUE(old_row.ok() && old_row->has_value()) << old_row.status().ToString();
  EXPECT_EQ((*old_row)->thing.index_values, (std::vector<IndexValue>{IndexValue(), IndexValue()}));
  auto by_email = reader.ReadThings(
      {.filter = {{"idx_email", parquet::CompareOp::kEq, {parquet::Value::String("u11@x.io")}}}});
  ASSERT_TRUE(by_email.ok()) << by_email.status().ToString();
  ASSERT_EQ(by_email->size(), 1u);
  EXPECT_EQ((*by_email)[0].thing, testing::MakeThing(11));

  TableLayout renamed =
      TableLayout::Things({JsonIndexColumn{"city", "$.city", IndexKind::kString}});
  EXPECT_EQ(warehouse.OpenOrCreate("ns", renamed).status().code(), StatusCode::kNotSupported);
  EXPECT_TRUE(warehouse.OpenOrCreate("ns", plain).ok());  // fewer indexes: columns stay
}

}  // namespace
}  // namespace thingsdb::cold
