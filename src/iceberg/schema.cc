#include "iceberg/schema.h"

#include <fmt/format.h>

#include <charconv>

namespace thingsdb::iceberg {
namespace {

const NestedField* FindIn(const Type& type, int32_t id);

const NestedField* FindInField(const NestedField& field, int32_t id) {
  if (field.id == id) return &field;
  return field.type ? FindIn(*field.type, id) : nullptr;
}

const NestedField* FindIn(const Type& type, int32_t id) {
  for (const auto& field : type.fields) {
    if (const NestedField* found = FindInField(field, id)) return found;
  }
  for (const auto* child : {&type.element, &type.key, &type.value}) {
    if (child->has_value()) {
      if (const NestedField* found = FindInField(**child, id)) return found;
    }
  }
  return nullptr;
}

int32_t MaxId(const Type& type) {
  int32_t max_id = 0;
  auto visit = [&](const NestedField& field) {
    max_id = std::max(max_id, field.id);
    if (field.type) max_id = std::max(max_id, MaxId(*field.type));
  };
  for (const auto& field : type.fields) visit(field);
  for (const auto* child : {&type.element, &type.key, &type.value}) {
    if (child->has_value()) visit(**child);
  }
  return max_id;
}

bool ParseInt(std::string_view text, int32_t& out) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

TypePtr Type::Primitive(TypeId id) {
  auto type = std::make_shared<Type>();
  type->id = id;
  return type;
}

TypePtr Type::Decimal(int32_t precision, int32_t scale) {
  auto type = std::make_shared<Type>();
  type->id = TypeId::kDecimal;
  type->precision = precision;
  type->scale = scale;
  return type;
}

TypePtr Type::Fixed(int32_t length) {
  auto type = std::make_shared<Type>();
  type->id = TypeId::kFixed;
  type->length = length;
  return type;
}

std::string Type::ToString() const {
  switch (id) {
    case TypeId::kBoolean:
      return "boolean";
    case TypeId::kInt:
      return "int";
    case TypeId::kLong:
      return "long";
    case TypeId::kFloat:
      return "float";
    case TypeId::kDouble:
      return "double";
    case TypeId::kDecimal:
      return fmt::format("decimal({}, {})", precision, scale);
    case TypeId::kDate:
      return "date";
    case TypeId::kTime:
      return "time";
    case TypeId::kTimestamp:
      return "timestamp";
    case TypeId::kTimestampTz:
      return "timestamptz";
    case TypeId::kString:
      return "string";
    case TypeId::kUuid:
      return "uuid";
    case TypeId::kFixed:
      return fmt::format("fixed[{}]", length);
    case TypeId::kBinary:
      return "binary";
    case TypeId::kStruct:
      return "struct";
    case TypeId::kList:
      return "list";
    case TypeId::kMap:
      return "map";
  }
  return "unknown";
}

Result<TypePtr> ParsePrimitiveType(std::string_view name) {
  static const std::pair<std::string_view, TypeId> kNames[] = {
      {"boolean", TypeId::kBoolean},
      {"int", TypeId::kInt},
      {"long", TypeId::kLong},
      {"float", TypeId::kFloat},
      {"double", TypeId::kDouble},
      {"date", TypeId::kDate},
      {"time", TypeId::kTime},
      {"timestamp", TypeId::kTimestamp},
      {"timestamptz", TypeId::kTimestampTz},
      {"string", TypeId::kString},
      {"uuid", TypeId::kUuid},
      {"binary", TypeId::kBinary}};
  for (const auto& [type_name, id] : kNames) {
    if (name == type_name) return Type::Primitive(id);
  }
  if (name.starts_with("decimal(") && name.ends_with(")")) {
    std::string_view inner = name.substr(8, name.size() - 9);
    size_t comma = inner.find(',');
    int32_t precision = 0, scale = 0;
    if (comma != std::string_view::npos && ParseInt(inner.substr(0, comma), precision) &&
        ParseInt(inner.substr(comma + 1), scale) && precision > 0 && precision <= 38 &&
        scale >= 0 && scale <= precision) {
      return Type::Decimal(precision, scale);
    }
  }
  if (name.starts_with("fixed[") && name.ends_with("]")) {
    int32_t length = 0;
    if (ParseInt(name.substr(6, name.size() - 7), length) && length > 0) return Type::Fixed(length);
  }
  return Status::InvalidArgument(fmt::format("unknown Iceberg type '{}'", name));
}

const NestedField* Schema::FindField(int32_t id) const {
  for (const auto& field : fields) {
    if (const NestedField* found = FindInField(field, id)) return found;
  }
  return nullptr;
}

const NestedField* Schema::FindField(std::string_view name) const {
  for (const auto& field : fields) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

int32_t Schema::HighestFieldId() const {
  int32_t max_id = 0;
  for (const auto& field : fields) {
    max_id = std::max(max_id, field.id);
    if (field.type) max_id = std::max(max_id, MaxId(*field.type));
  }
  return max_id;
}

}  // namespace thingsdb::iceberg
