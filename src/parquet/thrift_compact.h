// The Thrift compact protocol, just enough for Parquet's metadata structs.
// ThriftWriter appends to a caller-owned string; ThriftReader parses a borrowed buffer,
// skips unknown fields (nested structs, lists, maps) and reports bad bytes as Corruption
// naming the source and absolute byte offset. Neither is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace thingsdb::parquet {

enum class CType : uint8_t {
  kStop = 0,
  kTrue = 1,
  kFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

class ThriftWriter {
 public:
  explicit ThriftWriter(std::string* out) : out_(out) {}

  void BeginStruct();
  void EndStruct();  // writes the stop byte

  void FieldI32(int16_t id, int32_t value);
  void FieldI64(int16_t id, int64_t value);
  void FieldByte(int16_t id, int8_t value);
  void FieldBool(int16_t id, bool value);
  void FieldBinary(int16_t id, std::string_view value);
  void FieldStruct(int16_t id);  // follow with the fields, then EndStruct()
  void FieldList(int16_t id, CType element, uint32_t size);

  void ListBegin(CType element, uint32_t size);
  void ElemI32(int32_t value) { Varint(ZigZag(value)); }
  void ElemI64(int64_t value) { Varint(ZigZag(value)); }
  void ElemBool(bool value) { out_->push_back(value ? 1 : 2); }
  void ElemBinary(std::string_view value);

 private:
  static uint64_t ZigZag(int64_t v) {
    return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  }
  void FieldHeader(int16_t id, CType type);
  void Varint(uint64_t v);

  std::string* out_;
  int16_t last_id_ = 0;
  std::vector<int16_t> stack_;
};

struct ThriftField {
  int16_t id = 0;
  CType type = CType::kStop;
};

struct ThriftList {
  CType element = CType::kStop;
  uint32_t size = 0;
};

class ThriftReader {
 public:
  // `source` names the file in errors; `base_offset` is the offset of data[0] in it.
  ThriftReader(std::string_view data, std::string_view source, uint64_t base_offset)
      : data_(data), source_(source), base_offset_(base_offset) {}

  // Calls on_field for each field of the struct at the cursor, up to its stop byte.
  // on_field must consume the field's value (read it or Skip it).
  Status ReadStruct(const std::function<Status(const ThriftField&)>& on_field);

  Result<int32_t> ReadI32(const ThriftField& field);
  Result<int64_t> ReadI64(const ThriftField& field);
  Result<int8_t> ReadByte(const ThriftField& field);
  Result<bool> ReadBool(const ThriftField& field);
  Result<std::string_view> ReadBinary(const ThriftField& field);
  Result<ThriftList> ReadListHeader(const ThriftField& field);
  // List elements (no field header).
  Result<int64_t> ReadElemInt();
  Result<bool> ReadElemBool();
  Result<std::string_view> ReadElemBinary();

  Status Skip(CType type);
  size_t position() const { return pos_; }
  Status Error(std::string_view what) const;

 private:
  Result<uint64_t> Varint();
  Result<int64_t> ZigZagVarint();
  Status SkipDepth(CType type, int depth);
  Status ReadStructDepth(const std::function<Status(const ThriftField&)>& on_field);
  Status Expect(const ThriftField& field, CType type) const;

  std::string_view data_;
  std::string_view source_;
  uint64_t base_offset_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace thingsdb::parquet
