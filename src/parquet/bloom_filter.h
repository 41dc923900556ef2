// Split-block bloom filter exactly as BloomFilter.md defines it: 32-byte blocks of eight
// 32-bit words, block chosen by the upper 32 bits of the xxHash64 (seed 0) of the value's
// PLAIN bytes (no length prefix for byte arrays), eight salted bits set per insert.
// Owns its bytes; not thread-safe for writes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace thingsdb::parquet {

class BloomFilter {
 public:
  static constexpr size_t kMinBytes = 32;
  static constexpr size_t kMaxBytes = 128 << 20;

  // Bytes for `ndv` distinct values at false-positive rate `fpp`: a power of two,
  // clamped to [kMinBytes, max_bytes].
  static size_t OptimalBytes(uint64_t ndv, double fpp, size_t max_bytes = kMaxBytes);

  explicit BloomFilter(size_t num_bytes);  // num_bytes: a power of two >= 32
  // Adopts the bitset read from a file; InvalidArgument unless a power of two >= 32.
  static Result<BloomFilter> FromBytes(std::string bytes);

  static uint64_t Hash(std::string_view plain_bytes);
  static uint64_t HashInt64(int64_t v);
  static uint64_t HashInt32(int32_t v);
  static uint64_t HashDouble(double v);
  static uint64_t HashFloat(float v);

  void InsertHash(uint64_t hash);
  bool MightContainHash(uint64_t hash) const;
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

}  // namespace thingsdb::parquet
