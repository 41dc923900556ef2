// An Avro schema tree parsed from a container file's `avro.schema` (Avro spec "Schema
// Declaration"), keeping the Iceberg attributes (field-id, element-id, logicalType...).
// Nodes are immutable and shared; named-type references resolve to the earlier definition.
// Parsing is bounded (depth, size): a hostile schema yields Corruption, never a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace thingsdb::iceberg {

enum class AvroType {
  kNull,
  kBoolean,
  kInt,
  kLong,
  kFloat,
  kDouble,
  kBytes,
  kString,
  kRecord,
  kEnum,
  kArray,
  kMap,
  kUnion,
  kFixed,
};

struct AvroNode;
using AvroNodePtr = std::shared_ptr<const AvroNode>;

struct AvroField {
  std::string name;
  AvroNodePtr type;
  std::optional<int32_t> field_id;
};

struct AvroNode {
  AvroType type = AvroType::kNull;
  std::string name;                   // record, enum, fixed
  std::string logical_type;           // "date", "map", "decimal", ... or empty
  std::vector<AvroField> fields;      // record
  std::vector<AvroNodePtr> branches;  // union
  AvroNodePtr items;                  // array items, map values
  std::vector<std::string> symbols;   // enum
  int64_t fixed_size = 0;             // fixed
  std::optional<int32_t> element_id;  // array (Iceberg list)

  // Index of the record field called `field_name`, or -1.
  int FieldIndex(std::string_view field_name) const;
};

// Parses a schema from its JSON text; `what` names the source in errors.
Result<AvroNodePtr> ParseAvroSchema(std::string_view json_text, std::string_view what);

std::string_view AvroTypeName(AvroType type);

}  // namespace thingsdb::iceberg
