#include "iceberg/transforms.h"

#include <fmt/format.h>

#include <charconv>

namespace thingsdb::iceberg {
namespace {

constexpr int64_t kMicrosPerHour = int64_t{3600} * 1000000;
constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

bool IsTimestamp(TypeId id) { return id == TypeId::kTimestamp || id == TypeId::kTimestampTz; }

// Days since the epoch of a date or timestamp literal.
Result<int64_t> EpochDays(const Literal& value) {
  if (value.type == TypeId::kDate) return value.integer;
  if (IsTimestamp(value.type)) return FloorDiv(value.integer, kMicrosPerDay);
  return Status::InvalidArgument("a date transform needs a date or timestamp value");
}

uint32_t RotateLeft(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

// Truncates a UTF-8 string to `width` code points.
std::string TruncateUtf8(const std::string& text, int32_t width) {
  size_t pos = 0;
  int32_t code_points = 0;
  while (pos < text.size() && code_points < width) {
    uint8_t lead = static_cast<uint8_t>(text[pos]);
    size_t len = lead < 0x80 ? 1 : (lead >> 5) == 6 ? 2 : (lead >> 4) == 14 ? 3 : 4;
    pos = std::min(text.size(), pos + len);
    ++code_points;
  }
  return text.substr(0, pos);
}

// Minimal big-endian two's-complement bytes of a value (decimal unscaled form).
std::string MinimalBigEndian(int64_t value) {
  std::string out;
  for (int byte_idx = 7; byte_idx >= 0; --byte_idx)
    out.push_back(static_cast<char>(value >> (8 * byte_idx)));
  while (out.size() > 1) {
    uint8_t first = static_cast<uint8_t>(out[0]), second = static_cast<uint8_t>(out[1]);
    if ((first == 0x00 && !(second & 0x80)) || (first == 0xff && (second & 0x80))) {
      out.erase(0, 1);
    } else {
      break;
    }
  }
  return out;
}

}  // namespace

int32_t DaysFromCivil(int32_t year, uint32_t month, uint32_t day) {
  year -= month <= 2;
  const int32_t era = (year >= 0 ? year : year - 399) / 400;
  const uint32_t year_of_era = static_cast<uint32_t>(year - era * 400);
  const uint32_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const uint32_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int32_t>(day_of_era) - 719468;
}

void CivilFromDays(int64_t days, int32_t& year, uint32_t& month, uint32_t& day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const uint32_t day_of_era = static_cast<uint32_t>(days - era * 146097);
  const uint32_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const uint32_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const uint32_t mp = (5 * day_of_year + 2) / 153;
  day = day_of_year - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<int32_t>(year_of_era + era * 400 + (month <= 2));
}

uint32_t Murmur3X86_32(std::string_view data, uint32_t seed) {
  const uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
  const size_t block_count = data.size() / 4;
  uint32_t h1 = seed;
  for (size_t block_idx = 0; block_idx < block_count; ++block_idx) {
    const auto* p = reinterpret_cast<const uint8_t*>(data.data()) + block_idx * 4;
    uint32_t k1 = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                  (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
    k1 *= c1;
    k1 = RotateLeft(k1, 15);
    k1 *= c2;
    h1 ^= k1;
    h1 = RotateLeft(h1, 13);
    h1 = h1 * 5 + 0xe6546b64;
  }
  const auto* tail = reinterpret_cast<const uint8_t*>(data.data()) + block_count * 4;
  uint32_t k1 = 0;
  switch (data.size() & 3) {
    case 3:
      k1 ^= static_cast<uint32_t>(tail[2]) << 16;
      [[fallthrough]];
    case 2:
      k1 ^= static_cast<uint32_t>(tail[1]) << 8;
      [[fallthrough]];
    case 1:
      k1 ^= tail[0];
      k1 *= c1;
      k1 = RotateLeft(k1, 15);
      k1 *= c2;
      h1 ^= k1;
  }
  h1 ^= static_cast<uint32_t>(data.size());
  h1 ^= h1 >> 16;
  h1 *= 0x85ebca6b;
  h1 ^= h1 >> 13;
  h1 *= 0xc2b2ae35;
  h1 ^= h1 >> 16;
  return h1;
}

Result<int32_t> BucketHash(const Literal& value) {
  std::string bytes;
  switch (value.type) {
    case TypeId::kInt:
    case TypeId::kLong:
    case TypeId::kDate:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      for (int byte_idx = 0; byte_idx < 8; ++byte_idx) {
        bytes.push_back(static_cast<char>(static_cast<uint64_t>(value.integer) >> (8 * byte_idx)));
      }
      break;
    case TypeId::kString:
    case TypeId::kBinary:
    case TypeId::kFixed:
    case TypeId::kUuid:
    case TypeId::kDecimal:
      bytes = value.bytes;
      break;
    default:
      return Status::InvalidArgument(
          fmt::format("bucket does not apply to {}", Type::Primitive(value.type)->ToString()));
  }
  return static_cast<int32_t>(Murmur3X86_32(bytes));
}

Result<Transform> Transform::Parse(std::string_view text) {
  Transform out;
  auto parse_param = [&](std::string_view prefix, TransformKind kind) -> bool {
    if (!text.starts_with(prefix) || !text.ends_with("]")) return false;
    std::string_view digits = text.substr(prefix.size(), text.size() - prefix.size() - 1);
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out.param);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || out.param <= 0) return false;
    out.kind = kind;
    return true;
  };
  if (text == "identity")
    out.kind = TransformKind::kIdentity;
  else if (text == "year")
    out.kind = TransformKind::kYear;
  else if (text == "month")
    out.kind = TransformKind::kMonth;
  else if (text == "day")
    out.kind = TransformKind::kDay;
  else if (text == "hour")
    out.kind = TransformKind::kHour;
  else if (text == "void")
    out.kind = TransformKind::kVoid;
  else if (!parse_param("bucket[", TransformKind::kBucket) &&
           !parse_param("truncate[", TransformKind::kTruncate)) {
    return Status::NotSupported(fmt::format("unknown partition transform '{}'", text));
  }
  return out;
}

std::string Transform::ToString() const {
  switch (kind) {
    case TransformKind::kIdentity:
      return "identity";
    case TransformKind::kBucket:
      return fmt::format("bucket[{}]", param);
    case TransformKind::kTruncate:
      return fmt::format("truncate[{}]", param);
    case TransformKind::kYear:
      return "year";
    case TransformKind::kMonth:
      return "month";
    case TransformKind::kDay:
      return "day";
    case TransformKind::kHour:
      return "hour";
    case TransformKind::kVoid:
      return "void";
  }
  return "void";
}

Result<TypePtr> Transform::ResultType(const TypePtr& source) const {
  auto need = [&](bool ok) -> Status {
    if (ok) return Status::OK();
    return Status::InvalidArgument(
        fmt::format("transform {} does not apply to {}", ToString(), source->ToString()));
  };
  TypeId id = source->id;
  switch (kind) {
    case TransformKind::kIdentity:
    case TransformKind::kVoid:
      RETURN_IF_ERROR(need(source->is_primitive()));
      return source;
    case TransformKind::kTruncate:
      RETURN_IF_ERROR(need(id == TypeId::kInt || id == TypeId::kLong || id == TypeId::kString ||
                           id == TypeId::kBinary || id == TypeId::kDecimal));
      return source;
    case TransformKind::kBucket:
      RETURN_IF_ERROR(need(source->is_primitive() && id != TypeId::kBoolean &&
                           id != TypeId::kFloat && id != TypeId::kDouble));
      return Type::Primitive(TypeId::kInt);
    case TransformKind::kYear:
    case TransformKind::kMonth:
      RETURN_IF_ERROR(need(id == TypeId::kDate || IsTimestamp(id)));
      return Type::Primitive(TypeId::kInt);
    case TransformKind::kDay:
      RETURN_IF_ERROR(need(id == TypeId::kDate || IsTimestamp(id)));
      return Type::Primitive(TypeId::kDate);
    case TransformKind::kHour:
      RETURN_IF_ERROR(need(IsTimestamp(id)));
      return Type::Primitive(TypeId::kInt);
  }
  return Status::InvalidArgument("unknown transform");
}

Result<Literal> Transform::Apply(const Literal& value) const {
  switch (kind) {
    case TransformKind::kIdentity:
      return value;
    case TransformKind::kVoid:
      return Status::InvalidArgument("void transform has no value");
    case TransformKind::kBucket: {
      ASSIGN_OR_RETURN(int32_t hash, BucketHash(value));
      return Literal::Int((hash & INT32_MAX) % param);
    }
    case TransformKind::kTruncate: {
      Literal out = value;
      if (value.type == TypeId::kInt || value.type == TypeId::kLong) {
        out.integer = value.integer - FloorMod(value.integer, param);
      } else if (value.type == TypeId::kString) {
        out.bytes = TruncateUtf8(value.bytes, param);
      } else if (value.type == TypeId::kBinary) {
        out.bytes = value.bytes.substr(0, std::min<size_t>(value.bytes.size(), param));
      } else if (value.type == TypeId::kDecimal && value.bytes.size() <= 8) {
        int64_t unscaled = 0;
        for (char c : value.bytes)
          unscaled =
              static_cast<int64_t>(static_cast<uint64_t>(unscaled) << 8) | static_cast<uint8_t>(c);
        if (!value.bytes.empty() && (static_cast<uint8_t>(value.bytes[0]) & 0x80)) {
          int shift = 64 - 8 * static_cast<int>(value.bytes.size());
          if (shift > 0 && shift < 64)
            unscaled = static_cast<int64_t>(static_cast<uint64_t>(unscaled) << shift) >> shift;
        }
        out.bytes = MinimalBigEndian(unscaled - FloorMod(unscaled, param));
      } else {
        return Status::InvalidArgument(fmt::format("truncate does not apply to this value"));
      }
      return out;
    }
    case TransformKind::kYear:
    case TransformKind::kMonth:
    case TransformKind::kDay: {
      ASSIGN_OR_RETURN(int64_t days, EpochDays(value));
      if (kind == TransformKind::kDay) return Literal::Date(static_cast<int32_t>(days));
      int32_t year;
      uint32_t month, day;
      CivilFromDays(days, year, month, day);
      if (kind == TransformKind::kYear) return Literal::Int(year - 1970);
      return Literal::Int((year - 1970) * 12 + static_cast<int32_t>(month) - 1);
    }
    case TransformKind::kHour:
      if (!IsTimestamp(value.type)) return Status::InvalidArgument("hour needs a timestamp");
      return Literal::Int(static_cast<int32_t>(FloorDiv(value.integer, kMicrosPerHour)));
  }
  return Status::InvalidArgument("unknown transform");
}

std::optional<std::pair<CompareOp, Literal>> Transform::Project(CompareOp op,
                                                                const Literal& value) const {
  if (kind == TransformKind::kVoid) return std::nullopt;
  if (kind == TransformKind::kBucket && op != CompareOp::kEq) return std::nullopt;
  if (kind == TransformKind::kIdentity) return std::make_pair(op, value);
  // Integral sources: `< v` is `<= v-1` and `> v` is `>= v+1`, which projects tighter.
  Literal adjusted = value;
  bool integral = value.type == TypeId::kInt || value.type == TypeId::kLong ||
                  value.type == TypeId::kDate || value.type == TypeId::kTime ||
                  IsTimestamp(value.type);
  if (integral && op == CompareOp::kLt && value.integer > INT64_MIN) {
    adjusted.integer -= 1;
    op = CompareOp::kLe;
  } else if (integral && op == CompareOp::kGt && value.integer < INT64_MAX) {
    adjusted.integer += 1;
    op = CompareOp::kGe;
  }
  auto applied = Apply(adjusted);
  if (!applied.ok()) return std::nullopt;
  if (op == CompareOp::kEq) return std::make_pair(op, *applied);
  // Order-preserving but lossy (truncate, dates): strict bounds become inclusive.
  CompareOp projected =
      (op == CompareOp::kLt || op == CompareOp::kLe) ? CompareOp::kLe : CompareOp::kGe;
  return std::make_pair(projected, *applied);
}

}  // namespace thingsdb::iceberg
