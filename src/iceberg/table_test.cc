#include "iceberg/table.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "iceberg/avro_reader.h"
#include "iceberg/maintenance.h"
#include "iceberg/manifest_list.h"
#include "iceberg/single_value.h"
#include "iceberg/testing/mtime_store.h"
#include "objectstore/memory_store.h"

namespace thingsdb::iceberg {
namespace {

constexpr int64_t kDayMicros = int64_t{86400} * 1000000;

Schema ThingsSchema() {
  Schema schema;
  schema.fields = {
      NestedField{1, "id", true, Type::Primitive(TypeId::kString), ""},
      NestedField{2, "type", true, Type::Primitive(TypeId::kString), ""},
      NestedField{3, "created_at", true, Type::Primitive(TypeId::kTimestampTz), ""},
      NestedField{4, "score", false, Type::Primitive(TypeId::kLong), ""},
  };
  return schema;
}

PartitionSpec ThingsSpec() {
  PartitionSpec spec;
  spec.fields = {PartitionField{2, 1000, "type", *Transform::Parse("identity")},
                 PartitionField{3, 1001, "created_at_day", *Transform::Parse("day")}};
  return spec;
}

// A data file of `type` on day `day` holding scores [low, high].
DataFile MakeFile(const std::string& name, const std::string& type, int32_t day, int64_t low,
                  int64_t high, int64_t rows = 10) {
  DataFile file;
  file.file_path = "mem://warehouse/ns/things/data/" + name;
  file.partition = {Literal::String(type), Literal::Date(day)};
  file.record_count = rows;
  file.file_size_in_bytes = 1000 + rows;
  file.lower_bounds[4] = *SerializeSingleValue(Literal::Long(low), *Type::Primitive(TypeId::kLong));
  file.upper_bounds[4] =
      *SerializeSingleValue(Literal::Long(high), *Type::Primitive(TypeId::kLong));
  file.value_counts[4] = rows;
  file.null_value_counts[4] = 0;
  return file;
}

DataFile MakePositionDeletes(const std::string& name, const std::string& target,
                             const std::string& type, int32_t day, int64_t rows) {
  DataFile file;
  file.content = FileContent::kPositionDeletes;
  file.file_path = "mem://warehouse/ns/things/data/" + name;
  file.partition = {Literal::String(type), Literal::Date(day)};
  file.record_count = rows;
  file.file_size_in_bytes = 300;
  file.lower_bounds[kDeleteFilePathFieldId] = target;
  file.upper_bounds[kDeleteFilePathFieldId] = target;
  return file;
}

std::set<std::string> DataPaths(const ScanPlan& plan) {
  std::set<std::string> out;
  for (const auto& task : plan.tasks)
    out.insert(task.data.file.file_path.substr(task.data.file.file_path.rfind('/') + 1));
  return out;
}

class TableTest : public ::testing::Test {
 protected:
  TablePaths Paths() const { return TablePaths("ns/things", "mem://warehouse/ns/things"); }
  std::unique_ptr<Table> CreateTable() {
    CreateTableOptions options;
    options.timestamp_ms = 1000;
    auto table = Table::Create(store_, Paths(), ThingsSchema(), ThingsSpec(), options);
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    return table.ok() ? std::move(*table) : nullptr;
  }
  CommitOptions At(int64_t ms, std::string token = "") {
    CommitOptions options;
    options.timestamp_ms = ms;
    options.commit_token = std::move(token);
    return options;
  }
  MemoryStore store_;
};

TEST_F(TableTest, CreateWritesV1AndHint) {
  auto table = CreateTable();
  ASSERT_TRUE(table);
  EXPECT_EQ(table->version(), 1);
  EXPECT_TRUE(store_.Head("ns/things/metadata/v1.metadata.json").ok());
  EXPECT_EQ(*store_.Get("ns/things/metadata/version-hint.text"), "1");
  EXPECT_FALSE(table->metadata().current_snapshot_id);
  EXPECT_EQ(table->metadata().last_partition_id, 1001);
  EXPECT_EQ(table->metadata().last_column_id, 4);
  auto plan = table->Scan();
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->tasks.empty());
  // A second create conflicts.
  auto again = Table::Create(store_, Paths(), ThingsSchema(), ThingsSpec());
  EXPECT_TRUE(again.status().IsConflict());
}

// The metadata log keeps write.metadata.previous-versions-max entries; with
// delete-after-commit the older metadata files are deleted, and the table still loads
// (also through a version hint naming a deleted file). Without it they stay.
TEST_F(TableTest, MetadataLogIsTrimmedAndOldFilesDeletedAfterCommit) {
  for (bool delete_after : {true, false}) {
    SCOPED_TRACE(delete_after ? "delete-after-commit" : "keep files");
    MemoryStore store;
    CreateTableOptions options;
    options.timestamp_ms = 1000;
    options.properties[kPreviousVersionsMaxProperty] = "3";
    if (delete_after) options.properties[kDeleteAfterCommitProperty] = "true";
    auto created = Table::Create(store, Paths(), ThingsSchema(), ThingsSpec(), options);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    Table& table = **created;
    for (int n = 0; n < 8; ++n) {
      ASSERT_TRUE(table.Append({MakeFile(fmt::format("f{}.parquet", n), "user", 10, n, n)},
                               At(2000 + n))
                      .ok());
    }
    EXPECT_EQ(table.version(), 9);
    ASSERT_EQ(table.metadata().metadata_log.size(), 3u);
    EXPECT_NE(table.metadata().metadata_log.front().metadata_file.find("v6.metadata.json"),
              std::string::npos);
    for (int version = 1; version <= 9; ++version) {
      bool present = store.Head(fmt::format("ns/things/metadata/v{}.metadata.json", version)).ok();
      EXPECT_EQ(present, !delete_after || version >= 6) << "v" << version;
    }
    ASSERT_TRUE(store.Put("ns/things/metadata/version-hint.text", "2").ok());  // stale, deleted
    auto loaded = Table::Load(store, Paths());
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ((*loaded)->version(), 9);
    auto plan = (*loaded)->Scan();
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(plan->tasks.size(), 8u);
  }
}

TEST_F(TableTest, MetadataRoundTripsThroughJson) {
  auto table = CreateTable();
  ASSERT_TRUE(table);
  ASSERT_TRUE(table->Append({MakeFile("a.parquet", "user", 10, 1, 5)}, At(2000)).ok());
  std::string json = SerializeTableMetadata(table->metadata());
  auto parsed = ParseTableMetadata(json, "x");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(SerializeTableMetadata(*parsed), json);
  EXPECT_NE(json.find("\"transform\": \"day\""), std::string::npos);
  EXPECT_TRUE(ParseTableMetadata("{\"format-version\": 2}", "bad.json").status().IsCorruption());
  EXPECT_TRUE(ParseTableMetadata("[1,", "bad.json").status().IsCorruption());
  EXPECT_EQ(ParseTableMetadata("{\"format-version\": 3}", "v3.json").status().code(),
            StatusCode::kNotSupported);
}

TEST_F(TableTest, AppendsAndTimeTravel) {
  auto table = CreateTable();
  ASSERT_TRUE(table);
  auto first = table->Append(
      {MakeFile("a.parquet", "user", 10, 1, 5), MakeFile("b.parquet", "post", 10, 6, 9)}, At(2000));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  CommitOptions options = At(3000);
  options.summary["thingsdb.flush-high-water-mark"] = "12345";
  auto second = table->Append({MakeFile("c.parquet", "user", 11, 10, 20)}, options);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(table->version(), 3);
  EXPECT_EQ(*store_.Get("ns/things/metadata/version-hint.text"), "3");
  EXPECT_EQ(second->sequence_number, 2);
  EXPECT_EQ(second->parent_snapshot_id, first->snapshot_id);
  EXPECT_EQ(second->summary.at("operation"), "append");
  EXPECT_EQ(second->summary.at("added-data-files"), "1");
  EXPECT_EQ(second->summary.at("total-data-files"), "3");
  EXPECT_EQ(second->summary.at("total-records"), "30");
  EXPECT_EQ(second->summary.at("thingsdb.flush-high-water-mark"), "12345");

  // A fresh reader sees the same.
  auto loaded = Table::Load(store_, Paths());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->metadata().current_snapshot_id, second->snapshot_id);
  EXPECT_EQ((*loaded)->metadata().snapshots.size(), 2u);
  EXPECT_EQ((*loaded)->metadata().metadata_log.size(), 2u);
  auto plan = (*loaded)->Scan();
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(DataPaths(*plan), (std::set<std::string>{"a.parquet", "b.parquet", "c.parquet"}));
  for (const auto& task : plan->tasks) {
    EXPECT_EQ(task.data.data_sequence_number,
              task.data.file.file_path.ends_with("c.parquet") ? 2 : 1);
  }
  ScanOptions at_first;
  at_first.snapshot_id = first->snapshot_id;
  EXPECT_EQ(DataPaths(*(*loaded)->Scan(at_first)),
            (std::set<std::string>{"a.parquet", "b.parquet"}));
  ScanOptions by_time;
  by_time.as_of_timestamp_ms = 2500;
  EXPECT_EQ(DataPaths(*(*loaded)->Scan(by_time)),
            (std::set<std::string>{"a.parquet", "b.parquet"}));
}

TEST_F(TableTest, PruningByPartitionAndBounds) {
  auto table = CreateTable();
  ASSERT_TRUE(table);
  ASSERT_TRUE(table
                  ->Append({MakeFile("a.parquet", "user", 10, 1, 5),
                            MakeFile("b.parquet", "post", 10, 6, 9)},
                           At(2000))
                  .ok());
  ASSERT_TRUE(table->Append({MakeFile("c.parquet", "user", 11, 10, 20)}, At(3000)).ok());
  ScanOptions options;
  options.filter = {Predicate{"type", CompareOp::kEq, Literal::String("user")}};
  EXPECT_EQ(DataPaths(*table->Scan(options)), (std::set<std::string>{"a.parquet", "c.parquet"}));
  // A timestamp predicate prunes through day(); the second manifest is pruned by its summary.
  options.filter = {
      Predicate{"created_at", CompareOp::kLt, Literal::Timestamp(11 * kDayMicros, true)}};
  auto plan = table->Scan(options);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(DataPaths(*plan), (std::set<std::string>{"a.parquet", "b.parquet"}));
  EXPECT_EQ(plan->manifests_pruned, 1);
  options.filter = {
      Predicate{"created_at", CompareOp::kGe, Literal::Timestamp(11 * kDayMicros + 5, true)}};
  EXPECT_EQ(DataPaths(*table->Scan(options)), (std::set<std::string>{"c.parquet"}));
  options.filter = {Predicate{"score", CompareOp::kGt, Literal::Long(9)}};
  EXPECT_EQ(DataPaths(*table->Scan(options)), (std::set<std::string>{"c.parquet"}));
  options.filter = {Predicate{"score", CompareOp::kLe, Literal::Long(6)}};
  EXPECT_EQ(DataPaths(*table->Scan(options)), (std::set<std::string>{"a.parquet", "b.parquet"}));
  options.filter = {Predicate{"score", CompareOp::kEq, Literal::Long(7)},
                    Predicate{"type", CompareOp::kEq, Literal::String("post")}};
  EXPECT_EQ(DataPaths(*table->Scan(options)), (std::set<std::string>{"b.parquet"}));
}

TEST_F(TableTest, PositionDeletesApplyBySequenceAndPartition) {
  auto table = CreateTable();
  ASSERT_TRUE(table);
  ASSERT_TRUE(table
                  ->Append({MakeFile("a.parquet", "user", 10, 1, 5),
                            MakeFile("b.parquet", "post", 10, 6, 9)},
                           At(2000))
                  .ok());
  std::string a_path = "mem://warehouse/ns/things/data/a.parquet";
  // Deletes in a's partition, plus a new row version in the same snapshot.
  auto snapshot = table->AddDeletes({MakePositionDeletes("a-del.parquet", a_path, "user", 10, 2)},
                                    {MakeFile("a2.parquet", "user", 10, 3, 3, 1)}, At(3000));
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  EXPECT_EQ(snapshot->summary.at("operation"), "overwrite");
  EXPECT_EQ(snapshot->summary.at("added-position-deletes"), "2");
  EXPECT_EQ(snapshot->summary.at("added-position-delete-files"), "1");
  EXPECT_EQ(snapshot->summary.at("total-delete-files"), "1");
  EXPECT_EQ(snapshot->summary.at("total-position-deletes"), "2");
  auto plan = table->Scan();
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->tasks.size(), 3u);
  for (const auto& task : plan->tasks) {
    const std::string& path = task.data.file.file_path;
    if (path == a_path) {
      ASSERT_EQ(task.deletes.size(), 1u);
      EXPECT_EQ(task.deletes[0].file.content, FileContent::kPositionDeletes);
      EXPECT_EQ(task.deletes[0].data_sequence_number, 2);
    } else {
      // b: another partition; a2: same partition and sequence but outside the file_path bounds.
      EXPECT_TRUE(task.deletes.empty()) << path;
    }
  }
  // Only delete files: operation "delete".
  auto only_deletes = table->AddDeletes(
      {MakePositionDeletes("b-del.parquet", "mem://warehouse/ns/things/data/b.parquet", "post", 10,
                           1)},
      {}, At(4000));
  ASSERT_TRUE(only_deletes.ok());
  EXPECT_EQ(only_deletes->summary.at("operation"), "delete");
}

TEST_F(TableTest, ReplaceCompactsFilesAndDeletes) {
  auto table = CreateTable();
  ASSERT_TRUE(table);
  ASSERT_TRUE(table
                  ->Append({MakeFile("a.parquet", "user", 10, 1, 5),
                            MakeFile("b.parquet", "post", 10, 6, 9)},
                           At(2000))
                  .ok());
  ASSERT_TRUE(table->Append({MakeFile("c.parquet", "user", 10, 10, 20)}, At(3000)).ok());
  std::string a_path = "mem://warehouse/ns/things/data/a.parquet";
  std::string c_path = "mem://warehouse/ns/things/data/c.parquet";
  auto before = table->AddDeletes({MakePositionDeletes("a-del.parquet", a_path, "user", 10, 2)}, {},
                                  At(4000));
  ASSERT_TRUE(before.ok());
  // Compaction: a + c + a's deletes → ac.parquet.
  auto replaced = table->Replace({a_path, c_path, "mem://warehouse/ns/things/data/a-del.parquet"},
                                 {MakeFile("ac.parquet", "user", 10, 1, 20, 18)}, At(5000));
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_EQ(replaced->summary.at("operation"), "replace");
  EXPECT_EQ(replaced->summary.at("deleted-data-files"), "2");
  EXPECT_EQ(replaced->summary.at("removed-position-deletes"), "2");
  EXPECT_EQ(replaced->summary.at("total-data-files"), "2");
  EXPECT_EQ(replaced->summary.at("total-records"), "28");
  EXPECT_EQ(replaced->summary.at("total-delete-files"), "0");
  auto plan = table->Scan();
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(DataPaths(*plan), (std::set<std::string>{"ac.parquet", "b.parquet"}));
  for (const auto& task : plan->tasks) EXPECT_TRUE(task.deletes.empty());
  // The snapshot before still plans the old files with their deletes.
  ScanOptions old;
  old.snapshot_id = before->snapshot_id;
  auto old_plan = table->Scan(old);
  ASSERT_TRUE(old_plan.ok());
  EXPECT_EQ(DataPaths(*old_plan), (std::set<std::string>{"a.parquet", "b.parquet", "c.parquet"}));
  // Removing a file that is not live fails and commits nothing.
  auto bad = table->Replace({a_path}, {}, At(6000));
  EXPECT_TRUE(bad.status().IsInvalidArgument()) << bad.status().ToString();
  EXPECT_EQ(table->metadata().current_snapshot_id, replaced->snapshot_id);
}

TEST_F(TableTest, ConcurrentWriterConflictIsRetried) {
  auto writer_a = CreateTable();
  ASSERT_TRUE(writer_a);
  auto writer_b = Table::Load(store_, Paths());
  ASSERT_TRUE(writer_b.ok());
  ASSERT_TRUE(writer_a->Append({MakeFile("a.parquet", "user", 10, 1, 5)}, At(2000)).ok());
  // B still holds v1: its first attempt conflicts on v2, it reloads and commits v3.
  auto b = (*writer_b)->Append({MakeFile("b.parquet", "post", 10, 6, 9)}, At(3000));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ((*writer_b)->version(), 3);
  EXPECT_EQ(b->sequence_number, 2);
  auto plan = (*writer_b)->Scan();
  EXPECT_EQ(DataPaths(*plan), (std::set<std::string>{"a.parquet", "b.parquet"}));
  // With no retries allowed the conflict surfaces.
  CommitOptions once = At(4000);
  once.max_attempts = 1;
  auto stale = writer_a->Append({MakeFile("c.parquet", "post", 10, 6, 9)}, once);
  EXPECT_TRUE(stale.status().IsConflict()) << stale.status().ToString();
}

TEST_F(TableTest, CommitTokenMakesRetriesIdempotent) {
  auto table = CreateTable();
  ASSERT_TRUE(table);
  auto first = table->Append({MakeFile("a.parquet", "user", 10, 1, 5)}, At(2000, "flush-0001"));
  ASSERT_TRUE(first.ok());
  // The same commit retried (say, after an ambiguous error) returns the committed snapshot.
  auto again = Table::Load(store_, Paths());
  ASSERT_TRUE(again.ok());
  auto retry = (*again)->Append({MakeFile("a.parquet", "user", 10, 1, 5)}, At(2000, "flush-0001"));
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->snapshot_id, first->snapshot_id);
  EXPECT_EQ((*again)->version(), 2);
  EXPECT_EQ((*again)->Scan()->tasks.size(), 1u);
  // Object names are deterministic per token.
  EXPECT_NE(first->manifest_list.find("flush-0001"), std::string::npos);
}

TEST_F(TableTest, StaleOrMissingVersionHintStillLoadsNewest) {
  auto table = CreateTable();
  ASSERT_TRUE(table);
  ASSERT_TRUE(table->Append({MakeFile("a.parquet", "user", 10, 1, 5)}, At(2000)).ok());
  ASSERT_TRUE(table->Append({MakeFile("b.parquet", "user", 10, 1, 5)}, At(3000)).ok());
  ASSERT_TRUE(store_.Put("ns/things/metadata/version-hint.text", "1").ok());
  auto loaded = Table::Load(store_, Paths());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ((*loaded)->version(), 3);
  ASSERT_TRUE(store_.Delete("ns/things/metadata/version-hint.text").ok());
  loaded = Table::Load(store_, Paths());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ((*loaded)->version(), 3);
  ASSERT_TRUE(store_.Put("ns/things/metadata/version-hint.text", "garbage").ok());
  loaded = Table::Load(store_, Paths());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ((*loaded)->version(), 3);
  EXPECT_TRUE(Table::Load(store_, TablePaths("ns/nothing", "x")).status().IsNotFound());
}

TEST_F(TableTest, OurManifestsCarryFieldIdsAndNoForbiddenTypes) {
  auto table = CreateTable();
  ASSERT_TRUE(table);
  auto snapshot = table->Append({MakeFile("a.parquet", "user", 10, 1, 5)}, At(2000));
  ASSERT_TRUE(snapshot.ok());
  auto list_key = table->paths().ToKey(snapshot->manifest_list);
  ASSERT_TRUE(list_key.ok());
  auto list = ReadManifestList(*store_.Get(*list_key), *list_key);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  auto manifest_key = table->paths().ToKey((*list)[0].manifest_path);
  auto reader = AvroReader::Open(*store_.Get(*manifest_key), *manifest_key);
  ASSERT_TRUE(reader.ok());
  std::string schema = (*reader)->Metadata("avro.schema");
  EXPECT_NE(schema.find("\"field-id\":100"), std::string::npos);
  EXPECT_NE(schema.find("\"logicalType\":\"map\""), std::string::npos);
  EXPECT_EQ(schema.find("\"enum\""), std::string::npos);
  EXPECT_EQ(schema.find("\"fixed\""), std::string::npos);
  EXPECT_EQ(schema.find("\"type\":\"map\""), std::string::npos);
  EXPECT_EQ(schema.find("{\"type\":\"int\"}"), std::string::npos);
  EXPECT_EQ((*reader)->Metadata("content"), "data");
  EXPECT_EQ((*reader)->Metadata("format-version"), "2");
  EXPECT_EQ((*reader)->Metadata("partition-spec-id"), "0");
  EXPECT_EQ((*list)[0].partitions.size(), 2u);
  EXPECT_EQ(*(*list)[0].partitions[0].lower_bound, "user");
}

TEST_F(TableTest, ExpireSnapshotsDeletesOnlyUnreferencedFiles) {
  auto table = CreateTable();
  ASSERT_TRUE(table);
  std::string a_path = "mem://warehouse/ns/things/data/a.parquet";
  for (const char* name : {"a.parquet", "b.parquet", "ab.parquet"}) {
    ASSERT_TRUE(store_.Put(std::string("ns/things/data/") + name, "PAR1").ok());
  }
  auto s1 = table->Append({MakeFile("a.parquet", "user", 10, 1, 5)}, At(2000));
  auto s2 = table->Append({MakeFile("b.parquet", "user", 10, 1, 5)}, At(3000));
  auto s3 = table->Replace({a_path, "mem://warehouse/ns/things/data/b.parquet"},
                           {MakeFile("ab.parquet", "user", 10, 1, 5, 20)}, At(4000));
  ASSERT_TRUE(s1.ok() && s2.ok() && s3.ok()) << s3.status().ToString();
  // Keep snapshots from 3000 on: s1 expires, but a.parquet is still read by s2.
  auto result = ExpireSnapshots(*table, ExpireOptions{3000, 1});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->expired_snapshot_ids, std::vector<int64_t>{s1->snapshot_id});
  EXPECT_TRUE(store_.Head("ns/things/data/a.parquet").ok());
  ScanOptions at_s2;
  at_s2.snapshot_id = s2->snapshot_id;
  EXPECT_TRUE(table->Scan(at_s2).ok());
  // Expire everything but the newest: a and b go, ab stays.
  result = ExpireSnapshots(*table, ExpireOptions{1000000, 1});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->expired_snapshot_ids, std::vector<int64_t>{s2->snapshot_id});
  EXPECT_FALSE(store_.Head("ns/things/data/a.parquet").ok());
  EXPECT_FALSE(store_.Head("ns/things/data/b.parquet").ok());
  EXPECT_TRUE(store_.Head("ns/things/data/ab.parquet").ok());
  auto loaded = Table::Load(store_, Paths());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ((*loaded)->metadata().snapshots.size(), 1u);
  EXPECT_EQ(DataPaths(*(*loaded)->Scan()), (std::set<std::string>{"ab.parquet"}));
}

TEST_F(TableTest, RemoveOrphanFilesRespectsGraceAndReferences) {
  testing::MtimeStore store(&store_);
  CreateTableOptions create;
  create.timestamp_ms = 1000;
  auto created = Table::Create(store, Paths(), ThingsSchema(), ThingsSpec(), create);
  ASSERT_TRUE(created.ok());
  auto& table = *created;
  ASSERT_TRUE(store.Put("ns/things/data/a.parquet", "PAR1").ok());
  ASSERT_TRUE(store.Put("ns/things/data/orphan-old.parquet", "PAR1").ok());
  ASSERT_TRUE(table->Append({MakeFile("a.parquet", "user", 10, 1, 5)}, At(2000)).ok());
  ASSERT_TRUE(store.Put("ns/things/data/orphan-young.parquet", "PAR1").ok());
  ASSERT_TRUE(store.Put("ns/other/data/not-ours.parquet", "PAR1").ok());
  // Everything is old except orphan-young.
  auto listed = store.List("ns/");
  ASSERT_TRUE(listed.ok());
  for (const auto& info : *listed) store.SetMtime(info.key, 1000);
  store.SetMtime("ns/things/data/orphan-young.parquet", 9000);
  auto removed = RemoveOrphanFiles(*table, OrphanOptions{5000, false});
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, std::vector<std::string>{"ns/things/data/orphan-old.parquet"});
  EXPECT_TRUE(store.Head("ns/things/data/a.parquet").ok());
  EXPECT_TRUE(store.Head("ns/things/data/orphan-young.parquet").ok());
  EXPECT_TRUE(store.Head("ns/other/data/not-ours.parquet").ok());
  EXPECT_TRUE(store.Head("ns/things/metadata/v1.metadata.json").ok());
  EXPECT_EQ(table->Scan()->tasks.size(), 1u);
}

}  // namespace
}  // namespace thingsdb::iceberg
