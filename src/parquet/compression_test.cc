#include "parquet/compression.h"

#include <gtest/gtest.h>

namespace thingsdb::parquet {
namespace {

class CompressionTest : public ::testing::TestWithParam<Codec> {};

TEST_P(CompressionTest, RoundTrips) {
  std::string input;
  for (int i = 0; i < 10000; ++i) input += "value " + std::to_string(i % 97) + ";";
  for (int level : {0, 1, 5}) {
    std::string compressed = "prefix";
    ASSERT_TRUE(Compress(GetParam(), level, input, &compressed).ok());
    std::string out;
    ASSERT_TRUE(
        Decompress(GetParam(), std::string_view(compressed).substr(6), input.size(), &out).ok());
    EXPECT_EQ(out, input);
  }
  std::string empty;
  ASSERT_TRUE(Compress(GetParam(), 0, "", &empty).ok());
  std::string out;
  EXPECT_TRUE(Decompress(GetParam(), empty, 0, &out).ok());
}

TEST_P(CompressionTest, BadDataIsCorruption) {
  std::string input(5000, 'x');
  std::string compressed;
  ASSERT_TRUE(Compress(GetParam(), 0, input, &compressed).ok());
  std::string out;
  EXPECT_TRUE(Decompress(GetParam(), compressed, input.size() + 1, &out).IsCorruption());
  if (GetParam() == Codec::kUncompressed) return;
  std::string garbage = "this is not compressed data at all, not even close";
  EXPECT_TRUE(Decompress(GetParam(), garbage, 100, &out).IsCorruption());
  EXPECT_TRUE(
      Decompress(GetParam(), compressed.substr(0, compressed.size() / 2), input.size(), &out)
          .IsCorruption());
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressionTest,
                         ::testing::Values(Codec::kUncompressed, Codec::kSnappy, Codec::kGzip,
                                           Codec::kZstd));

TEST(CompressionTest, UnsupportedCodec) {
  std::string out;
  EXPECT_EQ(Compress(Codec::kBrotli, 0, "x", &out).code(), StatusCode::kNotSupported);
  EXPECT_EQ(Decompress(Codec::kLzo, "x", 1, &out).code(), StatusCode::kNotSupported);
}

}  // namespace
}  // namespace thingsdb::parquet
