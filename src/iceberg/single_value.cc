#include "iceberg/single_value.h"

#include <fmt/format.h>

#include <cstring>

namespace thingsdb::iceberg {
namespace {

bool IsIntegral(TypeId id) {
  return id == TypeId::kInt || id == TypeId::kLong || id == TypeId::kDate || id == TypeId::kTime ||
         id == TypeId::kTimestamp || id == TypeId::kTimestampTz;
}
bool IsReal(TypeId id) { return id == TypeId::kFloat || id == TypeId::kDouble; }

void PutLittleEndian(std::string& out, uint64_t value, int width) {
  for (int byte_idx = 0; byte_idx < width; ++byte_idx)
    out.push_back(static_cast<char>(value >> (8 * byte_idx)));
}

uint64_t GetLittleEndian(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t byte_idx = 0; byte_idx < bytes.size(); ++byte_idx) {
    value |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[byte_idx])) << (8 * byte_idx);
  }
  return value;
}

// Two's-complement big-endian integers of any length, sign-extended for comparison.
int CompareSignedBigEndian(std::string_view a, std::string_view b) {
  auto sign_byte = [](std::string_view v) -> uint8_t {
    return (!v.empty() && (static_cast<uint8_t>(v[0]) & 0x80)) ? 0xff : 0x00;
  };
  uint8_t sign_a = sign_byte(a), sign_b = sign_byte(b);
  if (sign_a != sign_b) return sign_a ? -1 : 1;
  size_t width = std::max(a.size(), b.size());
  for (size_t byte_idx = 0; byte_idx < width; ++byte_idx) {
    size_t pad_a = width - a.size(), pad_b = width - b.size();
    uint8_t byte_a = byte_idx < pad_a ? sign_a : static_cast<uint8_t>(a[byte_idx - pad_a]);
    uint8_t byte_b = byte_idx < pad_b ? sign_b : static_cast<uint8_t>(b[byte_idx - pad_b]);
    if (byte_a != byte_b) return byte_a < byte_b ? -1 : 1;
  }
  return 0;
}

}  // namespace

Literal Literal::Boolean(bool value) {
  Literal out;
  out.type = TypeId::kBoolean;
  out.boolean = value;
  return out;
}
Literal Literal::Int(int32_t value) {
  Literal out;
  out.type = TypeId::kInt;
  out.integer = value;
  return out;
}
Literal Literal::Long(int64_t value) {
  Literal out;
  out.type = TypeId::kLong;
  out.integer = value;
  return out;
}
Literal Literal::Date(int32_t days) {
  Literal out;
  out.type = TypeId::kDate;
  out.integer = days;
  return out;
}
Literal Literal::Timestamp(int64_t micros, bool with_zone) {
  Literal out;
  out.type = with_zone ? TypeId::kTimestampTz : TypeId::kTimestamp;
  out.integer = micros;
  return out;
}
Literal Literal::Double(double value) {
  Literal out;
  out.type = TypeId::kDouble;
  out.real = value;
  return out;
}
Literal Literal::Float(float value) {
  Literal out;
  out.type = TypeId::kFloat;
  out.real = value;
  return out;
}
Literal Literal::String(std::string value) {
  Literal out;
  out.type = TypeId::kString;
  out.bytes = std::move(value);
  return out;
}
Literal Literal::Binary(std::string value) {
  Literal out;
  out.type = TypeId::kBinary;
  out.bytes = std::move(value);
  return out;
}

std::string Literal::ToString() const {
  if (type == TypeId::kBoolean) return boolean ? "true" : "false";
  if (IsIntegral(type)) return std::to_string(integer);
  if (IsReal(type)) return fmt::format("{}", real);
  if (type == TypeId::kString) return bytes;
  std::string hex;
  for (char c : bytes) hex += fmt::format("{:02x}", static_cast<uint8_t>(c));
  return "0x" + hex;
}

int Literal::Compare(const Literal& a, const Literal& b) {
  if (a.type == TypeId::kBoolean || b.type == TypeId::kBoolean) {
    return static_cast<int>(a.boolean) - static_cast<int>(b.boolean);
  }
  if (IsIntegral(a.type) && IsIntegral(b.type)) {
    return a.integer < b.integer ? -1 : (a.integer > b.integer ? 1 : 0);
  }
  if ((IsReal(a.type) || IsIntegral(a.type)) && (IsReal(b.type) || IsIntegral(b.type))) {
    double x = IsReal(a.type) ? a.real : static_cast<double>(a.integer);
    double y = IsReal(b.type) ? b.real : static_cast<double>(b.integer);
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.type == TypeId::kDecimal && b.type == TypeId::kDecimal) {
    return CompareSignedBigEndian(a.bytes, b.bytes);
  }
  int cmp = std::memcmp(a.bytes.data(), b.bytes.data(), std::min(a.bytes.size(), b.bytes.size()));
  if (cmp != 0) return cmp < 0 ? -1 : 1;
  return a.bytes.size() < b.bytes.size() ? -1 : (a.bytes.size() > b.bytes.size() ? 1 : 0);
}

Result<Literal> CastLiteral(const Literal& value, const Type& type) {
  Literal out = value;
  out.type = type.id;
  if (type.id == value.type) return out;
  if (IsIntegral(type.id) && IsIntegral(value.type)) {
    if ((type.id == TypeId::kInt || type.id == TypeId::kDate) &&
        (value.integer < INT32_MIN || value.integer > INT32_MAX)) {
      return Status::InvalidArgument(
          fmt::format("{} does not fit in {}", value.integer, type.ToString()));
    }
    return out;
  }
  if (IsReal(type.id) && (IsReal(value.type) || IsIntegral(value.type))) {
    if (IsIntegral(value.type)) out.real = static_cast<double>(value.integer);
    return out;
  }
  bool bytes_like_target = type.id == TypeId::kString || type.id == TypeId::kBinary ||
                           type.id == TypeId::kFixed || type.id == TypeId::kUuid;
  bool bytes_like_source = value.type == TypeId::kString || value.type == TypeId::kBinary ||
                           value.type == TypeId::kFixed || value.type == TypeId::kUuid;
  if (bytes_like_target && bytes_like_source) return out;
  return Status::InvalidArgument(fmt::format(
      "cannot use a {} literal as {}", Type::Primitive(value.type)->ToString(), type.ToString()));
}

Result<std::string> SerializeSingleValue(const Literal& value, const Type& type) {
  ASSIGN_OR_RETURN(Literal cast, CastLiteral(value, type));
  std::string out;
  switch (type.id) {
    case TypeId::kBoolean:
      out.push_back(cast.boolean ? '\1' : '\0');
      return out;
    case TypeId::kInt:
    case TypeId::kDate:
      PutLittleEndian(out, static_cast<uint64_t>(cast.integer), 4);
      return out;
    case TypeId::kLong:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      PutLittleEndian(out, static_cast<uint64_t>(cast.integer), 8);
      return out;
    case TypeId::kFloat: {
      float real = static_cast<float>(cast.real);
      uint32_t bits;
      std::memcpy(&bits, &real, 4);
      PutLittleEndian(out, bits, 4);
      return out;
    }
    case TypeId::kDouble: {
      uint64_t bits;
      std::memcpy(&bits, &cast.real, 8);
      PutLittleEndian(out, bits, 8);
      return out;
    }
    case TypeId::kUuid:
      if (cast.bytes.size() != 16) return Status::InvalidArgument("uuid literal is not 16 bytes");
      return cast.bytes;
    case TypeId::kFixed:
      if (static_cast<int32_t>(cast.bytes.size()) != type.length) {
        return Status::InvalidArgument("fixed literal has the wrong length");
      }
      return cast.bytes;
    case TypeId::kDecimal:
    case TypeId::kString:
    case TypeId::kBinary:
      return cast.bytes;
    default:
      return Status::InvalidArgument(fmt::format("{} has no single-value form", type.ToString()));
  }
}

Result<Literal> DeserializeSingleValue(std::string_view bytes, const Type& type,
                                       std::string_view what) {
  auto bad_length = [&]() {
    return Status::Corruption(
        fmt::format("{}: {} bytes is not a valid {} value", what, bytes.size(), type.ToString()));
  };
  Literal out;
  out.type = type.id;
  switch (type.id) {
    case TypeId::kBoolean:
      if (bytes.size() != 1) return bad_length();
      out.boolean = bytes[0] != 0;
      return out;
    case TypeId::kInt:
    case TypeId::kDate:
      if (bytes.size() != 4) return bad_length();
      out.integer = static_cast<int32_t>(GetLittleEndian(bytes));
      return out;
    case TypeId::kLong:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      if (bytes.size() == 4) {  // promoted from int/date
        out.integer = static_cast<int32_t>(GetLittleEndian(bytes));
        return out;
      }
      if (bytes.size() != 8) return bad_length();
      out.integer = static_cast<int64_t>(GetLittleEndian(bytes));
      return out;
    case TypeId::kFloat: {
      if (bytes.size() != 4) return bad_length();
      uint32_t bits = static_cast<uint32_t>(GetLittleEndian(bytes));
      float real;
      std::memcpy(&real, &bits, 4);
      out.real = real;
      return out;
    }
    case TypeId::kDouble: {
      if (bytes.size() == 4) {  // promoted from float
        uint32_t bits = static_cast<uint32_t>(GetLittleEndian(bytes));
        float real;
        std::memcpy(&real, &bits, 4);
        out.real = real;
        return out;
      }
      if (bytes.size() != 8) return bad_length();
      uint64_t bits = GetLittleEndian(bytes);
      std::memcpy(&out.real, &bits, 8);
      return out;
    }
    case TypeId::kUuid:
      if (bytes.size() != 16) return bad_length();
      out.bytes.assign(bytes);
      return out;
    case TypeId::kDecimal:
    case TypeId::kString:
    case TypeId::kBinary:
    case TypeId::kFixed:
      out.bytes.assign(bytes);
      return out;
    default:
      return Status::NotSupported(
          fmt::format("{}: {} has no single-value form", what, type.ToString()));
  }
}

}  // namespace thingsdb::iceberg
