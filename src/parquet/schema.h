// The flat schema this module writes and reads: one ColumnSpec per leaf column, plus the
// conversion to and from the footer's SchemaElement list. Nested (group/repeated) columns
// of foreign files are NotSupported. Plain data; copyable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "parquet/file_metadata.h"

namespace thingsdb::parquet {

struct ColumnSpec {
  std::string name;
  Type type = Type::kInt64;
  LogicalKind logical = LogicalKind::kNone;
  bool optional = false;
  int32_t field_id = -1;                 // < 0: none written
  int32_t type_length = 0;               // FIXED_LEN_BYTE_ARRAY only
  bool bloom_filter = false;             // writer: build a split-block bloom filter per row group
  bool dictionary = true;                // writer: try RLE_DICTIONARY first (not for BOOLEAN)
  Encoding encoding = Encoding::kPlain;  // writer: kPlain or kDeltaBinaryPacked (ints)
  bool unsigned_order = false;           // reader: foreign UINT columns (statistics not used)
};

struct Schema {
  std::vector<ColumnSpec> columns;
  // Index of the column named `name`, or -1.
  int Find(const std::string& name) const;
};

Status ValidateSchema(const Schema& schema);
std::vector<SchemaElement> ToSchemaElements(const Schema& schema);
Result<Schema> FromSchemaElements(const std::vector<SchemaElement>& elements,
                                  std::string_view source);
// Text like parquet-tools' "schema": one line per column.
std::string SchemaToString(const std::vector<SchemaElement>& elements);

}  // namespace thingsdb::parquet
