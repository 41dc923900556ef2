// Scan planning on the Spark-written fixture tables (/work/shared/interop/README.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "iceberg/avro_reader.h"
#include "iceberg/manifest.h"
#include "iceberg/table.h"
#include "iceberg/transforms.h"
#include "objectstore/local_store.h"

namespace thingsdb::iceberg {
namespace {

std::string FixtureRoot() {
  const char* env = std::getenv("THINGSDB_ICEBERG_FIXTURES");
  if (env) return env;
  // The shared design folder sits beside the checkout (../shared), as in CI.
  const char* source = std::getenv("THINGSDB_SOURCE_DIR");
  return std::string(source ? source : ".") + "/../shared/interop/iceberg-spark";
}

constexpr char kEqualityTable[] = "data/persistent/equality_deletes/warehouse/mydb/mytable";
constexpr char kPartitionedTable[] = "data/persistent/hive_partitioned_table";

class SparkTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(FixtureRoot())) GTEST_SKIP() << "no fixtures at " << FixtureRoot();
    auto store = LocalStore::Open(FixtureRoot(), LocalStoreOptions{false});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    owned_ = std::move(*store);
  }
  std::unique_ptr<LocalStore> owned_;
  ObjectStore& store() { return *owned_; }
};

std::string Base(const std::string& path) { return path.substr(path.rfind('/') + 1); }

using Expected = std::map<std::string, std::vector<std::string>>;  // data file → deletes

const char kA[] = "00000-9-8b7ad7ff-1bf1-4522-9b6b-da181d84a8d6-0-00001.parquet";
const char kB[] = "00000-12-3ac0d3a9-e19f-4bef-a39a-30030476b8aa-0-00001.parquet";
const char kDelB[] = "delete-93d19556-6cbf-4720-a9a3-3cd5004ad532.parquet";   // name = 'b', seq 2
const char kDel1[] = "delete-242a4468-1e89-489f-aa1b-eafd83a379db.parquet";   // id = 1, seq 3
const char kDel3c[] = "delete-6b31fafe-0aa5-4197-b4e8-052dbc2afa98.parquet";  // id 3 and 'c', seq 4
const char kDelF[] = "delete-2ca427ee-335e-412b-85d9-cb2ffd9ecfde.parquet";   // name = 'f', seq 6

Expected PlanOf(Table& table, int64_t snapshot_id) {
  ScanOptions options;
  options.snapshot_id = snapshot_id;
  auto plan = table.Scan(options);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  Expected out;
  if (!plan.ok()) return out;
  for (const auto& task : plan->tasks) {
    auto& deletes = out[Base(task.data.file.file_path)];
    for (const auto& del : task.deletes) {
      EXPECT_EQ(del.file.content, FileContent::kEqualityDeletes);
      EXPECT_GT(del.data_sequence_number, task.data.data_sequence_number);
      deletes.push_back(Base(del.file.file_path));
    }
    std::sort(deletes.begin(), deletes.end());
  }
  return out;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST_F(SparkTableTest, LoadsByVersionHint) {
  auto table = Table::Load(store(), TablePaths(kEqualityTable, kEqualityTable));
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ((*table)->version(), 7);
  const TableMetadata& md = (*table)->metadata();
  EXPECT_EQ(md.format_version, 2);
  EXPECT_EQ(md.last_sequence_number, 6);
  EXPECT_EQ(md.snapshots.size(), 6u);
  EXPECT_EQ(md.current_snapshot_id, 1916084761853986166);
  EXPECT_EQ(md.refs.at("main").snapshot_id, 1916084761853986166);
  ASSERT_EQ(md.CurrentSchema()->fields.size(), 3u);
  EXPECT_EQ(md.CurrentSchema()->fields[2].type->id, TypeId::kDate);
  EXPECT_EQ(md.metadata_log.size(), 6u);
  EXPECT_EQ(md.CurrentSnapshot()->SummaryCount("total-equality-deletes"), 4);
}

TEST_F(SparkTableTest, EqualityDeletesPerSnapshot) {
  auto table = Table::Load(store(), TablePaths(kEqualityTable, kEqualityTable));
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(PlanOf(**table, 853766660775201079), (Expected{{kA, {}}}));
  EXPECT_EQ(PlanOf(**table, 1584331123492059582), (Expected{{kA, Sorted({kDelB, kDel1})}}));
  EXPECT_EQ(PlanOf(**table, 842401149381792626), (Expected{{kA, Sorted({kDelB, kDel1, kDel3c})}}));
  EXPECT_EQ(PlanOf(**table, 3340507003387467420),
            (Expected{{kA, Sorted({kDelB, kDel1, kDel3c})}, {kB, {}}}));
  EXPECT_EQ(PlanOf(**table, 1916084761853986166),
            (Expected{{kA, Sorted({kDelB, kDel1, kDel3c, kDelF})}, {kB, {kDelF}}}));
  // The current snapshot by default.
  auto plan = (*table)->Scan();
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->snapshot_id, 1916084761853986166);
  EXPECT_EQ(plan->tasks.size(), 2u);
}

TEST_F(SparkTableTest, SnapshotTwoFailsNamingItsManifestList) {
  auto table = Table::Load(store(), TablePaths(kEqualityTable, kEqualityTable));
  ASSERT_TRUE(table.ok());
  ScanOptions options;
  options.snapshot_id = 7342794868382145167;
  auto plan = (*table)->Scan(options);
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(plan.status().IsNotFound()) << plan.status().ToString();
  EXPECT_NE(plan.status().message().find(
                "snap-7342794868382145167-1-34f7dec7-90c5-4cd5-b158-5782b73fc010.avro"),
            std::string::npos)
      << plan.status().ToString();
}

TEST_F(SparkTableTest, TimeTravelByTimestamp) {
  auto table = Table::Load(store(), TablePaths(kEqualityTable, kEqualityTable));
  ASSERT_TRUE(table.ok());
  ScanOptions options;
  options.as_of_timestamp_ms = 1758879647963;  // snapshot 5's commit
  auto plan = (*table)->Scan(options);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->snapshot_id, 3340507003387467420);
  options.as_of_timestamp_ms = 1758879443925;  // before the first snapshot
  EXPECT_TRUE((*table)->Scan(options).status().IsNotFound());
}

TEST_F(SparkTableTest, ExplicitMetadataFile) {
  std::string key = std::string(kEqualityTable) + "/metadata/v2.metadata.json";
  auto table = Table::LoadMetadataFile(store(), TablePaths(kEqualityTable, kEqualityTable), key);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ((*table)->metadata().current_snapshot_id, 853766660775201079);
  auto plan = (*table)->Scan();
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->tasks.size(), 1u);
}

TEST_F(SparkTableTest, ReadsSparkManifestFields) {
  auto table = Table::Load(store(), TablePaths(kPartitionedTable, kPartitionedTable));
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto plan = (*table)->Scan();
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->tasks.size(), 6u);
  int64_t rows = 0;
  for (const auto& task : plan->tasks) {
    const DataFile& file = task.data.file;
    rows += file.record_count;
    EXPECT_EQ(file.file_format, "PARQUET");
    EXPECT_GT(file.file_size_in_bytes, 0);
    EXPECT_FALSE(file.lower_bounds.empty());
    EXPECT_FALSE(file.value_counts.empty());
    ASSERT_FALSE(file.partition.empty());
    ASSERT_TRUE(file.partition[0].has_value());
    EXPECT_EQ(file.partition[0]->type, TypeId::kDate);
    EXPECT_TRUE(task.deletes.empty());
  }
  EXPECT_EQ(rows, 6);
}

TEST_F(SparkTableTest, PartitionPruningKeepsOneFile) {
  auto table = Table::Load(store(), TablePaths(kPartitionedTable, kPartitionedTable));
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  ScanOptions options;
  options.filter.push_back(
      Predicate{"event_date", CompareOp::kEq, Literal::Date(DaysFromCivil(2024, 1, 2))});
  auto plan = (*table)->Scan(options);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->tasks.size(), 1u);
  EXPECT_NE(plan->tasks[0].data.file.file_path.find("event_date=2024-01-02/"), std::string::npos);
  EXPECT_EQ(plan->tasks[0].data.file.record_count, 1);
  EXPECT_GT(plan->manifests_pruned + plan->files_pruned, 0);

  options.filter = {
      Predicate{"event_date", CompareOp::kGe, Literal::Date(DaysFromCivil(2024, 1, 3))}};
  plan = (*table)->Scan(options);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->tasks.size(), 4u);
  // Bounds pruning on a non-partition column.
  options.filter = {Predicate{"user_id", CompareOp::kEq, Literal::Long(67890)}};
  plan = (*table)->Scan(options);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->tasks.size(), 1u);
  options.filter = {Predicate{"user_id", CompareOp::kLt, Literal::Long(12345)}};
  plan = (*table)->Scan(options);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->tasks.size(), 0u);
  options.filter = {Predicate{"no_such_column", CompareOp::kLt, Literal::Long(1)}};
  EXPECT_TRUE((*table)->Scan(options).status().IsInvalidArgument());
}

TEST_F(SparkTableTest, RawManifestHasFieldIdsAndMetadata) {
  auto files = store().List(std::string(kPartitionedTable) + "/metadata/");
  ASSERT_TRUE(files.ok());
  int manifests = 0;
  for (const auto& info : *files) {
    if (!info.key.ends_with("-m0.avro")) continue;
    auto bytes = store().Get(info.key);
    ASSERT_TRUE(bytes.ok());
    auto reader = AvroReader::Open(*bytes, info.key);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_EQ((*reader)->Metadata("format-version"), "2");
    EXPECT_EQ((*reader)->Metadata("avro.codec"), "deflate");
    EXPECT_EQ((*reader)->schema().fields[0].field_id, 0);
    ++manifests;
  }
  EXPECT_EQ(manifests, 2);
}

}  // namespace
}  // namespace thingsdb::iceberg
