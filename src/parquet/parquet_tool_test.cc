#include "parquet/parquet_tool.h"

#include <gtest/gtest.h>

#include <sstream>

#include "parquet/file_writer.h"

namespace thingsdb::parquet {
namespace {

std::string ToolFile() {
  Schema schema;
  schema.columns = {{"id", Type::kByteArray, LogicalKind::kString, false, 1},
                    {"age", Type::kInt32, LogicalKind::kNone, true, 2},
                    {"score", Type::kDouble, LogicalKind::kNone, false, 3},
                    {"ok", Type::kBoolean, LogicalKind::kNone, false, 4}};
  schema.columns[0].bloom_filter = true;
  ColumnBatch id, age, score, ok;
  id.type = Type::kByteArray;
  age.type = Type::kInt32;
  score.type = Type::kDouble;
  ok.type = Type::kBoolean;
  id.strings = {"a", "b\"q", "c"};
  age.ints = {30, 0, 50};
  age.validity = {1, 0, 1};
  score.doubles = {1.5, 2, -0.25};
  ok.ints = {1, 0, 1};
  WriterOptions options;
  options.key_value_metadata = {{"iceberg.schema", std::string("{}")}};
  return *WriteToString(schema, options, {id, age, score, ok});
}

TEST(ParquetToolTest, Schema) {
  MemorySource source(ToolFile(), "tool.parquet");
  auto text = SchemaText(source);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text,
            "message schema {\n"
            "  required BYTE_ARRAY id (STRING) = 1;\n"
            "  optional INT32 age = 2;\n"
            "  required DOUBLE score = 3;\n"
            "  required BOOLEAN ok = 4;\n"
            "}\n");
}

TEST(ParquetToolTest, Meta) {
  MemorySource source(ToolFile(), "tool.parquet");
  auto text = MetaText(source);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("created_by: thingsdb version 0.1.0"), std::string::npos) << *text;
  EXPECT_NE(text->find("iceberg.schema = {}"), std::string::npos);
  EXPECT_NE(text->find("column id BYTE_ARRAY: codec ZSTD"), std::string::npos);
  EXPECT_NE(text->find("statistics: min \"a\", max \"c\", nulls 0"), std::string::npos);
  EXPECT_NE(text->find("bloom filter: offset"), std::string::npos);
}

TEST(ParquetToolTest, Cat) {
  MemorySource source(ToolFile(), "tool.parquet");
  std::ostringstream all;
  ASSERT_TRUE(CatNdjson(source, {}, all).ok());
  EXPECT_EQ(all.str(),
            "{\"id\":\"a\",\"age\":30,\"score\":1.5,\"ok\":true}\n"
            "{\"id\":\"b\\\"q\",\"age\":null,\"score\":2,\"ok\":false}\n"
            "{\"id\":\"c\",\"age\":50,\"score\":-0.25,\"ok\":true}\n");
  std::ostringstream some;
  CatOptions options;
  options.columns = SplitColumns("score,id");
  options.where = {"age >= 40"};
  ASSERT_TRUE(CatNdjson(source, options, some).ok());
  EXPECT_EQ(some.str(), "{\"score\":-0.25,\"id\":\"c\"}\n");
  std::ostringstream limited;
  options = {};
  options.limit = 1;
  ASSERT_TRUE(CatNdjson(source, options, limited).ok());
  EXPECT_EQ(limited.str(), "{\"id\":\"a\",\"age\":30,\"score\":1.5,\"ok\":true}\n");
  std::ostringstream nulls;
  options = {};
  options.where = {"age IS NULL"};
  options.columns = {"id"};
  ASSERT_TRUE(CatNdjson(source, options, nulls).ok());
  EXPECT_EQ(nulls.str(), "{\"id\":\"b\\\"q\"}\n");
  options.columns = {"nope"};
  std::ostringstream bad;
  EXPECT_TRUE(CatNdjson(source, options, bad).IsInvalidArgument());
}

}  // namespace
}  // namespace thingsdb::parquet
