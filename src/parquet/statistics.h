// Exact min/max/null-count accumulation in each physical type's sort order (signed ints,
// IEEE floats without NaN, unsigned bytewise byte arrays) and the spec's truncation of long
// byte-array bounds (min cut, max cut and rounded up). Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "parquet/file_metadata.h"

namespace thingsdb::parquet {

class StatsAccumulator {
 public:
  explicit StatsAccumulator(Type type) : type_(type) {}

  void AddInt(int64_t v) {
    if (!has_ || v < imin_) imin_ = v;
    if (!has_ || v > imax_) imax_ = v;
    has_ = true;
  }
  void AddDouble(double v);
  void AddBytes(std::string_view v) {
    if (!has_ || v < smin_) smin_.assign(v);
    if (!has_ || v > smax_) smax_.assign(v);
    has_ = true;
  }
  void AddNulls(int64_t n) { nulls_ += n; }
  void Merge(const StatsAccumulator& other);
  void Reset() { *this = StatsAccumulator(type_); }

  bool has_min_max() const { return has_; }
  int64_t null_count() const { return nulls_; }
  // PLAIN-encoded bounds; byte arrays longer than `truncate` bytes are truncated.
  Statistics ToStatistics(size_t truncate) const;

 private:
  Type type_;
  bool has_ = false;
  int64_t imin_ = 0, imax_ = 0;
  double dmin_ = 0, dmax_ = 0;
  std::string smin_, smax_;
  int64_t nulls_ = 0;
};

// A prefix of v no longer than n bytes (at a UTF-8 boundary when possible): a lower bound.
std::string TruncateMin(std::string_view v, size_t n);
// A value >= v no longer than n bytes, or nullopt when none exists (all 0xFF).
std::optional<std::string> TruncateMax(std::string_view v, size_t n);

}  // namespace thingsdb::parquet
