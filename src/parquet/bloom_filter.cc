#include "parquet/bloom_filter.h"

#include <xxhash.h>

#include <cmath>
#include <cstring>

namespace thingsdb::parquet {
namespace {

constexpr uint32_t kSalt[8] = {0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU,
                               0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U};

uint32_t Word(const std::string& bytes, size_t block, int i) {
  uint32_t w;
  std::memcpy(&w, bytes.data() + block * 32 + i * 4, 4);
  return w;
}

}  // namespace

size_t BloomFilter::OptimalBytes(uint64_t ndv, double fpp, size_t max_bytes) {
  double bits = -8.0 * static_cast<double>(ndv) / std::log(1.0 - std::pow(fpp, 1.0 / 8.0));
  size_t bytes = kMinBytes;
  while (bytes < max_bytes && static_cast<double>(bytes) * 8 < bits) bytes <<= 1;
  return bytes;
}

BloomFilter::BloomFilter(size_t num_bytes) : bytes_(num_bytes, '\0') {}

Result<BloomFilter> BloomFilter::FromBytes(std::string bytes) {
  size_t n = bytes.size();
  if (n < kMinBytes || (n & (n - 1)) != 0) {
    return Status::InvalidArgument("bloom filter size is not a power of two >= 32");
  }
  BloomFilter filter(0);
  filter.bytes_ = std::move(bytes);
  return filter;
}

uint64_t BloomFilter::Hash(std::string_view plain_bytes) {
  return XXH64(plain_bytes.data(), plain_bytes.size(), 0);
}
uint64_t BloomFilter::HashInt64(int64_t v) { return XXH64(&v, 8, 0); }
uint64_t BloomFilter::HashInt32(int32_t v) { return XXH64(&v, 4, 0); }
uint64_t BloomFilter::HashDouble(double v) { return XXH64(&v, 8, 0); }
uint64_t BloomFilter::HashFloat(float v) { return XXH64(&v, 4, 0); }

void BloomFilter::InsertHash(uint64_t hash) {
  size_t blocks = bytes_.size() / 32;
  size_t block = static_cast<size_t>(((hash >> 32) * blocks) >> 32);
  uint32_t key = static_cast<uint32_t>(hash);
  for (int i = 0; i < 8; ++i) {
    uint32_t word = Word(bytes_, block, i) | (uint32_t{1} << ((key * kSalt[i]) >> 27));
    std::memcpy(bytes_.data() + block * 32 + i * 4, &word, 4);
  }
}

bool BloomFilter::MightContainHash(uint64_t hash) const {
  size_t blocks = bytes_.size() / 32;
  size_t block = static_cast<size_t>(((hash >> 32) * blocks) >> 32);
  uint32_t key = static_cast<uint32_t>(hash);
  for (int i = 0; i < 8; ++i) {
    if ((Word(bytes_, block, i) & (uint32_t{1} << ((key * kSalt[i]) >> 27))) == 0) return false;
  }
  return true;
}

}  // namespace thingsdb::parquet
