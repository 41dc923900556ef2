#include <gtest/gtest.h>

#include "iceberg/avro_coding.h"
#include "iceberg/avro_reader.h"
#include "iceberg/avro_writer.h"

namespace thingsdb::iceberg {
namespace {

const char kSchema[] = R"({"type":"record","name":"r","fields":[
  {"name":"id","type":"long","field-id":1},
  {"name":"name","type":["null","string"],"default":null,"field-id":2},
  {"name":"tags","type":{"type":"array","items":"int","element-id":4},"field-id":3},
  {"name":"score","type":"double","field-id":5},
  {"name":"day","type":{"type":"int","logicalType":"date"},"field-id":6}]})";

std::string WriteSample(AvroCodec codec, int rows) {
  AvroWriter writer(kSchema, {{"iceberg.x", "y"}}, codec, 7);
  AvroEncoder encoder;
  for (int row = 0; row < rows; ++row) {
    encoder.Clear();
    encoder.PutLong(int64_t{row} * 1000000007LL - 5);
    if (row % 2 == 0) {
      encoder.PutUnionBranch(0);
    } else {
      encoder.PutUnionBranch(1);
      encoder.PutBytes("name-" + std::to_string(row));
    }
    encoder.PutArrayStart(row % 3);
    for (int item = 0; item < row % 3; ++item) encoder.PutInt(-item);
    encoder.PutArrayEnd();
    encoder.PutDouble(row * 0.5);
    encoder.PutInt(19000 + row);
    writer.Append(encoder.data());
  }
  auto bytes = writer.Finish();
  EXPECT_TRUE(bytes.ok());
  return *bytes;
}

void CheckSample(std::string bytes, int rows) {
  auto reader = AvroReader::Open(std::move(bytes), "sample.avro");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->Metadata("iceberg.x"), "y");
  EXPECT_EQ((*reader)->schema().fields[0].field_id, 1);
  EXPECT_EQ((*reader)->schema().fields[4].type->logical_type, "date");
  EXPECT_EQ((*reader)->schema().fields[2].type->element_id, 4);
  AvroValue value;
  for (int row = 0; row < rows; ++row) {
    auto more = (*reader)->Next(value);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    ASSERT_TRUE(*more);
    EXPECT_EQ(value.Field("id")->integer, int64_t{row} * 1000000007LL - 5);
    if (row % 2 == 0) {
      EXPECT_TRUE(value.Field("name")->is_null());
    } else {
      EXPECT_EQ(value.Field("name")->bytes, "name-" + std::to_string(row));
    }
    EXPECT_EQ(value.Field("tags")->items.size(), static_cast<size_t>(row % 3));
    EXPECT_DOUBLE_EQ(value.Field("score")->real, row * 0.5);
    EXPECT_EQ(value.Field("day")->integer, 19000 + row);
    EXPECT_EQ(value.Field("missing"), nullptr);
  }
  auto more = (*reader)->Next(value);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
}

TEST(AvroTest, ZigZagVarints) {
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, int64_t{63}, int64_t{-64}, int64_t{64},
                    INT64_MAX, INT64_MIN, int64_t{1} << 40}) {
    AvroEncoder encoder;
    encoder.PutLong(v);
    AvroDecoder decoder(encoder.data(), "x");
    auto back = decoder.Long();
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, v);
  }
  AvroEncoder encoder;
  encoder.PutLong(-64);
  EXPECT_EQ(encoder.data(), std::string("\x7f", 1));  // Avro spec example: -64 -> 7f
}

TEST(AvroTest, RoundTripNullCodec) { CheckSample(WriteSample(AvroCodec::kNull, 50), 50); }
TEST(AvroTest, RoundTripDeflate) { CheckSample(WriteSample(AvroCodec::kDeflate, 3000), 3000); }
TEST(AvroTest, EmptyFile) { CheckSample(WriteSample(AvroCodec::kDeflate, 0), 0); }

TEST(AvroTest, DeterministicBytes) {
  EXPECT_EQ(WriteSample(AvroCodec::kDeflate, 10), WriteSample(AvroCodec::kDeflate, 10));
}

Status ReadAll(std::string bytes) {
  ASSIGN_OR_RETURN(auto reader, AvroReader::Open(std::move(bytes), "bad.avro"));
  AvroValue value;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader->Next(value));
    if (!more) return Status::OK();
  }
}

TEST(AvroTest, BadMagicIsCorruption) {
  Status status = ReadAll("Obj\x02xxxxxxxxxxxxxxxxxxxxxxxx");
  EXPECT_TRUE(status.IsCorruption()) << status.ToString();
  EXPECT_NE(status.message().find("bad.avro"), std::string::npos);
}

TEST(AvroTest, EveryTruncationIsAnErrorNotACrash) {
  for (AvroCodec codec : {AvroCodec::kNull, AvroCodec::kDeflate}) {
    std::string bytes = WriteSample(codec, 20);
    const size_t header_size = WriteSample(codec, 0).size();  // a valid file with no blocks
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      if (cut == header_size) continue;
      Status status = ReadAll(bytes.substr(0, cut));
      EXPECT_FALSE(status.ok()) << "cut at " << cut;
    }
  }
}

TEST(AvroTest, FlippedBytesNeverCrash) {
  std::string bytes = WriteSample(AvroCodec::kNull, 20);
  for (size_t pos = 0; pos < bytes.size(); ++pos) {
    for (uint8_t flip : {0x01, 0x80, 0xff}) {
      std::string bad = bytes;
      bad[pos] = static_cast<char>(static_cast<uint8_t>(bad[pos]) ^ flip);
      (void)ReadAll(bad);  // any Status is fine; ASan/UBSan catch the rest
    }
  }
}

TEST(AvroTest, SyncMismatchNamesOffset) {
  std::string bytes = WriteSample(AvroCodec::kNull, 3);
  bytes[bytes.size() - 1] ^= 0x55;
  Status status = ReadAll(bytes);
  EXPECT_TRUE(status.IsCorruption());
  EXPECT_NE(status.message().find("sync marker"), std::string::npos) << status.ToString();
  EXPECT_NE(status.message().find("offset"), std::string::npos);
}

TEST(AvroTest, HugeBlockCountRejected) {
  // A header from a real file, then a block claiming 2^60 values in 1 byte.
  std::string bytes = WriteSample(AvroCodec::kNull, 0);
  AvroEncoder block;
  block.PutLong(int64_t{1} << 60);
  block.PutBytes("x");
  std::string sync = bytes.substr(bytes.size() - 16);
  bytes += block.data() + sync;
  EXPECT_TRUE(ReadAll(bytes).IsCorruption());
}

TEST(AvroTest, OversizedHeaderRejected) {
  AvroEncoder header;
  header.PutRaw(std::string_view("Obj\x01", 4));
  header.PutArrayStart(int64_t{1} << 40);  // claims 2^40 metadata entries
  header.PutBytes("avro.schema");
  auto reader = AvroReader::Open(header.Release(), "big.avro");
  EXPECT_TRUE(reader.status().IsCorruption()) << reader.status().ToString();
  AvroEncoder huge_string;
  huge_string.PutRaw(std::string_view("Obj\x01", 4));
  huge_string.PutArrayStart(1);
  huge_string.PutLong(int64_t{1} << 50);  // a key longer than the file
  reader = AvroReader::Open(huge_string.Release(), "big.avro");
  EXPECT_TRUE(reader.status().IsCorruption()) << reader.status().ToString();
}

// Regression (found by iceberg_avro_fuzz): a negative metadata block count followed by a
// truncated block size returned a Status that referred to a destroyed temporary.
TEST(AvroTest, NegativeMetadataCountThenTruncated) {
  AvroEncoder header;
  header.PutRaw(std::string_view("Obj\x01", 4));
  header.PutLong(-1);
  auto reader = AvroReader::Open(header.Release(), "neg.avro");
  EXPECT_TRUE(reader.status().IsCorruption()) << reader.status().ToString();
  EXPECT_NE(reader.status().message().find("neg.avro"), std::string::npos);
}

TEST(AvroTest, HostileSchemas) {
  for (const char* schema :
       {"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"x\",\"type\":\"r\"}]}",
        "{\"type\":\"fixed\",\"name\":\"f\",\"size\":-1}", "[]", "{\"type\":\"nope\"}",
        "{\"type\":\"record\",\"fields\":7}", "{\"type\":\"array\"}", "[\"int\",[\"long\"]]"}) {
    EXPECT_TRUE(ParseAvroSchema(schema, "s").status().IsCorruption()) << schema;
  }
  std::string deep;
  for (int level = 0; level < 200; ++level) deep += "{\"type\":\"array\",\"items\":";
  deep += "\"int\"";
  for (int level = 0; level < 200; ++level) deep += "}";
  EXPECT_TRUE(ParseAvroSchema(deep, "s").status().IsCorruption());
}

TEST(AvroTest, HugeArrayOfNullsRejected) {
  AvroWriter writer("{\"type\":\"array\",\"items\":\"null\"}", {}, AvroCodec::kNull);
  AvroEncoder value;
  value.PutArrayStart(int64_t{1} << 40);  // 2^40 nulls take no bytes
  value.PutArrayEnd();
  writer.Append(value.data());
  auto bytes = writer.Finish();
  ASSERT_TRUE(bytes.ok());
  EXPECT_TRUE(ReadAll(*bytes).IsCorruption());
}

TEST(AvroTest, UnsupportedCodec) {
  AvroEncoder header;
  header.PutRaw(std::string_view("Obj\x01", 4));
  header.PutArrayStart(2);
  header.PutBytes("avro.schema");
  header.PutBytes("\"int\"");
  header.PutBytes("avro.codec");
  header.PutBytes("snappy");
  header.PutArrayEnd();
  header.PutRaw(std::string(16, 'S'));
  auto reader = AvroReader::Open(header.Release(), "snappy.avro");
  EXPECT_EQ(reader.status().code(), StatusCode::kNotSupported);
}

}  // namespace
}  // namespace thingsdb::iceberg
