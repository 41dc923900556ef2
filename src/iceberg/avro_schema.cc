#include "iceberg/avro_schema.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

namespace thingsdb::iceberg {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 64;

class SchemaParser {
 public:
  explicit SchemaParser(std::string_view what) : what_(what) {}

  Result<AvroNodePtr> Parse(const json& node, int depth) {
    if (depth > kMaxDepth) return Error("schema nested too deeply");
    if (node.is_string()) return ParseName(node.get<std::string>());
    if (node.is_array()) return ParseUnion(node, depth);
    if (!node.is_object()) return Error("schema node is not a string, array or object");
    auto type_it = node.find("type");
    if (type_it == node.end()) return Error("schema object without \"type\"");
    if (!type_it->is_string()) {
      // {"type": {...}} or {"type": [...]}: a wrapped schema (attributes on the outer object).
      return Parse(*type_it, depth + 1);
    }
    std::string type_name = type_it->get<std::string>();
    std::string logical = node.value("logicalType", std::string());
    std::shared_ptr<AvroNode> out;
    if (type_name == "record" || type_name == "error") {
      ASSIGN_OR_RETURN(out, ParseRecord(node, depth));
    } else if (type_name == "enum") {
      out = std::make_shared<AvroNode>();
      out->type = AvroType::kEnum;
      out->name = node.value("name", std::string());
      auto symbols = node.find("symbols");
      if (symbols == node.end() || !symbols->is_array()) return Error("enum without symbols");
      for (const auto& symbol : *symbols) {
        if (!symbol.is_string()) return Error("enum symbol is not a string");
        out->symbols.push_back(symbol.get<std::string>());
      }
      named_[out->name] = out;
    } else if (type_name == "fixed") {
      out = std::make_shared<AvroNode>();
      out->type = AvroType::kFixed;
      out->name = node.value("name", std::string());
      auto size = node.find("size");
      if (size == node.end() || !size->is_number_integer() || size->get<int64_t>() < 0 ||
          size->get<int64_t>() > (1 << 20)) {
        return Error("fixed without a valid size");
      }
      out->fixed_size = size->get<int64_t>();
      named_[out->name] = out;
    } else if (type_name == "array") {
      out = std::make_shared<AvroNode>();
      out->type = AvroType::kArray;
      auto items = node.find("items");
      if (items == node.end()) return Error("array without items");
      ASSIGN_OR_RETURN(out->items, Parse(*items, depth + 1));
      if (auto id = node.find("element-id"); id != node.end() && id->is_number_integer()) {
        out->element_id = id->get<int32_t>();
      }
    } else if (type_name == "map") {
      out = std::make_shared<AvroNode>();
      out->type = AvroType::kMap;
      auto values = node.find("values");
      if (values == node.end()) return Error("map without values");
      ASSIGN_OR_RETURN(out->items, Parse(*values, depth + 1));
    } else {
      ASSIGN_OR_RETURN(AvroNodePtr primitive, ParseName(type_name));
      if (logical.empty()) return primitive;
      out = std::make_shared<AvroNode>(*primitive);
    }
    out->logical_type = logical;
    return AvroNodePtr(out);
  }

 private:
  Status Error(std::string_view reason) const {
    return Status::Corruption(fmt::format("{}: avro schema: {}", what_, reason));
  }

  Result<AvroNodePtr> ParseName(const std::string& name) {
    static const std::map<std::string, AvroType, std::less<>> kPrimitives = {
        {"null", AvroType::kNull},   {"boolean", AvroType::kBoolean}, {"int", AvroType::kInt},
        {"long", AvroType::kLong},   {"float", AvroType::kFloat},     {"double", AvroType::kDouble},
        {"bytes", AvroType::kBytes}, {"string", AvroType::kString}};
    if (auto it = kPrimitives.find(name); it != kPrimitives.end()) {
      auto node = std::make_shared<AvroNode>();
      node->type = it->second;
      return AvroNodePtr(node);
    }
    if (auto it = named_.find(name); it != named_.end()) return it->second;
    return Error(fmt::format("unknown type name '{}'", name));
  }

  Result<AvroNodePtr> ParseUnion(const json& node, int depth) {
    auto out = std::make_shared<AvroNode>();
    out->type = AvroType::kUnion;
    if (node.empty()) return Error("empty union");
    for (const auto& branch : node) {
      ASSIGN_OR_RETURN(AvroNodePtr parsed, Parse(branch, depth + 1));
      if (parsed->type == AvroType::kUnion) return Error("union directly inside a union");
      out->branches.push_back(std::move(parsed));
    }
    return AvroNodePtr(out);
  }

  Result<std::shared_ptr<AvroNode>> ParseRecord(const json& node, int depth) {
    auto out = std::make_shared<AvroNode>();
    out->type = AvroType::kRecord;
    out->name = node.value("name", std::string());
    auto fields = node.find("fields");
    if (fields == node.end() || !fields->is_array()) return Error("record without fields");
    for (const auto& field : *fields) {
      if (!field.is_object() || !field.contains("name") || !field["name"].is_string() ||
          !field.contains("type")) {
        return Error(fmt::format("record '{}' has a malformed field", out->name));
      }
      AvroField parsed;
      parsed.name = field["name"].get<std::string>();
      ASSIGN_OR_RETURN(parsed.type, Parse(field["type"], depth + 1));
      if (auto id = field.find("field-id"); id != field.end() && id->is_number_integer()) {
        parsed.field_id = id->get<int32_t>();
      }
      out->fields.push_back(std::move(parsed));
    }
    // Registered after its fields: a record that refers to itself is rejected (it could
    // describe unbounded data, and Iceberg never needs it).
    named_[out->name] = out;
    return out;
  }

  std::string what_;
  std::map<std::string, AvroNodePtr, std::less<>> named_;
};

}  // namespace

int AvroNode::FieldIndex(std::string_view field_name) const {
  for (size_t field_idx = 0; field_idx < fields.size(); ++field_idx) {
    if (fields[field_idx].name == field_name) return static_cast<int>(field_idx);
  }
  return -1;
}

Result<AvroNodePtr> ParseAvroSchema(std::string_view json_text, std::string_view what) {
  json parsed = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Status::Corruption(fmt::format("{}: avro schema is not valid JSON", what));
  }
  try {
    SchemaParser parser(what);
    return parser.Parse(parsed, 0);
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(fmt::format("{}: avro schema: {}", what, e.what()));
  }
}

std::string_view AvroTypeName(AvroType type) {
  switch (type) {
    case AvroType::kNull:
      return "null";
    case AvroType::kBoolean:
      return "boolean";
    case AvroType::kInt:
      return "int";
    case AvroType::kLong:
      return "long";
    case AvroType::kFloat:
      return "float";
    case AvroType::kDouble:
      return "double";
    case AvroType::kBytes:
      return "bytes";
    case AvroType::kString:
      return "string";
    case AvroType::kRecord:
      return "record";
    case AvroType::kEnum:
      return "enum";
    case AvroType::kArray:
      return "array";
    case AvroType::kMap:
      return "map";
    case AvroType::kUnion:
      return "union";
    case AvroType::kFixed:
      return "fixed";
  }
  return "unknown";
}

}  // namespace thingsdb::iceberg
