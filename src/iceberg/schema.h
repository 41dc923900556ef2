// Iceberg schemas (spec "Schemas and Data Types"): primitive, struct, list and map types with
// field ids. Types are immutable and shared. JSON forms live in json_serde.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace thingsdb::iceberg {

enum class TypeId {
  kBoolean,
  kInt,
  kLong,
  kFloat,
  kDouble,
  kDecimal,
  kDate,
  kTime,
  kTimestamp,
  kTimestampTz,
  kString,
  kUuid,
  kFixed,
  kBinary,
  kStruct,
  kList,
  kMap,
};

struct Type;
using TypePtr = std::shared_ptr<const Type>;

struct NestedField {
  int32_t id = 0;
  std::string name;
  bool required = false;
  TypePtr type;
  std::string doc;
};

struct Type {
  TypeId id = TypeId::kInt;
  int32_t precision = 0;            // decimal
  int32_t scale = 0;                // decimal
  int32_t length = 0;               // fixed
  std::vector<NestedField> fields;  // struct
  // list: element (id, required); map: key and value.
  std::optional<NestedField> element, key, value;

  bool is_primitive() const {
    return id != TypeId::kStruct && id != TypeId::kList && id != TypeId::kMap;
  }
  // "int", "decimal(9,2)", "fixed[16]", "struct<...>".
  std::string ToString() const;

  static TypePtr Primitive(TypeId id);
  static TypePtr Decimal(int32_t precision, int32_t scale);
  static TypePtr Fixed(int32_t length);
};

// Parses a primitive type name as the spec spells it ("long", "decimal(10, 2)", "fixed[4]").
Result<TypePtr> ParsePrimitiveType(std::string_view name);

struct Schema {
  int32_t schema_id = 0;
  std::vector<NestedField> fields;
  std::vector<int32_t> identifier_field_ids;

  // The field with `id` anywhere in the tree, or nullptr.
  const NestedField* FindField(int32_t id) const;
  // A top-level field by name (case-sensitive), or nullptr.
  const NestedField* FindField(std::string_view name) const;
  // The highest field id in the tree (0 for an empty schema).
  int32_t HighestFieldId() const;
};

}  // namespace thingsdb::iceberg
