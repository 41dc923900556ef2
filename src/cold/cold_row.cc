#include "cold/cold_row.h"

#include <bit>
#include <cstring>

namespace thingsdb::cold {

static_assert(sizeof(float) == 4);

std::string EncodeEmbedding(const std::vector<float>& values) {
  std::string out(values.size() * 4, '\0');
  for (size_t value_idx = 0; value_idx < values.size(); ++value_idx) {
    uint32_t bits = std::bit_cast<uint32_t>(values[value_idx]);
    for (int byte_idx = 0; byte_idx < 4; ++byte_idx) {
      out[value_idx * 4 + byte_idx] = static_cast<char>((bits >> (8 * byte_idx)) & 0xFF);
    }
  }
  return out;
}

std::optional<std::vector<float>> DecodeEmbedding(std::string_view bytes) {
  if (bytes.size() % 4 != 0) return std::nullopt;
  std::vector<float> out(bytes.size() / 4);
  for (size_t value_idx = 0; value_idx < out.size(); ++value_idx) {
    uint32_t bits = 0;
    for (int byte_idx = 0; byte_idx < 4; ++byte_idx) {
      bits |= uint32_t{static_cast<uint8_t>(bytes[value_idx * 4 + byte_idx])} << (8 * byte_idx);
    }
    out[value_idx] = std::bit_cast<float>(bits);
  }
  return out;
}

}  // namespace thingsdb::cold
