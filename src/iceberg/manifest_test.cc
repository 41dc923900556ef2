#include "iceberg/manifest.h"

#include <gtest/gtest.h>

#include "iceberg/manifest_list.h"
#include "iceberg/single_value.h"

namespace thingsdb::iceberg {
namespace {

Schema TestSchema() {
  Schema schema;
  schema.fields = {NestedField{1, "id", true, Type::Primitive(TypeId::kLong), ""},
                   NestedField{2, "kind", false, Type::Primitive(TypeId::kString), ""},
                   NestedField{3, "at", false, Type::Primitive(TypeId::kTimestamp), ""}};
  return schema;
}

PartitionSpec TestSpec() {
  PartitionSpec spec;
  spec.spec_id = 3;
  spec.fields = {PartitionField{2, 1000, "kind", *Transform::Parse("identity")},
                 PartitionField{3, 1001, "at_month", *Transform::Parse("month")},
                 PartitionField{1, 1002, "id_bucket", *Transform::Parse("bucket[8]")}};
  return spec;
}

ManifestEntry Entry(const std::string& path, std::optional<Literal> kind) {
  ManifestEntry entry;
  entry.status = EntryStatus::kExisting;
  entry.snapshot_id = 42;
  entry.sequence_number = 7;
  entry.file_sequence_number = 8;
  entry.data_file.file_path = path;
  entry.data_file.partition = {std::move(kind), Literal::Int(650), Literal::Int(5)};
  entry.data_file.record_count = 100;
  entry.data_file.file_size_in_bytes = 4096;
  entry.data_file.column_sizes = {{1, 10}, {2, 20}};
  entry.data_file.value_counts = {{1, 100}};
  entry.data_file.null_value_counts = {{2, 3}};
  entry.data_file.lower_bounds = {
      {1, *SerializeSingleValue(Literal::Long(-5), *Type::Primitive(TypeId::kLong))}};
  entry.data_file.upper_bounds = {
      {1, *SerializeSingleValue(Literal::Long(99), *Type::Primitive(TypeId::kLong))}};
  entry.data_file.split_offsets = {4};
  entry.data_file.sort_order_id = 0;
  return entry;
}

TEST(ManifestTest, RoundTrip) {
  std::vector<ManifestEntry> entries = {Entry("s3://b/t/data/1.parquet", Literal::String("user")),
                                        Entry("s3://b/t/data/2.parquet", std::nullopt)};
  entries[1].status = EntryStatus::kAdded;
  entries[1].sequence_number.reset();
  entries[1].file_sequence_number.reset();
  auto bytes = WriteManifest(TestSchema(), TestSpec(), ManifestContent::kData, entries);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto read = ReadManifest(*bytes, "m.avro", TestSchema(), TestSpec());
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 2u);
  const ManifestEntry& first = (*read)[0];
  EXPECT_EQ(first.status, EntryStatus::kExisting);
  EXPECT_EQ(first.snapshot_id, 42);
  EXPECT_EQ(first.sequence_number, 7);
  EXPECT_EQ(first.file_sequence_number, 8);
  EXPECT_EQ(first.data_file.file_path, "s3://b/t/data/1.parquet");
  EXPECT_EQ(first.data_file.spec_id, 3);
  EXPECT_EQ(first.data_file.partition[0]->bytes, "user");
  EXPECT_EQ(first.data_file.partition[1]->integer, 650);
  EXPECT_EQ(first.data_file.partition[2]->integer, 5);
  EXPECT_EQ(first.data_file.column_sizes, (std::map<int32_t, int64_t>{{1, 10}, {2, 20}}));
  EXPECT_EQ(first.data_file.null_value_counts.at(2), 3);
  EXPECT_EQ(DeserializeSingleValue(first.data_file.lower_bounds.at(1),
                                   *Type::Primitive(TypeId::kLong), "x")
                ->integer,
            -5);
  EXPECT_EQ(first.data_file.split_offsets, std::vector<int64_t>{4});
  EXPECT_EQ(first.data_file.sort_order_id, 0);
  EXPECT_FALSE((*read)[1].data_file.partition[0].has_value());
  EXPECT_FALSE((*read)[1].sequence_number.has_value());
}

TEST(ManifestTest, WrongPartitionArityIsInvalidArgument) {
  ManifestEntry entry = Entry("x", Literal::String("a"));
  entry.data_file.partition.pop_back();
  auto bytes = WriteManifest(TestSchema(), TestSpec(), ManifestContent::kData, {entry});
  EXPECT_TRUE(bytes.status().IsInvalidArgument());
}

TEST(ManifestTest, CorruptManifestNeverCrashes) {
  auto bytes = WriteManifest(TestSchema(), TestSpec(), ManifestContent::kData,
                             {Entry("p", Literal::String("u"))});
  ASSERT_TRUE(bytes.ok());
  for (size_t cut = 0; cut < bytes->size(); cut += 3) {
    auto read = ReadManifest(bytes->substr(0, cut), "cut.avro", TestSchema(), TestSpec());
    if (!read.ok()) {
      EXPECT_NE(read.status().message().find("cut.avro"), std::string::npos)
          << read.status().ToString();
    }
  }
}

TEST(ManifestListTest, RoundTrip) {
  ManifestFile manifest;
  manifest.manifest_path = "s3://b/t/metadata/m0.avro";
  manifest.manifest_length = 1234;
  manifest.partition_spec_id = 3;
  manifest.content = ManifestContent::kDeletes;
  manifest.sequence_number = 9;
  manifest.min_sequence_number = 2;
  manifest.added_snapshot_id = 77;
  manifest.added_files_count = 1;
  manifest.existing_files_count = 2;
  manifest.deleted_files_count = 3;
  manifest.added_rows_count = 10;
  manifest.existing_rows_count = 20;
  manifest.deleted_rows_count = 30;
  PartitionFieldSummary summary;
  summary.contains_null = true;
  summary.lower_bound = "a";
  summary.upper_bound = "z";
  manifest.partitions = {summary, PartitionFieldSummary{}};
  auto bytes = WriteManifestList(ManifestListHeader{77, 76, 9}, {manifest, manifest});
  ASSERT_TRUE(bytes.ok());
  auto read = ReadManifestList(*bytes, "list.avro");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 2u);
  const ManifestFile& back = (*read)[1];
  EXPECT_EQ(back.manifest_path, manifest.manifest_path);
  EXPECT_EQ(back.content, ManifestContent::kDeletes);
  EXPECT_EQ(back.sequence_number, 9);
  EXPECT_EQ(back.min_sequence_number, 2);
  EXPECT_EQ(back.deleted_rows_count, 30);
  ASSERT_EQ(back.partitions.size(), 2u);
  EXPECT_TRUE(back.partitions[0].contains_null);
  EXPECT_EQ(back.partitions[0].upper_bound, "z");
  EXPECT_FALSE(back.partitions[1].lower_bound.has_value());
}

}  // namespace
}  // namespace thingsdb::iceberg
