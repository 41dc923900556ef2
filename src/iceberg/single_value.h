// Literal values of primitive Iceberg types and their single-value binary serialization
// (spec Appendix D: bounds in manifests, partition summaries). Integers little-endian, strings
// UTF-8, decimals big-endian two's-complement unscaled, uuid 16 bytes big-endian.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "iceberg/schema.h"

namespace thingsdb::iceberg {

struct Literal {
  TypeId type = TypeId::kInt;
  bool boolean = false;
  int64_t integer = 0;  // int, long, date (days), time/timestamp(tz) (micros)
  double real = 0;      // float, double
  std::string bytes;    // string, binary, fixed, uuid, decimal (unscaled, big-endian)

  static Literal Boolean(bool value);
  static Literal Int(int32_t value);
  static Literal Long(int64_t value);
  static Literal Date(int32_t days);
  static Literal Timestamp(int64_t micros, bool with_zone = false);
  static Literal Double(double value);
  static Literal Float(float value);
  static Literal String(std::string value);
  static Literal Binary(std::string value);

  std::string ToString() const;  // for messages and tests
  bool operator==(const Literal& other) const {
    return Compare(*this, other) == 0 && type == other.type;
  }

  // Orders two literals of comparable types (numbers with numbers, bytes with bytes):
  // negative, zero, positive. Strings compare as unsigned bytes (UTF-8 code point order).
  static int Compare(const Literal& a, const Literal& b);
};

// Serializes `value` as a value of `type`. InvalidArgument when the literal does not fit.
Result<std::string> SerializeSingleValue(const Literal& value, const Type& type);
// Parses bytes written for `type`; Corruption names `what` when the length is wrong.
Result<Literal> DeserializeSingleValue(std::string_view bytes, const Type& type,
                                       std::string_view what);
// Converts a literal to `type` (int→long, long→int when in range, int→date...).
Result<Literal> CastLiteral(const Literal& value, const Type& type);

}  // namespace thingsdb::iceberg
