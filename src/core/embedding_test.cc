#include "core/embedding.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace thingsdb {
namespace {

TEST(EmbeddingTest, RoundTripsBitExactThroughBlobAndJson) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1e6f, 1e6f);
  std::vector<float> values(1536);
  for (auto& v : values) v = dist(rng);
  values[0] = 1e-38f;
  values[1] = -0.0f;
  values[2] = 3.4028235e38f;
  std::string blob = EmbeddingToBlob(values);
  ASSERT_EQ(blob.size(), values.size() * 4);
  auto back = EmbeddingFromBlob(blob);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(0, std::memcmp(back->data(), values.data(), blob.size()));
  auto parsed = ParseEmbeddingJson(EmbeddingToJson(values), "embedding");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(0, std::memcmp(parsed->data(), values.data(), blob.size()));
}

TEST(EmbeddingTest, BlobIsLittleEndian) {
  std::string blob = EmbeddingToBlob({1.0f});
  EXPECT_EQ(blob, std::string("\x00\x00\x80\x3f", 4));
}

TEST(EmbeddingTest, RejectsNonFiniteAndNonNumbers) {
  for (const char* bad : {"[1, \"a\"]", "[NaN]", "[Infinity]", "[1e39]", "{}", "[1,]", "[1] 2",
                          "", "[0x10]", "[inf]"}) {
    auto result = ParseEmbeddingJson(bad, "embedding");
    EXPECT_FALSE(result.ok()) << bad;
  }
  EXPECT_TRUE(ParseEmbeddingJson("[]", "embedding").ok());
  EXPECT_TRUE(ParseEmbeddingJson(" [ 1 , -2.5e-3 ] ", "embedding").ok());
  EXPECT_TRUE(EmbeddingFromBlob("abc").status().IsCorruption());
  EmbeddingLimits limits;
  limits.max_dimensions = 2;
  EXPECT_TRUE(ParseEmbeddingJson("[1,2,3]", "embedding", limits).status().IsLimitExceeded());
}

}  // namespace
}  // namespace thingsdb
