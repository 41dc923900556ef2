#include "cold/cold_schema.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cold/cold_row.h"
#include "cold/testing/cold_rows.h"

namespace thingsdb::cold {
namespace {

TEST(ColdSchemaTest, ThingsSchemaHasFieldIdsAndIndexColumns) {
  TableLayout layout = testing::ThingsLayoutWithIndexes();
  iceberg::Schema schema = IcebergSchema(layout);
  ASSERT_EQ(schema.fields.size(), 8u);
  EXPECT_EQ(schema.fields[0].name, "id");
  EXPECT_EQ(schema.fields[4].type->id, iceberg::TypeId::kTimestampTz);
  EXPECT_EQ(schema.fields[6].name, "idx_email");
  EXPECT_EQ(schema.fields[6].id, 7);
  EXPECT_EQ(schema.fields[7].type->id, iceberg::TypeId::kDouble);
  parquet::Schema file = ParquetSchema(layout);
  ASSERT_EQ(file.columns.size(), schema.fields.size());
  for (size_t i = 0; i < file.columns.size(); ++i) {
    EXPECT_EQ(file.columns[i].name, schema.fields[i].name);
    EXPECT_EQ(file.columns[i].field_id, schema.fields[i].id);
    EXPECT_EQ(file.columns[i].optional, !schema.fields[i].required);
  }
  EXPECT_TRUE(file.columns[0].bloom_filter);
  EXPECT_TRUE(file.columns[6].bloom_filter);
  EXPECT_TRUE(parquet::ValidateSchema(file).ok());
}

TEST(ColdSchemaTest, SchemaJsonIsIcebergShaped) {
  auto json = nlohmann::json::parse(IcebergSchemaJson(IcebergSchema(TableLayout::Relationships())));
  EXPECT_EQ(json["type"], "struct");
  EXPECT_EQ(json["fields"][5]["type"], "timestamptz");
  EXPECT_EQ(json["fields"][4]["required"], false);
}

TEST(ColdSchemaTest, PartitionSpecIsTypeAndDay) {
  iceberg::PartitionSpec spec = PartitionSpecFor(TableLayout::Relationships());
  ASSERT_EQ(spec.fields.size(), 2u);
  EXPECT_EQ(spec.fields[0].source_id, kRelTypeFieldId);
  EXPECT_EQ(spec.fields[1].transform.kind, iceberg::TransformKind::kDay);
  EXPECT_EQ(spec.fields[1].source_id, kRelCreatedAtFieldId);
}

TEST(ColdSchemaTest, RejectsBadLayouts) {
  EXPECT_TRUE(ValidateLayout(TableLayout::Things({{"Bad-Name", "$.x", IndexKind::kString}}))
                  .IsInvalidArgument());
  EXPECT_TRUE(ValidateLayout(TableLayout::Things({{"a", "$.x", IndexKind::kString},
                                                  {"a", "$.y", IndexKind::kDouble}}))
                  .IsInvalidArgument());
  TableLayout rel = TableLayout::Relationships();
  rel.indexes.push_back({"a", "$.a", IndexKind::kString});
  EXPECT_TRUE(ValidateLayout(rel).IsInvalidArgument());
}

TEST(ColdRowTest, EmbeddingIsLittleEndianFloat32) {
  std::string bytes = EncodeEmbedding({1.0f, -2.5f});
  ASSERT_EQ(bytes.size(), 8u);
  EXPECT_EQ(bytes.substr(0, 4), std::string("\x00\x00\x80\x3f", 4));
  EXPECT_EQ(*DecodeEmbedding(bytes), (std::vector<float>{1.0f, -2.5f}));
  EXPECT_FALSE(DecodeEmbedding("abc").has_value());
}

}  // namespace
}  // namespace thingsdb::cold
