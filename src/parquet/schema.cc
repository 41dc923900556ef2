#include "parquet/schema.h"

#include <fmt/format.h>

#include <set>

namespace thingsdb::parquet {
namespace {

ConvertedType ToConverted(LogicalKind kind) {
  switch (kind) {
    case LogicalKind::kString:
      return ConvertedType::kUtf8;
    case LogicalKind::kJson:
      return ConvertedType::kJson;
    case LogicalKind::kDate:
      return ConvertedType::kDate;
    case LogicalKind::kTimestampMillis:
      return ConvertedType::kTimestampMillis;
    case LogicalKind::kTimestampMicros:
      return ConvertedType::kTimestampMicros;
    case LogicalKind::kInt8:
      return ConvertedType::kInt8;
    case LogicalKind::kInt16:
      return ConvertedType::kInt16;
    case LogicalKind::kInt32:
      return ConvertedType::kInt32;
    case LogicalKind::kInt64:
      return ConvertedType::kInt64;
    default:
      return ConvertedType::kNone;
  }
}

LogicalKind FromConverted(ConvertedType type) {
  switch (type) {
    case ConvertedType::kUtf8:
      return LogicalKind::kString;
    case ConvertedType::kJson:
      return LogicalKind::kJson;
    case ConvertedType::kDate:
      return LogicalKind::kDate;
    case ConvertedType::kTimestampMillis:
      return LogicalKind::kTimestampMillis;
    case ConvertedType::kTimestampMicros:
      return LogicalKind::kTimestampMicros;
    case ConvertedType::kInt8:
      return LogicalKind::kInt8;
    case ConvertedType::kInt16:
      return LogicalKind::kInt16;
    case ConvertedType::kInt32:
      return LogicalKind::kInt32;
    case ConvertedType::kInt64:
      return LogicalKind::kInt64;
    case ConvertedType::kNone:
      return LogicalKind::kNone;
    default:
      return LogicalKind::kOther;
  }
}

bool LogicalFits(LogicalKind kind, Type type) {
  switch (kind) {
    case LogicalKind::kNone:
      return true;
    case LogicalKind::kString:
    case LogicalKind::kJson:
      return type == Type::kByteArray;
    case LogicalKind::kDate:
    case LogicalKind::kInt8:
    case LogicalKind::kInt16:
    case LogicalKind::kInt32:
      return type == Type::kInt32;
    case LogicalKind::kTimestampMillis:
    case LogicalKind::kTimestampMicros:
    case LogicalKind::kTimestampNanos:
    case LogicalKind::kInt64:
      return type == Type::kInt64;
    default:
      return false;
  }
}

int IntWidth(LogicalKind kind) {
  switch (kind) {
    case LogicalKind::kInt8:
      return 8;
    case LogicalKind::kInt16:
      return 16;
    case LogicalKind::kInt32:
      return 32;
    case LogicalKind::kInt64:
      return 64;
    default:
      return 0;
  }
}

}  // namespace

int Schema::Find(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Status ValidateSchema(const Schema& schema) {
  if (schema.columns.empty()) return Status::InvalidArgument("schema has no columns");
  std::set<std::string> names;
  for (const auto& c : schema.columns) {
    if (c.name.empty()) return Status::InvalidArgument("column with an empty name");
    if (!names.insert(c.name).second) {
      return Status::InvalidArgument(fmt::format("duplicate column '{}'", c.name));
    }
    if (c.type == Type::kInt96) return Status::NotSupported("writing INT96");
    if (!LogicalFits(c.logical, c.type)) {
      return Status::InvalidArgument(fmt::format("column '{}': {} does not fit {}", c.name,
                                                 LogicalKindName(c.logical), TypeName(c.type)));
    }
    if (c.type == Type::kFixedLenByteArray && c.type_length <= 0) {
      return Status::InvalidArgument(fmt::format("column '{}': type_length needed", c.name));
    }
    bool delta_ok = c.type == Type::kInt32 || c.type == Type::kInt64;
    if (c.encoding != Encoding::kPlain &&
        !(c.encoding == Encoding::kDeltaBinaryPacked && delta_ok)) {
      return Status::InvalidArgument(
          fmt::format("column '{}': encoding {} not supported", c.name, EncodingName(c.encoding)));
    }
  }
  return Status::OK();
}

std::vector<SchemaElement> ToSchemaElements(const Schema& schema) {
  std::vector<SchemaElement> out;
  SchemaElement root;
  root.name = "schema";
  root.num_children = static_cast<int32_t>(schema.columns.size());
  out.push_back(root);
  for (const auto& c : schema.columns) {
    SchemaElement e;
    e.type = c.type;
    e.type_length = c.type_length;
    e.repetition = c.optional ? Repetition::kOptional : Repetition::kRequired;
    e.name = c.name;
    if (c.field_id >= 0) e.field_id = c.field_id;
    e.converted_type = ToConverted(c.logical);
    if (c.logical != LogicalKind::kNone) {
      e.has_logical = true;
      e.logical.kind = c.logical;
      e.logical.bit_width = IntWidth(c.logical);
    }
    out.push_back(e);
  }
  return out;
}

Result<Schema> FromSchemaElements(const std::vector<SchemaElement>& elements,
                                  std::string_view source) {
  Schema schema;
  if (elements.empty()) return Status::Corruption(fmt::format("{}: empty schema", source));
  if (static_cast<size_t>(elements[0].num_children) != elements.size() - 1) {
    return Status::NotSupported(fmt::format("{}: nested schemas are not supported", source));
  }
  for (size_t i = 1; i < elements.size(); ++i) {
    const SchemaElement& e = elements[i];
    if (!e.type || e.num_children != 0 || e.repetition == Repetition::kRepeated) {
      return Status::NotSupported(
          fmt::format("{}: column '{}' is nested or repeated", source, e.name));
    }
    ColumnSpec c;
    c.name = e.name;
    c.type = *e.type;
    c.type_length = e.type_length;
    if (c.type == Type::kFixedLenByteArray && (c.type_length < 0 || c.type_length > (1 << 20))) {
      return Status::Corruption(
          fmt::format("{}: column '{}' has a bad type_length", source, e.name));
    }
    c.optional = e.repetition != Repetition::kRequired;
    c.field_id = e.field_id.value_or(-1);
    c.logical = e.has_logical ? e.logical.kind : FromConverted(e.converted_type);
    if (e.has_logical && (e.logical.kind == LogicalKind::kOther || !e.logical.is_signed)) {
      c.unsigned_order = !e.logical.is_signed;
    }
    int ct = static_cast<int>(e.converted_type);
    if (ct >= 11 && ct <= 14) c.unsigned_order = true;  // UINT_8..UINT_64
    schema.columns.push_back(c);
  }
  return schema;
}

std::string SchemaToString(const std::vector<SchemaElement>& elements) {
  std::string out;
  std::vector<int> open;  // children left per open group
  for (size_t i = 0; i < elements.size(); ++i) {
    const SchemaElement& e = elements[i];
    std::string indent(2 * open.size(), ' ');
    std::string rep = !e.repetition                            ? ""
                      : *e.repetition == Repetition::kRequired ? "required "
                      : *e.repetition == Repetition::kOptional ? "optional "
                                                               : "repeated ";
    if (!e.type) {
      out += i == 0 ? fmt::format("message {} {{\n", e.name)
                    : fmt::format("{}{}group {} {{\n", indent, rep, e.name);
    } else {
      std::string type(TypeName(*e.type));
      if (*e.type == Type::kFixedLenByteArray) type += fmt::format("({})", e.type_length);
      std::string logical = e.has_logical ? std::string(LogicalKindName(e.logical.kind)) : "";
      if (!logical.empty()) logical = fmt::format(" ({})", logical);
      std::string id = e.field_id ? fmt::format(" = {}", *e.field_id) : "";
      out += fmt::format("{}{}{} {}{}{};\n", indent, rep, type, e.name, logical, id);
    }
    if (!open.empty()) --open.back();
    if (!e.type) open.push_back(e.num_children);
    while (!open.empty() && open.back() <= 0) {
      open.pop_back();
      out += std::string(2 * open.size(), ' ') + "}\n";
    }
    if (open.size() > 64) break;
  }
  return out;
}

}  // namespace thingsdb::parquet
