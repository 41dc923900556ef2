// Text views of a Parquet file for `thingsdb parquet schema|meta|cat FILE`: the schema (like
// parquet-tools), the footer metadata, and rows as NDJSON with projection, predicates and a
// limit. Each opens its own FileReader on `source`; errors are Status values, never thrown.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "core/status.h"
#include "parquet/random_access_source.h"

namespace thingsdb::parquet {

struct CatOptions {
  std::vector<std::string> columns;  // output columns in this order; empty = all
  std::vector<std::string> where;    // "col OP value" predicates, all must hold
  int64_t limit = -1;                // rows to print; < 0 = all
};

// "message schema {\n  required BYTE_ARRAY id (STRING) = 1;\n ...}"
Result<std::string> SchemaText(RandomAccessSource& source);
// Row groups, columns, encodings, sizes, statistics, bloom filters, page indexes, key-values.
Result<std::string> MetaText(RandomAccessSource& source);
// One JSON object per row: {"col": value, ...}; strings as JSON strings, integers as numbers.
Status CatNdjson(RandomAccessSource& source, const CatOptions& options, std::ostream& out);

// Splits "a,b,c" at commas (helper for the CLI's --columns).
std::vector<std::string> SplitColumns(const std::string& list);

}  // namespace thingsdb::parquet
