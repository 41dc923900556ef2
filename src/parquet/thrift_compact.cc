#include "parquet/thrift_compact.h"

#include <fmt/format.h>

#include <cstring>

namespace thingsdb::parquet {
namespace {
constexpr int kMaxDepth = 64;
}  // namespace

void ThriftWriter::Varint(uint64_t v) {
  while (v >= 0x80) {
    out_->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out_->push_back(static_cast<char>(v));
}

void ThriftWriter::FieldHeader(int16_t id, CType type) {
  int delta = id - last_id_;
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<char>((delta << 4) | static_cast<uint8_t>(type)));
  } else {
    out_->push_back(static_cast<char>(type));
    Varint(ZigZag(id));
  }
  last_id_ = id;
}

void ThriftWriter::BeginStruct() {
  stack_.push_back(last_id_);
  last_id_ = 0;
}

void ThriftWriter::EndStruct() {
  out_->push_back(0);
  last_id_ = stack_.empty() ? 0 : stack_.back();
  if (!stack_.empty()) stack_.pop_back();
}

void ThriftWriter::FieldI32(int16_t id, int32_t value) {
  FieldHeader(id, CType::kI32);
  Varint(ZigZag(value));
}

void ThriftWriter::FieldI64(int16_t id, int64_t value) {
  FieldHeader(id, CType::kI64);
  Varint(ZigZag(value));
}

void ThriftWriter::FieldByte(int16_t id, int8_t value) {
  FieldHeader(id, CType::kByte);
  out_->push_back(static_cast<char>(value));
}

void ThriftWriter::FieldBool(int16_t id, bool value) {
  FieldHeader(id, value ? CType::kTrue : CType::kFalse);
}

void ThriftWriter::FieldBinary(int16_t id, std::string_view value) {
  FieldHeader(id, CType::kBinary);
  ElemBinary(value);
}

void ThriftWriter::ElemBinary(std::string_view value) {
  Varint(value.size());
  out_->append(value);
}

void ThriftWriter::FieldStruct(int16_t id) {
  FieldHeader(id, CType::kStruct);
  BeginStruct();
}

void ThriftWriter::FieldList(int16_t id, CType element, uint32_t size) {
  FieldHeader(id, CType::kList);
  ListBegin(element, size);
}

void ThriftWriter::ListBegin(CType element, uint32_t size) {
  uint8_t elem = static_cast<uint8_t>(element == CType::kFalse ? CType::kTrue : element);
  if (size < 15) {
    out_->push_back(static_cast<char>((size << 4) | elem));
  } else {
    out_->push_back(static_cast<char>(0xF0 | elem));
    Varint(size);
  }
}

Status ThriftReader::Error(std::string_view what) const {
  return Status::Corruption(
      fmt::format("{}: thrift: {} at byte offset {}", source_, what, base_offset_ + pos_));
}

Result<uint64_t> ThriftReader::Varint() {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) return Error("truncated varint");
    uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return result;
  }
  return Error("varint longer than 10 bytes");
}

Result<int64_t> ThriftReader::ZigZagVarint() {
  ASSIGN_OR_RETURN(uint64_t v, Varint());
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

Status ThriftReader::ReadStruct(const std::function<Status(const ThriftField&)>& on_field) {
  if (++depth_ > kMaxDepth) return Error("structs nested too deeply");
  Status status = ReadStructDepth(on_field);
  --depth_;
  return status;
}

Status ThriftReader::ReadStructDepth(const std::function<Status(const ThriftField&)>& on_field) {
  int16_t last_id = 0;
  while (true) {
    if (pos_ >= data_.size()) return Error("truncated struct");
    uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
    if (byte == 0) return Status::OK();
    ThriftField field;
    field.type = static_cast<CType>(byte & 0x0F);
    if (field.type > CType::kStruct) return Error(fmt::format("bad field type {}", byte & 0x0F));
    int delta = byte >> 4;
    if (delta != 0) {
      field.id = static_cast<int16_t>(last_id + delta);
    } else {
      ASSIGN_OR_RETURN(int64_t id, ZigZagVarint());
      field.id = static_cast<int16_t>(id);
    }
    last_id = field.id;
    RETURN_IF_ERROR(on_field(field));
  }
}

Status ThriftReader::Expect(const ThriftField& field, CType type) const {
  bool ok = field.type == type || (type == CType::kTrue && field.type == CType::kFalse);
  if (ok) return Status::OK();
  return Error(fmt::format("field {} has type {}, expected {}", field.id,
                           static_cast<int>(field.type), static_cast<int>(type)));
}

Result<int32_t> ThriftReader::ReadI32(const ThriftField& field) {
  if (field.type != CType::kI32 && field.type != CType::kI16 && field.type != CType::kByte) {
    RETURN_IF_ERROR(Expect(field, CType::kI32));
  }
  if (field.type == CType::kByte) {
    ASSIGN_OR_RETURN(int8_t b, ReadByte(field));
    return b;
  }
  ASSIGN_OR_RETURN(int64_t v, ZigZagVarint());
  if (v < INT32_MIN || v > INT32_MAX) return Error("i32 out of range");
  return static_cast<int32_t>(v);
}

Result<int64_t> ThriftReader::ReadI64(const ThriftField& field) {
  if (field.type != CType::kI32 && field.type != CType::kI16) {
    RETURN_IF_ERROR(Expect(field, CType::kI64));
  }
  return ZigZagVarint();
}

Result<int8_t> ThriftReader::ReadByte(const ThriftField& field) {
  RETURN_IF_ERROR(Expect(field, CType::kByte));
  if (pos_ >= data_.size()) return Error("truncated byte");
  return static_cast<int8_t>(data_[pos_++]);
}

Result<bool> ThriftReader::ReadBool(const ThriftField& field) {
  RETURN_IF_ERROR(Expect(field, CType::kTrue));
  return field.type == CType::kTrue;
}

Result<std::string_view> ThriftReader::ReadBinary(const ThriftField& field) {
  RETURN_IF_ERROR(Expect(field, CType::kBinary));
  return ReadElemBinary();
}

Result<std::string_view> ThriftReader::ReadElemBinary() {
  ASSIGN_OR_RETURN(uint64_t length, Varint());
  if (length > data_.size() - pos_) return Error(fmt::format("binary length {} too long", length));
  std::string_view value = data_.substr(pos_, length);
  pos_ += length;
  return value;
}

Result<int64_t> ThriftReader::ReadElemInt() { return ZigZagVarint(); }

Result<bool> ThriftReader::ReadElemBool() {
  if (pos_ >= data_.size()) return Error("truncated bool");
  return data_[pos_++] == 1;
}

Result<ThriftList> ThriftReader::ReadListHeader(const ThriftField& field) {
  if (field.type != CType::kSet) RETURN_IF_ERROR(Expect(field, CType::kList));
  if (pos_ >= data_.size()) return Error("truncated list header");
  uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
  ThriftList list;
  list.element = static_cast<CType>(byte & 0x0F);
  list.size = byte >> 4;
  if (list.size == 15) {
    ASSIGN_OR_RETURN(uint64_t size, Varint());
    list.size = static_cast<uint32_t>(size);
    if (size > UINT32_MAX) return Error("list size out of range");
  }
  // Every element takes at least one byte.
  if (list.size > data_.size() - pos_) return Error(fmt::format("list of {} too long", list.size));
  if (list.element > CType::kStruct) return Error("bad list element type");
  return list;
}

Status ThriftReader::Skip(CType type) {
  if (++depth_ > kMaxDepth) {
    --depth_;
    return Error("values nested too deeply");
  }
  Status status = SkipDepth(type, depth_);
  --depth_;
  return status;
}

Status ThriftReader::SkipDepth(CType type, int depth) {
  switch (type) {
    case CType::kTrue:
    case CType::kFalse:
      return Status::OK();
    case CType::kByte:
      if (pos_ >= data_.size()) return Error("truncated byte");
      ++pos_;
      return Status::OK();
    case CType::kI16:
    case CType::kI32:
    case CType::kI64:
      return Varint().status();
    case CType::kDouble:
      if (data_.size() - pos_ < 8) return Error("truncated double");
      pos_ += 8;
      return Status::OK();
    case CType::kBinary:
      return ReadElemBinary().status();
    case CType::kList:
    case CType::kSet: {
      ASSIGN_OR_RETURN(ThriftList list, ReadListHeader({0, CType::kList}));
      for (uint32_t i = 0; i < list.size; ++i) {
        if (list.element == CType::kTrue || list.element == CType::kFalse) {
          RETURN_IF_ERROR(SkipDepth(CType::kByte, depth));
        } else {
          RETURN_IF_ERROR(Skip(list.element));
        }
      }
      return Status::OK();
    }
    case CType::kMap: {
      ASSIGN_OR_RETURN(uint64_t size, Varint());
      if (size == 0) return Status::OK();
      if (size > data_.size() - pos_) return Error("map too long");
      if (pos_ >= data_.size()) return Error("truncated map");
      uint8_t kinds = static_cast<uint8_t>(data_[pos_++]);
      CType key = static_cast<CType>(kinds >> 4), value = static_cast<CType>(kinds & 0x0F);
      if (key > CType::kStruct || value > CType::kStruct) return Error("bad map types");
      for (uint64_t i = 0; i < size; ++i) {
        RETURN_IF_ERROR(Skip(key == CType::kTrue ? CType::kByte : key));
        RETURN_IF_ERROR(Skip(value == CType::kTrue ? CType::kByte : value));
      }
      return Status::OK();
    }
    case CType::kStruct:
      return ReadStruct([this](const ThriftField& f) { return Skip(f.type); });
    case CType::kStop:
      break;
  }
  return Error(fmt::format("cannot skip type {}", static_cast<int>(type)));
}

}  // namespace thingsdb::parquet
