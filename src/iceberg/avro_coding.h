// Avro binary encoding primitives (Avro spec "Binary Encoding"): zigzag varints, IEEE floats
// little-endian, length-prefixed bytes. AvroEncoder appends to a string it owns; AvroDecoder
// reads a borrowed buffer that must outlive it and reports truncation as Corruption with the
// offset, never reading past the end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace thingsdb::iceberg {

class AvroEncoder {
 public:
  void PutLong(int64_t value);
  void PutInt(int32_t value) { PutLong(value); }
  void PutBoolean(bool value) { out_.push_back(value ? '\1' : '\0'); }
  void PutFloat(float value);
  void PutDouble(double value);
  void PutBytes(std::string_view value);  // also strings
  void PutRaw(std::string_view value) { out_.append(value); }
  void PutUnionBranch(int64_t branch) { PutLong(branch); }
  // Arrays: PutArrayStart(n) for a block of n items (none written when n == 0), then the items,
  // then PutArrayEnd().
  void PutArrayStart(int64_t count) {
    if (count > 0) PutLong(count);
  }
  void PutArrayEnd() { PutLong(0); }

  const std::string& data() const { return out_; }
  std::string Release() { return std::move(out_); }
  void Clear() { out_.clear(); }

 private:
  std::string out_;
};

class AvroDecoder {
 public:
  // `what` names the object in errors; `base_offset` is added to offsets in messages.
  AvroDecoder(std::string_view data, std::string_view what, uint64_t base_offset = 0)
      : data_(data), what_(what), base_offset_(base_offset) {}

  Result<int64_t> Long();
  Result<int32_t> Int();
  Result<bool> Boolean();
  Result<float> Float();
  Result<double> Double();
  Result<std::string_view> Bytes();  // also strings
  Result<std::string_view> Raw(size_t n);

  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool AtEnd() const { return pos_ >= data_.size(); }
  Status Error(std::string_view reason) const;  // Corruption naming the object and offset

 private:
  std::string_view data_;
  std::string what_;
  uint64_t base_offset_ = 0;
  size_t pos_ = 0;
};

}  // namespace thingsdb::iceberg
