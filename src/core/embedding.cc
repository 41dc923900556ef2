#include "core/embedding.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

namespace thingsdb {
namespace {

bool IsWs(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

Result<std::vector<float>> ParseEmbeddingJson(std::string_view json, std::string_view what,
                                              EmbeddingLimits limits) {
  std::vector<float> values;
  size_t pos = 0;
  auto skip = [&] {
    while (pos < json.size() && IsWs(json[pos])) ++pos;
  };
  auto fail = [&](std::string_view reason) {
    return Status::InvalidArgument(
        fmt::format("{} must be a JSON array of finite numbers: {} at byte {}", what, reason, pos));
  };
  skip();
  if (pos >= json.size() || json[pos] != '[') return fail("expected '['");
  ++pos;
  skip();
  if (pos < json.size() && json[pos] == ']') {
    ++pos;
  } else {
    while (true) {
      skip();
      if (values.size() >= limits.max_dimensions) {
        return Status::LimitExceeded(fmt::format("{} has more than {} dimensions", what,
                                                 limits.max_dimensions));
      }
      // JSON numbers only: from_chars would also take "inf", "nan" and hex.
      size_t start = pos;
      if (pos < json.size() && json[pos] == '-') ++pos;
      if (pos >= json.size() || json[pos] < '0' || json[pos] > '9') {
        pos = start;
        return fail(fmt::format("element {} is not a number", values.size()));
      }
      while (pos < json.size() && (std::isdigit(static_cast<unsigned char>(json[pos])) ||
                                   json[pos] == '.' || json[pos] == 'e' || json[pos] == 'E' ||
                                   json[pos] == '+' || json[pos] == '-')) {
        ++pos;
      }
      double value = 0;
      auto [ptr, ec] = std::from_chars(json.data() + start, json.data() + pos, value);
      if (ec != std::errc() || ptr != json.data() + pos) {
        pos = start;
        return fail(fmt::format("element {} is not a finite number", values.size()));
      }
      // Values below FLT_MAX + half an ulp round to FLT_MAX; beyond that a float is infinite.
      constexpr double kFloatOverflow = 3.4028235677973366e38;
      if (!std::isfinite(value) || std::fabs(value) >= kFloatOverflow) {
        pos = start;
        return fail(fmt::format("element {} is outside the float32 range", values.size()));
      }
      values.push_back(static_cast<float>(value));
      skip();
      if (pos < json.size() && json[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < json.size() && json[pos] == ']') {
        ++pos;
        break;
      }
      return fail("expected ',' or ']'");
    }
  }
  skip();
  if (pos != json.size()) return fail("unexpected characters after the array");
  return values;
}

std::string EmbeddingToBlob(const std::vector<float>& values) {
  std::string blob(values.size() * 4, '\0');
  for (size_t idx = 0; idx < values.size(); ++idx) {
    uint32_t bits = std::bit_cast<uint32_t>(values[idx]);
    if constexpr (std::endian::native == std::endian::big) bits = __builtin_bswap32(bits);
    std::memcpy(blob.data() + idx * 4, &bits, 4);
  }
  return blob;
}

Result<std::vector<float>> EmbeddingFromBlob(std::string_view blob) {
  if (blob.size() % 4 != 0) {
    return Status::Corruption(
        fmt::format("embedding blob of {} bytes is not a multiple of 4", blob.size()));
  }
  std::vector<float> values(blob.size() / 4);
  for (size_t idx = 0; idx < values.size(); ++idx) {
    uint32_t bits;
    std::memcpy(&bits, blob.data() + idx * 4, 4);
    if constexpr (std::endian::native == std::endian::big) bits = __builtin_bswap32(bits);
    values[idx] = std::bit_cast<float>(bits);
  }
  return values;
}

void AppendEmbeddingJson(std::string& out, const std::vector<float>& values) {
  out.push_back('[');
  char buf[32];
  for (size_t idx = 0; idx < values.size(); ++idx) {
    if (idx) out.push_back(',');
    float v = values[idx];
    if (!std::isfinite(v)) {  // cannot be stored through our API; print something valid
      out += "null";
      continue;
    }
    auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);
    out.append(buf, ptr);
  }
  out.push_back(']');
}

std::string EmbeddingToJson(const std::vector<float>& values) {
  std::string out;
  AppendEmbeddingJson(out, values);
  return out;
}

}  // namespace thingsdb
