// Test helper: seeded random flat schemas and rows, owned in one place so ColumnBatch
// string views stay valid, plus a reader that concatenates every row group of a file.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "parquet/file_reader.h"
#include "parquet/file_writer.h"

namespace thingsdb::parquet::testing {

struct Table {
  Schema schema;
  std::vector<ColumnBatch> columns;
  std::vector<std::unique_ptr<std::string>> storage;  // stable addresses for string views

  std::string_view Own(std::string s) {
    storage.push_back(std::make_unique<std::string>(std::move(s)));
    return *storage.back();
  }
  size_t rows() const { return columns.empty() ? 0 : columns[0].size(); }
};

inline ColumnSpec RandomColumn(std::mt19937_64& rng, int index) {
  static const Type kTypes[] = {Type::kBoolean,
                                Type::kInt32,
                                Type::kInt64,
                                Type::kFloat,
                                Type::kDouble,
                                Type::kByteArray,
                                Type::kFixedLenByteArray};
  ColumnSpec c;
  c.name = fmt::format("c{}", index);
  c.type = kTypes[rng() % 7];
  c.optional = rng() % 2;
  c.field_id = index + 1;
  c.dictionary = rng() % 3 != 0;
  c.bloom_filter = rng() % 2;
  if (c.type == Type::kFixedLenByteArray) c.type_length = 1 + rng() % 8;
  if (c.type == Type::kByteArray) c.logical = LogicalKind::kString;
  if ((c.type == Type::kInt32 || c.type == Type::kInt64) && rng() % 2) {
    c.encoding = Encoding::kDeltaBinaryPacked;
  }
  return c;
}

inline void AddRandomValue(std::mt19937_64& rng, const ColumnSpec& c, Table* t, ColumnBatch* b,
                           int cardinality) {
  bool null = c.optional && rng() % 4 == 0;
  if (c.optional) b->validity.push_back(!null);
  uint64_t r = cardinality > 0 ? rng() % cardinality : rng();
  switch (c.type) {
    case Type::kBoolean:
      b->ints.push_back(null ? 0 : r % 2);
      break;
    case Type::kInt32:
      b->ints.push_back(null ? 0 : static_cast<int32_t>(r));
      break;
    case Type::kInt64:
      b->ints.push_back(null ? 0 : static_cast<int64_t>(r * 0x9E3779B97F4A7C15ULL));
      break;
    case Type::kFloat:
      b->doubles.push_back(null ? 0
                                : static_cast<float>(static_cast<int64_t>(r % 2000) - 1000) / 8);
      break;
    case Type::kDouble:
      b->doubles.push_back(null ? 0 : static_cast<double>(static_cast<int64_t>(r)) / 3);
      break;
    case Type::kByteArray: {
      std::string s = null ? "" : fmt::format("v{}{}", r, std::string(r % 90, 'x'));
      b->strings.push_back(t->Own(std::move(s)));
      break;
    }
    default: {
      std::string s(c.type_length, '\0');
      for (auto& ch : s) ch = static_cast<char>(null ? 0 : (r = r * 31 + 7) % 256);
      b->strings.push_back(t->Own(std::move(s)));
    }
  }
}

inline Table RandomTable(uint64_t seed, size_t rows, int num_columns = 0) {
  std::mt19937_64 rng(seed);
  Table t;
  int n = num_columns > 0 ? num_columns : 1 + static_cast<int>(rng() % 8);
  for (int i = 0; i < n; ++i) t.schema.columns.push_back(RandomColumn(rng, i));
  for (const auto& c : t.schema.columns) {
    ColumnBatch b;
    b.type = c.type;
    int cardinality = rng() % 2 ? 50 : 0;
    for (size_t row = 0; row < rows; ++row) AddRandomValue(rng, c, &t, &b, cardinality);
    t.columns.push_back(std::move(b));
  }
  return t;
}

// Reads every row group and appends the rows into one batch per column.
inline std::vector<ColumnBatch> ReadAll(FileReader& reader) {
  std::vector<int> all;
  for (size_t c = 0; c < reader.schema().columns.size(); ++c) all.push_back(static_cast<int>(c));
  std::vector<ColumnBatch> out(all.size());
  for (size_t c = 0; c < all.size(); ++c) out[c].type = reader.schema().columns[c].type;
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    auto batch = reader.ReadRowGroup(g, all);
    EXPECT_TRUE(batch.ok()) << batch.status().ToString();
    if (!batch.ok()) return out;
    for (size_t c = 0; c < all.size(); ++c) {
      std::vector<uint32_t> rows(batch->num_rows);
      for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<uint32_t>(i);
      AppendRows(batch->batches[c], rows, &out[c]);
    }
  }
  return out;
}

// Expects the same values (nulls compared by validity, null slots ignored).
inline void ExpectSameColumn(const ColumnBatch& want, const ColumnBatch& got,
                             const std::string& name) {
  ASSERT_EQ(want.size(), got.size()) << name;
  for (size_t row = 0; row < want.size(); ++row) {
    ASSERT_EQ(want.IsNull(row), got.IsNull(row)) << name << " row " << row;
    if (want.IsNull(row)) continue;
    if (want.IsIntegral())
      ASSERT_EQ(want.ints[row], got.ints[row]) << name << " row " << row;
    else if (want.IsFloating())
      ASSERT_EQ(want.doubles[row], got.doubles[row]) << name << " row " << row;
    else
      ASSERT_EQ(want.strings[row], got.strings[row]) << name << " row " << row;
  }
}

}  // namespace thingsdb::parquet::testing
