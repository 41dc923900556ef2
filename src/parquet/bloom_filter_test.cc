#include "parquet/bloom_filter.h"

#include <gtest/gtest.h>

#include <cstring>

namespace thingsdb::parquet {
namespace {

TEST(BloomFilterTest, UsesXxHash64WithSeedZero) {
  // Known xxHash64 values (seed 0) from the xxHash reference.
  EXPECT_EQ(BloomFilter::Hash(""), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(BloomFilter::Hash("a"), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(BloomFilter::HashInt64(1), BloomFilter::Hash(std::string("\x01\0\0\0\0\0\0\0", 8)));
}

TEST(BloomFilterTest, SetsBitsAsTheSpecSays) {
  // One block: the eight words each get exactly the bit (key * salt[i]) >> 27.
  BloomFilter bloom(32);
  uint64_t hash = 0x123456789ABCDEF0ULL;
  bloom.InsertHash(hash);
  static const uint32_t kSalt[8] = {0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU,
                                    0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U};
  uint32_t key = static_cast<uint32_t>(hash);
  for (int i = 0; i < 8; ++i) {
    uint32_t word;
    std::memcpy(&word, bloom.bytes().data() + 4 * i, 4);
    EXPECT_EQ(word, uint32_t{1} << ((key * kSalt[i]) >> 27));
  }
}

TEST(BloomFilterTest, NoFalseNegativesAndSaneFalsePositiveRate) {
  const int n = 20000;
  BloomFilter bloom(BloomFilter::OptimalBytes(n, 0.01));
  for (int i = 0; i < n; ++i) bloom.InsertHash(BloomFilter::Hash("key" + std::to_string(i)));
  for (int i = 0; i < n; ++i)
    ASSERT_TRUE(bloom.MightContainHash(BloomFilter::Hash("key" + std::to_string(i))));
  int false_positives = 0;
  for (int i = 0; i < 100000; ++i) {
    false_positives += bloom.MightContainHash(BloomFilter::Hash("other" + std::to_string(i)));
  }
  EXPECT_LT(false_positives, 2000);  // fpp 1% asked, < 2% measured
}

TEST(BloomFilterTest, OptimalBytesIsAPowerOfTwoInRange) {
  EXPECT_EQ(BloomFilter::OptimalBytes(0, 0.01), 32u);
  size_t bytes = BloomFilter::OptimalBytes(1000000, 0.01);
  EXPECT_EQ(bytes & (bytes - 1), 0u);
  EXPECT_GE(bytes * 8, 9000000u);
  EXPECT_EQ(BloomFilter::OptimalBytes(1u << 30, 0.001, 1 << 20), 1u << 20);
  EXPECT_FALSE(BloomFilter::FromBytes(std::string(48, '\0')).ok());
  EXPECT_TRUE(BloomFilter::FromBytes(std::string(64, '\0')).ok());
}

}  // namespace
}  // namespace thingsdb::parquet
