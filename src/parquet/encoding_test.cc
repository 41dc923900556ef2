#include "parquet/encoding.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

namespace thingsdb::parquet {
namespace {

TEST(EncodingTest, RleBitPackedMatchesSpecExample) {
  // Encodings.md: 0..7 with bit width 3 bit-packed is 0x03 then 10001000 11000110 11111010.
  std::vector<uint32_t> values = {0, 1, 2, 3, 4, 5, 6, 7};
  std::string out;
  EncodeRleBitPacked(values.data(), values.size(), 3, &out);
  EXPECT_EQ(out, std::string("\x03\x88\xC6\xFA", 4));
}

TEST(EncodingTest, RleBitPackedRoundTripsRandomRuns) {
  std::mt19937 rng(7);
  for (int width = 0; width <= 32; ++width) {
    std::vector<uint32_t> values(1000 + width * 13);
    uint64_t max = width == 32 ? UINT32_MAX : (uint64_t{1} << width) - 1;
    for (size_t i = 0; i < values.size(); ++i) {
      values[i] = (i / 50) % 2 ? static_cast<uint32_t>(max) : static_cast<uint32_t>(rng() & max);
    }
    std::string out;
    EncodeRleBitPacked(values.data(), values.size(), width, &out);
    std::vector<uint32_t> back(values.size());
    RleBitPackedDecoder decoder(out, width);
    ASSERT_TRUE(decoder.Get(back.data(), back.size()).ok()) << width;
    EXPECT_EQ(back, values) << width;
  }
}

TEST(EncodingTest, RleDecoderRejectsTruncation) {
  std::vector<uint32_t> values(100, 5);
  std::string out;
  EncodeRleBitPacked(values.data(), values.size(), 3, &out);
  std::vector<uint32_t> back(200);
  RleBitPackedDecoder decoder(out, 3);
  EXPECT_TRUE(decoder.Get(back.data(), back.size()).IsCorruption());
}

TEST(EncodingTest, DeltaBinaryPackedRoundTrips) {
  std::mt19937_64 rng(11);
  std::vector<std::vector<int64_t>> cases = {
      {},
      {42},
      {1, 2, 3, 4, 5},
      {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), 0, -1},
  };
  std::vector<int64_t> random(5000);
  for (auto& v : random) v = static_cast<int64_t>(rng());
  cases.push_back(random);
  std::vector<int64_t> sorted(3000);
  for (size_t i = 0; i < sorted.size(); ++i) sorted[i] = 1700000000000 + i * 17 + (rng() % 5);
  cases.push_back(sorted);
  for (const auto& values : cases) {
    std::string out;
    EncodeDeltaBinaryPacked(values.data(), values.size(), false, &out);
    std::vector<int64_t> back;
    size_t used = 0;
    ASSERT_TRUE(DecodeDeltaBinaryPacked(out, values.size(), false, &back, &used).ok());
    EXPECT_EQ(back, values);
    EXPECT_EQ(used, out.size());
  }
  std::vector<int64_t> ints = {INT32_MIN, INT32_MAX, 0, -5, 7, INT32_MAX, INT32_MIN};
  std::string out;
  EncodeDeltaBinaryPacked(ints.data(), ints.size(), true, &out);
  std::vector<int64_t> back;
  size_t used = 0;
  ASSERT_TRUE(DecodeDeltaBinaryPacked(out, ints.size(), true, &back, &used).ok());
  EXPECT_EQ(back, ints);
}

TEST(EncodingTest, DeltaBinaryPackedSpecExample) {
  // Encodings.md example 1: 1..5 -> header (128, 4, 5, 1) then min delta 1 and widths 0.
  std::string bytes = std::string("\x80\x01\x04\x05\x02\x02\x00\x00\x00\x00", 10);
  std::vector<int64_t> back;
  size_t used = 0;
  ASSERT_TRUE(DecodeDeltaBinaryPacked(bytes, 5, false, &back, &used).ok());
  EXPECT_EQ(back, (std::vector<int64_t>{1, 2, 3, 4, 5}));
}

TEST(EncodingTest, ByteArrayDeltasRoundTrip) {
  std::vector<std::string> owned = {"", "apple", "applesauce", "apply", "banana", "band", ""};
  std::vector<std::string_view> values(owned.begin(), owned.end());
  std::string dlba, dba;
  EncodeDeltaLengthByteArray(values, &dlba);
  EncodeDeltaByteArray(values, &dba);
  std::vector<std::string_view> back;
  ASSERT_TRUE(DecodeDeltaLengthByteArray(dlba, values.size(), &back).ok());
  EXPECT_EQ(back, values);
  std::shared_ptr<const std::string> storage;
  std::vector<std::string_view> back2;
  ASSERT_TRUE(DecodeDeltaByteArray(dba, values.size(), &storage, &back2).ok());
  EXPECT_EQ(back2, values);
  EXPECT_FALSE(
      DecodeDeltaLengthByteArray(dlba.substr(0, dlba.size() - 1), values.size(), &back).ok());
}

// Regression (fuzzer): an empty page of a fixed-width type must not memcpy from null.
TEST(EncodingTest, PlainEmptyPage) {
  for (Type type : {Type::kInt64, Type::kDouble, Type::kInt32, Type::kBoolean}) {
    ColumnBatch batch;
    batch.type = type;
    EXPECT_TRUE(DecodePlain(type, 0, std::string_view(), 0, &batch).ok());
    EXPECT_EQ(batch.size(), 0u);
  }
}

TEST(EncodingTest, PlainAndByteStreamSplit) {
  std::string plain;
  PlainByteArray("abc", &plain);
  PlainByteArray("", &plain);
  ColumnBatch batch;
  batch.type = Type::kByteArray;
  ASSERT_TRUE(DecodePlain(Type::kByteArray, 0, plain, 2, &batch).ok());
  EXPECT_EQ(batch.strings[0], "abc");
  EXPECT_EQ(batch.strings[1], "");
  EXPECT_TRUE(DecodePlain(Type::kByteArray, 0, plain, 3, &batch).IsCorruption());
  EXPECT_TRUE(DecodePlain(Type::kInt64, 0, "1234567", 1, &batch).IsCorruption());

  std::vector<float> floats = {1.5f, -2.25f, 3.0f};
  std::string split(12, '\0');
  for (size_t i = 0; i < 3; ++i) {
    for (size_t b = 0; b < 4; ++b) split[b * 3 + i] = reinterpret_cast<const char*>(&floats[i])[b];
  }
  ColumnBatch f;
  f.type = Type::kFloat;
  ASSERT_TRUE(DecodeByteStreamSplit(Type::kFloat, 0, split, 3, &f).ok());
  EXPECT_EQ(f.doubles, (std::vector<double>{1.5, -2.25, 3.0}));

  std::vector<uint8_t> bits = {1, 0, 1, 1, 0, 0, 0, 0, 1};
  std::string packed;
  PlainBooleans(bits, &packed);
  ColumnBatch b;
  b.type = Type::kBoolean;
  ASSERT_TRUE(DecodePlain(Type::kBoolean, 0, packed, bits.size(), &b).ok());
  EXPECT_EQ(b.ints, (std::vector<int64_t>{1, 0, 1, 1, 0, 0, 0, 0, 1}));
}

}  // namespace
}  // namespace thingsdb::parquet
