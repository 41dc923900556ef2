// Value encodings of the Parquet spec (Encodings.md): PLAIN, the RLE/bit-packed hybrid,
// DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT.
// Decoders never read past the given buffer and return Corruption (without a file offset;
// callers add it) on bad bytes. Stateless functions, except the RLE decoder's cursor.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "parquet/column_batch.h"

namespace thingsdb::parquet {

// Number of bits needed for values up to max_value (0 for 0).
int BitWidth(uint64_t max_value);

// RLE/bit-packed hybrid without any length prefix.
void EncodeRleBitPacked(const uint32_t* values, size_t count, int bit_width, std::string* out);

class RleBitPackedDecoder {
 public:
  RleBitPackedDecoder(std::string_view data, int bit_width) : data_(data), bit_width_(bit_width) {}
  // Decodes the next `count` values.
  Status Get(uint32_t* out, size_t count);

 private:
  Status NextRun();
  std::string_view data_;
  int bit_width_;
  size_t pos_ = 0;
  uint64_t run_left_ = 0;  // values left in the current run
  bool run_is_rle_ = false;
  uint32_t rle_value_ = 0;
  size_t packed_bit_ = 0;  // bit offset of the next packed value within data_
};

// PLAIN: appends the encoding of one value.
void PlainInt32(int32_t v, std::string* out);
void PlainInt64(int64_t v, std::string* out);
void PlainFloat(float v, std::string* out);
void PlainDouble(double v, std::string* out);
void PlainByteArray(std::string_view v, std::string* out);  // 4-byte length + bytes
// Booleans pack eight to a byte, LSB first.
void PlainBooleans(const std::vector<uint8_t>& bits, std::string* out);

// Appends `count` PLAIN values of `type` to the value vector of `out` (strings view `data`).
Status DecodePlain(Type type, int type_length, std::string_view data, size_t count,
                   ColumnBatch* out);

// DELTA_BINARY_PACKED with 128-value blocks of four 32-value miniblocks.
void EncodeDeltaBinaryPacked(const int64_t* values, size_t count, bool is_int32, std::string* out);
// Appends `count` values; *consumed receives the bytes used.
Status DecodeDeltaBinaryPacked(std::string_view data, size_t count, bool is_int32,
                               std::vector<int64_t>* out, size_t* consumed);

void EncodeDeltaLengthByteArray(const std::vector<std::string_view>& values, std::string* out);
Status DecodeDeltaLengthByteArray(std::string_view data, size_t count,
                                  std::vector<std::string_view>* out);
void EncodeDeltaByteArray(const std::vector<std::string_view>& values, std::string* out);
// DELTA_BYTE_ARRAY rebuilds values, so it allocates their bytes into *storage.
Status DecodeDeltaByteArray(std::string_view data, size_t count,
                            std::shared_ptr<const std::string>* storage,
                            std::vector<std::string_view>* out);

Status DecodeByteStreamSplit(Type type, int type_length, std::string_view data, size_t count,
                             ColumnBatch* out);

}  // namespace thingsdb::parquet
