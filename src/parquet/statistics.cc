#include "parquet/statistics.h"

#include <cmath>

#include "parquet/encoding.h"

namespace thingsdb::parquet {

void StatsAccumulator::AddDouble(double v) {
  if (std::isnan(v)) return;
  if (!has_ || v < dmin_) dmin_ = v;
  if (!has_ || v > dmax_) dmax_ = v;
  has_ = true;
}

void StatsAccumulator::Merge(const StatsAccumulator& other) {
  nulls_ += other.nulls_;
  if (!other.has_) return;
  switch (type_) {
    case Type::kFloat:
    case Type::kDouble:
      AddDouble(other.dmin_);
      AddDouble(other.dmax_);
      break;
    case Type::kByteArray:
    case Type::kFixedLenByteArray:
    case Type::kInt96:
      AddBytes(other.smin_);
      AddBytes(other.smax_);
      break;
    default:
      AddInt(other.imin_);
      AddInt(other.imax_);
  }
}

Statistics StatsAccumulator::ToStatistics(size_t truncate) const {
  Statistics s;
  s.null_count = nulls_;
  if (!has_) return s;
  std::string min, max;
  switch (type_) {
    case Type::kBoolean:
      min.push_back(static_cast<char>(imin_));
      max.push_back(static_cast<char>(imax_));
      break;
    case Type::kInt32:
      PlainInt32(static_cast<int32_t>(imin_), &min);
      PlainInt32(static_cast<int32_t>(imax_), &max);
      break;
    case Type::kInt64:
      PlainInt64(imin_, &min);
      PlainInt64(imax_, &max);
      break;
    case Type::kFloat:  // the spec: a zero min is written -0.0, a zero max +0.0
      PlainFloat(dmin_ == 0 ? -0.0f : static_cast<float>(dmin_), &min);
      PlainFloat(dmax_ == 0 ? 0.0f : static_cast<float>(dmax_), &max);
      break;
    case Type::kDouble:
      PlainDouble(dmin_ == 0 ? -0.0 : dmin_, &min);
      PlainDouble(dmax_ == 0 ? 0.0 : dmax_, &max);
      break;
    default: {
      s.min_value = TruncateMin(smin_, truncate);
      s.is_min_exact = s.min_value->size() == smin_.size();
      std::optional<std::string> upper = TruncateMax(smax_, truncate);
      if (upper) {
        s.max_value = std::move(upper);
        s.is_max_exact = s.max_value->size() == smax_.size();
      }
      return s;
    }
  }
  s.min_value = std::move(min);
  s.max_value = std::move(max);
  return s;
}

namespace {

// Backs up to the start of a UTF-8 sequence so a cut never splits a character.
size_t Utf8Cut(std::string_view v, size_t n) {
  size_t cut = n;
  while (cut > 0 && (static_cast<uint8_t>(v[cut]) & 0xC0) == 0x80) --cut;
  return cut == 0 ? n : cut;
}

}  // namespace

std::string TruncateMin(std::string_view v, size_t n) {
  if (v.size() <= n) return std::string(v);
  return std::string(v.substr(0, Utf8Cut(v, n)));
}

std::optional<std::string> TruncateMax(std::string_view v, size_t n) {
  if (v.size() <= n) return std::string(v);
  std::string out(v.substr(0, Utf8Cut(v, n)));
  while (!out.empty()) {
    auto last = static_cast<uint8_t>(out.back());
    if (last != 0xFF) {
      out.back() = static_cast<char>(last + 1);
      return out;
    }
    out.pop_back();
  }
  return std::nullopt;
}

}  // namespace thingsdb::parquet
