#include "iceberg/avro_coding.h"

#include <fmt/format.h>

#include <cstring>

namespace thingsdb::iceberg {

void AvroEncoder::PutLong(int64_t value) {
  uint64_t zigzag = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  while (zigzag >= 0x80) {
    out_.push_back(static_cast<char>((zigzag & 0x7f) | 0x80));
    zigzag >>= 7;
  }
  out_.push_back(static_cast<char>(zigzag));
}

void AvroEncoder::PutFloat(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  for (int byte_idx = 0; byte_idx < 4; ++byte_idx)
    out_.push_back(static_cast<char>(bits >> (8 * byte_idx)));
}

void AvroEncoder::PutDouble(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, 8);
  for (int byte_idx = 0; byte_idx < 8; ++byte_idx)
    out_.push_back(static_cast<char>(bits >> (8 * byte_idx)));
}

void AvroEncoder::PutBytes(std::string_view value) {
  PutLong(static_cast<int64_t>(value.size()));
  out_.append(value);
}

Status AvroDecoder::Error(std::string_view reason) const {
  return Status::Corruption(fmt::format("{}: {} at offset {}", what_, reason, base_offset_ + pos_));
}

Result<int64_t> AvroDecoder::Long() {
  uint64_t result = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (pos_ >= data_.size()) return Error("truncated varint");
    uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
    if (shift == 63 && (byte & 0x7e) != 0) return Error("varint overflows 64 bits");
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      return static_cast<int64_t>((result >> 1) ^ (~(result & 1) + 1));
    }
  }
  return Error("varint longer than 10 bytes");
}

Result<int32_t> AvroDecoder::Int() {
  ASSIGN_OR_RETURN(int64_t value, Long());
  if (value < INT32_MIN || value > INT32_MAX) return Error("int out of range");
  return static_cast<int32_t>(value);
}

Result<bool> AvroDecoder::Boolean() {
  if (pos_ >= data_.size()) return Error("truncated boolean");
  uint8_t byte = static_cast<uint8_t>(data_[pos_]);
  if (byte > 1) return Error("invalid boolean byte");
  ++pos_;
  return byte == 1;
}

Result<float> AvroDecoder::Float() {
  ASSIGN_OR_RETURN(std::string_view raw, Raw(4));
  uint32_t bits = 0;
  for (int byte_idx = 0; byte_idx < 4; ++byte_idx)
    bits |= static_cast<uint32_t>(static_cast<uint8_t>(raw[byte_idx])) << (8 * byte_idx);
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

Result<double> AvroDecoder::Double() {
  ASSIGN_OR_RETURN(std::string_view raw, Raw(8));
  uint64_t bits = 0;
  for (int byte_idx = 0; byte_idx < 8; ++byte_idx)
    bits |= static_cast<uint64_t>(static_cast<uint8_t>(raw[byte_idx])) << (8 * byte_idx);
  double value;
  std::memcpy(&value, &bits, 8);
  return value;
}

Result<std::string_view> AvroDecoder::Bytes() {
  ASSIGN_OR_RETURN(int64_t length, Long());
  if (length < 0) return Error("negative length");
  return Raw(static_cast<size_t>(length));
}

Result<std::string_view> AvroDecoder::Raw(size_t n) {
  if (n > data_.size() - pos_) return Error(fmt::format("length {} past the end", n));
  std::string_view out = data_.substr(pos_, n);
  pos_ += n;
  return out;
}

}  // namespace thingsdb::iceberg
