#include "cold/cold_schema.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>

#include "iceberg/manifest.h"

namespace thingsdb::cold {
namespace {

using iceberg::NestedField;
using iceberg::Type;
using iceberg::TypeId;

NestedField Field(int32_t id, std::string name, bool required, TypeId type) {
  return NestedField{id, std::move(name), required, Type::Primitive(type), ""};
}

parquet::ColumnSpec StringColumn(std::string name, int32_t field_id, bool optional) {
  parquet::ColumnSpec spec;
  spec.name = std::move(name);
  spec.type = parquet::Type::kByteArray;
  spec.logical = parquet::LogicalKind::kString;
  spec.optional = optional;
  spec.field_id = field_id;
  return spec;
}

// Unique, mostly increasing: no dictionary, a bloom filter for point lookups.
parquet::ColumnSpec IdColumn(std::string name, int32_t field_id, bool bloom) {
  parquet::ColumnSpec spec = StringColumn(std::move(name), field_id, false);
  spec.dictionary = false;
  spec.bloom_filter = bloom;
  return spec;
}

parquet::ColumnSpec TimestampColumn(std::string name, int32_t field_id) {
  parquet::ColumnSpec spec;
  spec.name = std::move(name);
  spec.type = parquet::Type::kInt64;
  spec.logical = parquet::LogicalKind::kTimestampMicros;  // isAdjustedToUTC = true
  spec.field_id = field_id;
  spec.dictionary = false;
  spec.encoding = parquet::Encoding::kDeltaBinaryPacked;
  return spec;
}

bool ValidIndexName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

std::string_view TableName(TableKind kind) {
  return kind == TableKind::kThings ? "things" : "relationships";
}

Status ValidateLayout(const TableLayout& layout) {
  if (layout.kind == TableKind::kRelationships && !layout.indexes.empty()) {
    return Status::InvalidArgument("relationships table layout: JSON indexes are things-only");
  }
  std::set<std::string> seen;
  for (const auto& index : layout.indexes) {
    if (!ValidIndexName(index.name)) {
      return Status::InvalidArgument(
          fmt::format("JSON index '{}': name must be 1-64 of [a-z0-9_]", index.name));
    }
    if (!seen.insert(index.name).second) {
      return Status::InvalidArgument(fmt::format("JSON index '{}': duplicate name", index.name));
    }
  }
  return Status::OK();
}

iceberg::Schema IcebergSchema(const TableLayout& layout) {
  iceberg::Schema schema;
  schema.schema_id = 0;
  if (layout.kind == TableKind::kThings) {
    schema.fields = {
        Field(kIdFieldId, kIdColumn, true, TypeId::kString),
        Field(kThingTypeFieldId, kTypeColumn, true, TypeId::kString),
        Field(kThingDataFieldId, kDataColumn, true, TypeId::kString),
        Field(kThingEmbeddingFieldId, kEmbeddingColumn, false, TypeId::kBinary),
        Field(kThingCreatedAtFieldId, kCreatedAtColumn, true, TypeId::kTimestampTz),
        Field(kThingUpdatedAtFieldId, kUpdatedAtColumn, true, TypeId::kTimestampTz),
    };
    int32_t field_id = kFirstIndexFieldId;
    for (const auto& index : layout.indexes) {
      schema.fields.push_back(
          Field(field_id++, index.ColumnName(), false,
                index.kind == IndexKind::kString ? TypeId::kString : TypeId::kDouble));
    }
  } else {
    schema.fields = {
        Field(kIdFieldId, kIdColumn, true, TypeId::kString),
        Field(kRelFromIdFieldId, kFromIdColumn, true, TypeId::kString),
        Field(kRelToIdFieldId, kToIdColumn, true, TypeId::kString),
        Field(kRelTypeFieldId, kTypeColumn, true, TypeId::kString),
        Field(kRelDataFieldId, kDataColumn, false, TypeId::kString),
        Field(kRelCreatedAtFieldId, kCreatedAtColumn, true, TypeId::kTimestampTz),
    };
  }
  schema.identifier_field_ids = {kIdFieldId};
  return schema;
}

iceberg::PartitionSpec PartitionSpecFor(const TableLayout& layout) {
  int32_t type_source = layout.kind == TableKind::kThings ? kThingTypeFieldId : kRelTypeFieldId;
  int32_t created_source =
      layout.kind == TableKind::kThings ? kThingCreatedAtFieldId : kRelCreatedAtFieldId;
  iceberg::PartitionSpec spec;
  spec.spec_id = 0;
  spec.fields = {
      iceberg::PartitionField{type_source, kTypePartitionFieldId, "type",
                              iceberg::Transform{iceberg::TransformKind::kIdentity, 0}},
      iceberg::PartitionField{created_source, kDayPartitionFieldId, "created_at_day",
                              iceberg::Transform{iceberg::TransformKind::kDay, 0}},
  };
  return spec;
}

parquet::Schema ParquetSchema(const TableLayout& layout) {
  parquet::Schema schema;
  if (layout.kind == TableKind::kThings) {
    parquet::ColumnSpec data = StringColumn(kDataColumn, kThingDataFieldId, false);
    data.dictionary = false;
    parquet::ColumnSpec embedding;
    embedding.name = kEmbeddingColumn;
    embedding.type = parquet::Type::kByteArray;
    embedding.optional = true;
    embedding.field_id = kThingEmbeddingFieldId;
    embedding.dictionary = false;
    schema.columns = {IdColumn(kIdColumn, kIdFieldId, true),
                      StringColumn(kTypeColumn, kThingTypeFieldId, false),
                      data,
                      embedding,
                      TimestampColumn(kCreatedAtColumn, kThingCreatedAtFieldId),
                      TimestampColumn(kUpdatedAtColumn, kThingUpdatedAtFieldId)};
    int32_t field_id = kFirstIndexFieldId;
    for (const auto& index : layout.indexes) {
      parquet::ColumnSpec column;
      if (index.kind == IndexKind::kString) {
        column = StringColumn(index.ColumnName(), field_id, true);
      } else {
        column.name = index.ColumnName();
        column.type = parquet::Type::kDouble;
        column.optional = true;
        column.field_id = field_id;
      }
      column.bloom_filter = true;
      schema.columns.push_back(column);
      ++field_id;
    }
  } else {
    parquet::ColumnSpec data = StringColumn(kDataColumn, kRelDataFieldId, true);
    data.dictionary = false;
    schema.columns = {IdColumn(kIdColumn, kIdFieldId, true),
                      IdColumn(kFromIdColumn, kRelFromIdFieldId, true),
                      IdColumn(kToIdColumn, kRelToIdFieldId, true),
                      StringColumn(kTypeColumn, kRelTypeFieldId, false),
                      data,
                      TimestampColumn(kCreatedAtColumn, kRelCreatedAtFieldId)};
  }
  return schema;
}

std::string IcebergSchemaJson(const iceberg::Schema& schema) {
  nlohmann::ordered_json fields = nlohmann::ordered_json::array();
  for (const auto& field : schema.fields) {
    fields.push_back({{"id", field.id},
                      {"name", field.name},
                      {"required", field.required},
                      {"type", field.type->ToString()}});
  }
  nlohmann::ordered_json json = {{"type", "struct"}, {"schema-id", schema.schema_id}};
  if (!schema.identifier_field_ids.empty()) {
    json["identifier-field-ids"] = schema.identifier_field_ids;
  }
  json["fields"] = fields;
  return json.dump();
}

iceberg::Schema PositionDeleteIcebergSchema() {
  iceberg::Schema schema;
  schema.fields = {Field(iceberg::kDeleteFilePathFieldId, "file_path", true, TypeId::kString),
                   Field(iceberg::kDeletePosFieldId, "pos", true, TypeId::kLong)};
  return schema;
}

parquet::Schema PositionDeleteParquetSchema() {
  parquet::Schema schema;
  parquet::ColumnSpec path = StringColumn("file_path", iceberg::kDeleteFilePathFieldId, false);
  parquet::ColumnSpec pos;
  pos.name = "pos";
  pos.type = parquet::Type::kInt64;
  pos.field_id = iceberg::kDeletePosFieldId;
  pos.dictionary = false;
  pos.encoding = parquet::Encoding::kDeltaBinaryPacked;
  schema.columns = {path, pos};
  return schema;
}

}  // namespace thingsdb::cold
