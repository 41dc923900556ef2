// ColumnBatch: the values of one column for a run of rows, used both as writer input and
// reader output. Values are dense (one slot per row; a null row holds a default value);
// strings are views into `buffers` (reader) or into memory the caller keeps alive (writer).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parquet/parquet_types.h"

namespace thingsdb::parquet {

struct ColumnBatch {
  Type type = Type::kInt64;
  std::vector<int64_t> ints;              // BOOLEAN (0/1), INT32, INT64
  std::vector<double> doubles;            // FLOAT, DOUBLE
  std::vector<std::string_view> strings;  // BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, INT96
  std::vector<uint8_t> validity;          // 1 = present, 0 = null; empty = no nulls
  std::vector<std::shared_ptr<const std::string>> buffers;  // own what `strings` views

  size_t size() const {
    return IsIntegral() ? ints.size() : IsFloating() ? doubles.size() : strings.size();
  }
  bool IsNull(size_t row) const { return !validity.empty() && validity[row] == 0; }
  bool IsIntegral() const {
    return type == Type::kBoolean || type == Type::kInt32 || type == Type::kInt64;
  }
  bool IsFloating() const { return type == Type::kFloat || type == Type::kDouble; }
};

}  // namespace thingsdb::parquet
