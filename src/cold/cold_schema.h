// The cold tier's table shapes: the Iceberg schemas, partition spec and Parquet schemas of a
// namespace's `things` and `relationships` tables (with one column per JSON index), their
// field ids and the position-delete file schema. Pure values, no I/O. Column types and why:
// docs/cold.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "iceberg/partition_spec.h"
#include "iceberg/schema.h"
#include "parquet/schema.h"

namespace thingsdb::cold {

enum class TableKind { kThings, kRelationships };

// "things" or "relationships": the table's folder under the namespace.
std::string_view TableName(TableKind kind);

// Field ids. They never change: files written under one layout stay readable by the next.
inline constexpr int32_t kIdFieldId = 1;
// things
inline constexpr int32_t kThingTypeFieldId = 2;
inline constexpr int32_t kThingDataFieldId = 3;
inline constexpr int32_t kThingEmbeddingFieldId = 4;
inline constexpr int32_t kThingCreatedAtFieldId = 5;
inline constexpr int32_t kThingUpdatedAtFieldId = 6;
inline constexpr int32_t kFirstIndexFieldId = 7;  // JSON-index columns, in layout order
// relationships
inline constexpr int32_t kRelFromIdFieldId = 2;
inline constexpr int32_t kRelToIdFieldId = 3;
inline constexpr int32_t kRelTypeFieldId = 4;
inline constexpr int32_t kRelDataFieldId = 5;
inline constexpr int32_t kRelCreatedAtFieldId = 6;

// Partition field ids (spec: 1000+).
inline constexpr int32_t kTypePartitionFieldId = 1000;
inline constexpr int32_t kDayPartitionFieldId = 1001;

// Footer key Iceberg writers put the schema JSON under (readers match columns by it).
inline constexpr char kIcebergSchemaKey[] = "iceberg.schema";

enum class IndexKind { kString, kDouble };

// A JSON index of the things table: the Parquet/Iceberg column `idx_<name>`, optional,
// holding the value at `json_path` of `data` (a string, or a number as double).
struct JsonIndexColumn {
  std::string name;       // [a-z0-9_]{1,64}
  std::string json_path;  // "$.email" (informational here: callers extract the values)
  IndexKind kind = IndexKind::kString;

  std::string ColumnName() const { return "idx_" + name; }
};

// Which table and, for things, which JSON-index columns (in field-id order).
struct TableLayout {
  TableKind kind = TableKind::kThings;
  std::vector<JsonIndexColumn> indexes;  // things only

  static TableLayout Things(std::vector<JsonIndexColumn> indexes = {}) {
    return TableLayout{TableKind::kThings, std::move(indexes)};
  }
  static TableLayout Relationships() { return TableLayout{TableKind::kRelationships, {}}; }
};

// InvalidArgument naming the bad index (bad name, duplicate, relationships with indexes).
Status ValidateLayout(const TableLayout& layout);

iceberg::Schema IcebergSchema(const TableLayout& layout);
// identity(type) as "type" + day(created_at) as "created_at_day".
iceberg::PartitionSpec PartitionSpecFor(const TableLayout& layout);
// The data files' Parquet schema: same names, field ids and order as IcebergSchema.
parquet::Schema ParquetSchema(const TableLayout& layout);
// The Iceberg schema JSON stored under `iceberg.schema` in every data file's footer.
std::string IcebergSchemaJson(const iceberg::Schema& schema);

// Position-delete files (spec "Position Delete Files"): file_path string, pos long.
iceberg::Schema PositionDeleteIcebergSchema();
parquet::Schema PositionDeleteParquetSchema();

// Column names shared by both tables.
inline constexpr char kIdColumn[] = "id";
inline constexpr char kTypeColumn[] = "type";
inline constexpr char kDataColumn[] = "data";
inline constexpr char kEmbeddingColumn[] = "embedding";
inline constexpr char kCreatedAtColumn[] = "created_at";
inline constexpr char kUpdatedAtColumn[] = "updated_at";
inline constexpr char kFromIdColumn[] = "from_id";
inline constexpr char kToIdColumn[] = "to_id";

}  // namespace thingsdb::cold
