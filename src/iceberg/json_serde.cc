#include "iceberg/json_serde.h"

#include <fmt/format.h>

#include <cstdio>

#include "iceberg/transforms.h"

namespace thingsdb::iceberg {
namespace {

constexpr int kMaxDepth = 64;

Status Bad(std::string_view what) { return Status::InvalidArgument(std::string(what)); }

template <typename T>
Result<T> Get(const Json& json, const char* key) {
  auto it = json.find(key);
  if (it == json.end()) return Bad(fmt::format("missing \"{}\"", key));
  if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return Bad(fmt::format("\"{}\" is not a string", key));
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) return Bad(fmt::format("\"{}\" is not a boolean", key));
  } else {
    if (!it->is_number_integer()) return Bad(fmt::format("\"{}\" is not an integer", key));
  }
  return it->get<T>();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<TypePtr> TypeFromJson(const Json& json, int depth) {
  if (depth > kMaxDepth) return Bad("type nested too deeply");
  if (json.is_string()) return ParsePrimitiveType(json.get<std::string>());
  if (!json.is_object()) return Bad("type is neither a string nor an object");
  ASSIGN_OR_RETURN(std::string kind, Get<std::string>(json, "type"));
  auto out = std::make_shared<Type>();
  if (kind == "struct") {
    out->id = TypeId::kStruct;
    auto fields = json.find("fields");
    if (fields == json.end() || !fields->is_array()) return Bad("struct without fields");
    for (const auto& field : *fields) {
      ASSIGN_OR_RETURN(NestedField parsed, FieldFromJson(field, depth + 1));
      out->fields.push_back(std::move(parsed));
    }
  } else if (kind == "list") {
    out->id = TypeId::kList;
    NestedField element;
    element.name = "element";
    ASSIGN_OR_RETURN(element.id, Get<int32_t>(json, "element-id"));
    ASSIGN_OR_RETURN(element.required, Get<bool>(json, "element-required"));
    if (!json.contains("element")) return Bad("list without element");
    ASSIGN_OR_RETURN(element.type, TypeFromJson(json["element"], depth + 1));
    out->element = std::move(element);
  } else if (kind == "map") {
    out->id = TypeId::kMap;
    NestedField key, value;
    key.name = "key";
    key.required = true;
    value.name = "value";
    ASSIGN_OR_RETURN(key.id, Get<int32_t>(json, "key-id"));
    ASSIGN_OR_RETURN(value.id, Get<int32_t>(json, "value-id"));
    ASSIGN_OR_RETURN(value.required, Get<bool>(json, "value-required"));
    if (!json.contains("key") || !json.contains("value")) return Bad("map without key or value");
    ASSIGN_OR_RETURN(key.type, TypeFromJson(json["key"], depth + 1));
    ASSIGN_OR_RETURN(value.type, TypeFromJson(json["value"], depth + 1));
    out->key = std::move(key);
    out->value = std::move(value);
  } else {
    return Bad(fmt::format("unknown nested type '{}'", kind));
  }
  return TypePtr(out);
}

Json TypeToJson(const Type& type) {
  switch (type.id) {
    case TypeId::kStruct: {
      Json out = {{"type", "struct"}, {"fields", Json::array()}};
      for (const auto& field : type.fields) out["fields"].push_back(FieldToJson(field));
      return out;
    }
    case TypeId::kList:
      return Json{{"type", "list"},
                  {"element-id", type.element->id},
                  {"element", TypeToJson(*type.element->type)},
                  {"element-required", type.element->required}};
    case TypeId::kMap:
      return Json{{"type", "map"},
                  {"key-id", type.key->id},
                  {"key", TypeToJson(*type.key->type)},
                  {"value-id", type.value->id},
                  {"value", TypeToJson(*type.value->type)},
                  {"value-required", type.value->required}};
    default:
      return type.ToString();
  }
}

Result<NestedField> FieldFromJson(const Json& json, int depth) {
  if (!json.is_object()) return Bad("field is not an object");
  NestedField field;
  ASSIGN_OR_RETURN(field.id, Get<int32_t>(json, "id"));
  ASSIGN_OR_RETURN(field.name, Get<std::string>(json, "name"));
  ASSIGN_OR_RETURN(field.required, Get<bool>(json, "required"));
  if (!json.contains("type")) return Bad(fmt::format("field '{}' has no type", field.name));
  ASSIGN_OR_RETURN(field.type, TypeFromJson(json["type"], depth + 1));
  if (auto doc = json.find("doc"); doc != json.end() && doc->is_string())
    field.doc = doc->get<std::string>();
  return field;
}

Json FieldToJson(const NestedField& field) {
  Json out = {{"id", field.id},
              {"name", field.name},
              {"required", field.required},
              {"type", TypeToJson(*field.type)}};
  if (!field.doc.empty()) out["doc"] = field.doc;
  return out;
}

Result<Schema> SchemaFromJson(const Json& json) {
  if (!json.is_object()) return Bad("schema is not an object");
  Schema schema;
  if (json.contains("schema-id")) {
    ASSIGN_OR_RETURN(schema.schema_id, Get<int32_t>(json, "schema-id"));
  }
  ASSIGN_OR_RETURN(TypePtr type, TypeFromJson(json));
  if (type->id != TypeId::kStruct) return Bad("schema is not a struct");
  schema.fields = type->fields;
  if (auto ids = json.find("identifier-field-ids"); ids != json.end() && ids->is_array()) {
    for (const auto& id : *ids) {
      if (id.is_number_integer()) schema.identifier_field_ids.push_back(id.get<int32_t>());
    }
  }
  return schema;
}

Json SchemaToJson(const Schema& schema) {
  Json out = {{"type", "struct"}, {"schema-id", schema.schema_id}};
  if (!schema.identifier_field_ids.empty())
    out["identifier-field-ids"] = schema.identifier_field_ids;
  out["fields"] = Json::array();
  for (const auto& field : schema.fields) out["fields"].push_back(FieldToJson(field));
  return out;
}

Result<PartitionSpec> PartitionSpecFromJson(const Json& json) {
  if (!json.is_object()) return Bad("partition spec is not an object");
  PartitionSpec spec;
  ASSIGN_OR_RETURN(spec.spec_id, Get<int32_t>(json, "spec-id"));
  auto fields = json.find("fields");
  if (fields == json.end() || !fields->is_array()) return Bad("partition spec without fields");
  for (const auto& field : *fields) {
    if (!field.is_object()) return Bad("partition field is not an object");
    PartitionField parsed;
    ASSIGN_OR_RETURN(parsed.source_id, Get<int32_t>(field, "source-id"));
    ASSIGN_OR_RETURN(parsed.field_id, Get<int32_t>(field, "field-id"));
    ASSIGN_OR_RETURN(parsed.name, Get<std::string>(field, "name"));
    ASSIGN_OR_RETURN(std::string transform, Get<std::string>(field, "transform"));
    ASSIGN_OR_RETURN(parsed.transform, Transform::Parse(transform));
    spec.fields.push_back(std::move(parsed));
  }
  return spec;
}

Json PartitionFieldsToJson(const PartitionSpec& spec) {
  Json fields = Json::array();
  for (const auto& field : spec.fields) {
    fields.push_back({{"name", field.name},
                      {"transform", field.transform.ToString()},
                      {"source-id", field.source_id},
                      {"field-id", field.field_id}});
  }
  return fields;
}

Json PartitionSpecToJson(const PartitionSpec& spec) {
  return Json{{"spec-id", spec.spec_id}, {"fields", PartitionFieldsToJson(spec)}};
}

Result<SortOrder> SortOrderFromJson(const Json& json) {
  if (!json.is_object()) return Bad("sort order is not an object");
  SortOrder order;
  ASSIGN_OR_RETURN(order.order_id, Get<int32_t>(json, "order-id"));
  auto fields = json.find("fields");
  if (fields == json.end() || !fields->is_array()) return Bad("sort order without fields");
  for (const auto& field : *fields) {
    if (!field.is_object()) return Bad("sort field is not an object");
    SortField parsed;
    ASSIGN_OR_RETURN(std::string transform, Get<std::string>(field, "transform"));
    ASSIGN_OR_RETURN(parsed.transform, Transform::Parse(transform));
    ASSIGN_OR_RETURN(parsed.source_id, Get<int32_t>(field, "source-id"));
    ASSIGN_OR_RETURN(parsed.direction, Get<std::string>(field, "direction"));
    ASSIGN_OR_RETURN(parsed.null_order, Get<std::string>(field, "null-order"));
    order.fields.push_back(std::move(parsed));
  }
  return order;
}

Json SortOrderToJson(const SortOrder& order) {
  Json fields = Json::array();
  for (const auto& field : order.fields) {
    fields.push_back({{"transform", field.transform.ToString()},
                      {"source-id", field.source_id},
                      {"direction", field.direction},
                      {"null-order", field.null_order}});
  }
  return Json{{"order-id", order.order_id}, {"fields", fields}};
}

Result<Literal> LiteralFromJson(const Json& json, const Type& type) {
  Literal out;
  out.type = type.id;
  switch (type.id) {
    case TypeId::kBoolean:
      if (!json.is_boolean()) return Bad("expected a boolean");
      out.boolean = json.get<bool>();
      return out;
    case TypeId::kInt:
    case TypeId::kLong:
      if (!json.is_number_integer()) return Bad("expected an integer");
      return CastLiteral(Literal::Long(json.get<int64_t>()), type);
    case TypeId::kFloat:
    case TypeId::kDouble:
      if (!json.is_number()) return Bad("expected a number");
      out.real = json.get<double>();
      return out;
    case TypeId::kDate: {
      if (json.is_number_integer()) return CastLiteral(Literal::Long(json.get<int64_t>()), type);
      if (!json.is_string()) return Bad("expected a date string");
      int year = 0;
      unsigned month = 0, day = 0;
      if (std::sscanf(json.get<std::string>().c_str(), "%d-%u-%u", &year, &month, &day) != 3 ||
          month < 1 || month > 12 || day < 1 || day > 31) {
        return Bad(fmt::format("bad date '{}'", json.get<std::string>()));
      }
      out.integer = DaysFromCivil(year, month, day);
      return out;
    }
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: {
      if (json.is_number_integer()) {
        out.integer = json.get<int64_t>();
        return out;
      }
      if (!json.is_string()) return Bad("expected a timestamp");
      int year = 0;
      unsigned month = 0, day = 0, hour = 0, minute = 0;
      double second = 0;
      if (std::sscanf(json.get<std::string>().c_str(), "%d-%u-%uT%u:%u:%lf", &year, &month, &day,
                      &hour, &minute, &second) < 3) {
        return Bad(fmt::format("bad timestamp '{}'", json.get<std::string>()));
      }
      int64_t micros = static_cast<int64_t>(second * 1e6 + 0.5);
      out.integer =
          (int64_t{DaysFromCivil(year, month, day)} * 86400 + hour * 3600 + minute * 60) * 1000000 +
          micros;
      return out;
    }
    case TypeId::kString:
      if (!json.is_string()) return Bad("expected a string");
      out.bytes = json.get<std::string>();
      return out;
    case TypeId::kBinary:
    case TypeId::kFixed:
    case TypeId::kUuid:
    case TypeId::kDecimal: {
      if (!json.is_string()) return Bad("expected a hex string");
      std::string hex = json.get<std::string>();
      std::string digits;
      for (char c : hex)
        if (c != '-') digits.push_back(c);
      if (digits.size() % 2 != 0) return Bad("odd hex length");
      for (size_t pos = 0; pos < digits.size(); pos += 2) {
        int hi = HexValue(digits[pos]), lo = HexValue(digits[pos + 1]);
        if (hi < 0 || lo < 0) return Bad("bad hex digit");
        out.bytes.push_back(static_cast<char>(hi * 16 + lo));
      }
      return out;
    }
    default:
      return Bad(fmt::format("no literal form for {}", type.ToString()));
  }
}

}  // namespace thingsdb::iceberg
