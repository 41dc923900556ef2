// JSON forms of schemas, types, partition specs and literals (spec "JSON serialization").
// Internal to the iceberg module: only its .cc files include this (nlohmann stays private).
// Parse functions throw nothing: malformed input is InvalidArgument; callers add context.
#pragma once

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "iceberg/partition_spec.h"
#include "iceberg/schema.h"
#include "iceberg/single_value.h"
#include "iceberg/sort_order.h"

namespace thingsdb::iceberg {

using Json = nlohmann::ordered_json;

Result<TypePtr> TypeFromJson(const Json& json, int depth = 0);
Json TypeToJson(const Type& type);
Result<NestedField> FieldFromJson(const Json& json, int depth = 0);
Json FieldToJson(const NestedField& field);
Result<Schema> SchemaFromJson(const Json& json);
Json SchemaToJson(const Schema& schema);
Result<PartitionSpec> PartitionSpecFromJson(const Json& json);
Json PartitionSpecToJson(const PartitionSpec& spec);
Json PartitionFieldsToJson(const PartitionSpec& spec);  // the bare "fields" array
Result<SortOrder> SortOrderFromJson(const Json& json);
Json SortOrderToJson(const SortOrder& order);
// A literal from its JSON single-value form (spec Appendix C), typed by `type`: numbers,
// strings, "2024-01-02" for dates, ISO timestamps or integer micros, hex for binary.
Result<Literal> LiteralFromJson(const Json& json, const Type& type);

}  // namespace thingsdb::iceberg
