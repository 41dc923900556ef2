// Predicates `col = < <= > >= IN IS NULL value` on one column, parsed from text, and the
// three tests the reader prunes with: against min/max statistics, against a bloom filter,
// and against one decoded row. A pruning test answers false only when no row can match.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "parquet/bloom_filter.h"
#include "parquet/column_batch.h"
#include "parquet/schema.h"

namespace thingsdb::parquet {

struct Value {
  enum class Kind { kNull, kInt, kDouble, kString };
  Kind kind = Kind::kNull;
  int64_t i = 0;
  double d = 0;
  std::string s;  // the string value, or the literal's text for numbers

  static Value Int(int64_t v);
  static Value Double(double v);
  static Value String(std::string v);
};

enum class CompareOp { kEq, kLt, kLe, kGt, kGe, kIn, kIsNull };

struct Predicate {
  std::string column;
  CompareOp op = CompareOp::kEq;
  std::vector<Value> values;  // one, or several for IN, none for IS NULL
};

// "col = 5", "name >= 'abc'", "id IN ('a', 'b')", "email IS NULL".
Result<Predicate> ParsePredicate(std::string_view text);

// Decodes a PLAIN statistics value of `column` (nullopt if unusable).
std::optional<Value> StatValue(const ColumnSpec& column, std::string_view plain);

struct StatsView {
  std::optional<Value> min, max;
  std::optional<int64_t> null_count;
  int64_t num_values = 0;  // rows covered, nulls included
  bool all_null = false;
};

bool StatsMayMatch(const Predicate& predicate, const ColumnSpec& column, const StatsView& stats);
bool BloomMayMatch(const Predicate& predicate, const ColumnSpec& column, const BloomFilter& bloom);
bool RowMatches(const Predicate& predicate, const ColumnSpec& column, const ColumnBatch& batch,
                size_t row);

}  // namespace thingsdb::parquet
