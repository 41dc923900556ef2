#include "parquet/file_metadata.h"

#include <gtest/gtest.h>

#include "parquet/page_header.h"

namespace thingsdb::parquet {
namespace {

FileMetaData Sample() {
  FileMetaData m;
  SchemaElement root;
  root.name = "schema";
  root.num_children = 1;
  SchemaElement ts;
  ts.name = "created_at";
  ts.type = Type::kInt64;
  ts.repetition = Repetition::kRequired;
  ts.field_id = 5;
  ts.has_logical = true;
  ts.logical.kind = LogicalKind::kTimestampMillis;
  ts.converted_type = ConvertedType::kTimestampMillis;
  m.schema = {root, ts};
  m.num_rows = 3;
  RowGroup g;
  g.num_rows = 3;
  ColumnChunk c;
  c.meta_data.type = Type::kInt64;
  c.meta_data.encodings = {Encoding::kPlain, Encoding::kRle};
  c.meta_data.path_in_schema = {"created_at"};
  c.meta_data.codec = Codec::kZstd;
  c.meta_data.num_values = 3;
  c.meta_data.data_page_offset = 4;
  Statistics stats;
  stats.min_value = std::string(8, '\2');
  stats.max_value = std::string(8, '\1');
  stats.null_count = 0;
  c.meta_data.statistics = stats;
  c.meta_data.bloom_filter_offset = 99;
  c.offset_index_offset = 200;
  c.offset_index_length = 12;
  g.columns = {c};
  m.row_groups = {g};
  m.key_value_metadata = {{"iceberg.schema", std::string("{}")}};
  m.created_by = "thingsdb version 0.1.0";
  m.type_defined_column_orders = true;
  return m;
}

TEST(FileMetaDataTest, RoundTrips) {
  std::string bytes = EncodeFileMetaData(Sample());
  auto m = DecodeFileMetaData(bytes, "x", 0);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->schema.size(), 2u);
  EXPECT_EQ(m->schema[1].field_id, 5);
  EXPECT_EQ(m->schema[1].logical.kind, LogicalKind::kTimestampMillis);
  EXPECT_TRUE(m->schema[1].logical.utc);
  const ColumnChunk& c = m->row_groups[0].columns[0];
  EXPECT_EQ(c.meta_data.codec, Codec::kZstd);
  EXPECT_EQ(*c.meta_data.statistics->min_value, std::string(8, '\2'));
  EXPECT_EQ(*c.meta_data.bloom_filter_offset, 99);
  EXPECT_EQ(*c.offset_index_length, 12);
  EXPECT_EQ(m->key_value_metadata[0].key, "iceberg.schema");
  EXPECT_TRUE(m->type_defined_column_orders);
  EXPECT_EQ(EncodeFileMetaData(*m), bytes);
}

TEST(FileMetaDataTest, SkipsUnknownFieldsOfNewerWriters) {
  std::string bytes = EncodeFileMetaData(Sample());
  // Insert before the final stop byte: field 30 (long form) as a struct holding a list of
  // structs and a map, the way a newer writer could.
  std::string extra;
  ThriftWriter w(&extra);
  w.FieldStruct(30);
  w.FieldList(1, CType::kStruct, 2);
  for (int i = 0; i < 2; ++i) {
    w.BeginStruct();
    w.FieldBinary(1, "future");
    w.EndStruct();
  }
  w.FieldI64(2, -5);
  w.EndStruct();
  bytes.insert(bytes.size() - 1, extra);
  auto m = DecodeFileMetaData(bytes, "x", 0);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->num_rows, 3);
}

TEST(FileMetaDataTest, PageHeadersRoundTrip) {
  PageHeader h;
  h.type = PageType::kDataPageV2;
  h.uncompressed_page_size = 100;
  h.compressed_page_size = 60;
  DataPageHeaderV2 v2;
  v2.num_values = 10;
  v2.num_nulls = 2;
  v2.num_rows = 10;
  v2.encoding = Encoding::kRleDictionary;
  v2.definition_levels_byte_length = 3;
  v2.is_compressed = false;
  h.data_page_v2 = v2;
  std::string bytes = EncodePageHeader(h) + "body";
  PageHeader back;
  size_t size;
  ASSERT_TRUE(DecodePageHeader(bytes, "x", 0, &back, &size).ok());
  EXPECT_EQ(size, bytes.size() - 4);
  EXPECT_EQ(back.data_page_v2->num_nulls, 2);
  EXPECT_FALSE(back.data_page_v2->is_compressed);
  EXPECT_EQ(back.data_page_v2->encoding, Encoding::kRleDictionary);
  BloomFilterHeader bloom{1024};
  std::string b = EncodeBloomFilterHeader(bloom);
  BloomFilterHeader bloom_back;
  ASSERT_TRUE(DecodeBloomFilterHeader(b, "x", 0, &bloom_back, &size).ok());
  EXPECT_EQ(bloom_back.num_bytes, 1024);
  EXPECT_EQ(size, b.size());
}

}  // namespace
}  // namespace thingsdb::parquet
