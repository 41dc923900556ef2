// Deterministic rows for cold-tier tests: things of a few types over a few days, with
// unicode, embeddings, large JSON and JSON-index values; relationships between them.
#pragma once

#include <fmt/format.h>

#include <ostream>
#include <string>
#include <vector>

#include "cold/cold_row.h"
#include "cold/cold_schema.h"

namespace thingsdb::cold::testing {

inline constexpr int64_t kDayMs = int64_t{86400} * 1000;
inline constexpr int64_t kBaseMs = int64_t{1735689600} * 1000;  // 2025-01-01T00:00:00Z

inline std::string IndexValueText(const IndexValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return "\"" + *text + "\"";
  if (const auto* number = std::get_if<double>(&value)) return fmt::format("{}", *number);
  return "null";
}

inline TableLayout ThingsLayoutWithIndexes() {
  return TableLayout::Things({JsonIndexColumn{"email", "$.email", IndexKind::kString},
                              JsonIndexColumn{"age", "$.age", IndexKind::kDouble}});
}

// Id of row n: zero-padded so ids sort like n (k-sortable ids behave the same way).
inline std::string ThingId(int n) { return fmt::format("t{:07d}", n); }

inline ColdThing MakeThing(int n) {
  static const char* kTypes[] = {"user", "post", "café ☕"};
  ColdThing thing;
  thing.id = ThingId(n);
  thing.type = kTypes[n % 3];
  std::string name = n % 5 == 0 ? "Zoë 日本語 🚀" : fmt::format("name{}", n);
  thing.data =
      fmt::format(R"({{"n":{},"name":"{}","email":"u{}@x.io","age":{}}})", n, name, n, 20 + n % 50);
  if (n % 7 == 0) thing.data = fmt::format(R"({{"n":{},"blob":"{}"}})", n, std::string(70000, 'x'));
  if (n % 4 != 0) {
    thing.embedding =
        std::vector<float>{static_cast<float>(n) * 0.5f, -1.0f / (n + 1), 3.25e-38f, 1e30f};
  }
  thing.created_at = kBaseMs + (n % 3) * kDayMs + n * 1000 + 7;
  thing.updated_at = thing.created_at + 500;
  if (n % 7 == 0) {
    thing.index_values = {IndexValue(), IndexValue()};
  } else {
    thing.index_values = {IndexValue(fmt::format("u{}@x.io", n)),
                          IndexValue(static_cast<double>(20 + n % 50))};
  }
  return thing;
}

inline std::vector<ColdThing> MakeThings(int begin, int end) {
  std::vector<ColdThing> out;
  for (int n = begin; n < end; ++n) out.push_back(MakeThing(n));
  return out;
}

inline ColdRelationship MakeRelationship(int n) {
  ColdRelationship rel;
  rel.id = fmt::format("r{:07d}", n);
  rel.from_id = ThingId(n);
  rel.to_id = ThingId(n + 1);
  rel.type = n % 2 ? "follows" : "likes";
  if (n % 3 != 0) rel.data = fmt::format(R"({{"w":{},"note":"ñ"}})", n);
  rel.created_at = kBaseMs + (n % 2) * kDayMs + n;
  return rel;
}

}  // namespace thingsdb::cold::testing

namespace thingsdb::cold {

// gtest printers (found by ADL) so failures show rows, not bytes.
inline void PrintTo(const ColdThing& t, std::ostream* os) {
  std::string indexes;
  for (const auto& value : t.index_values) indexes += testing::IndexValueText(value) + ",";
  *os << fmt::format(
      "ColdThing{{id={} type={} data[{}]={:.60} embedding={} created={} updated={} "
      "indexes=[{}]}}",
      t.id, t.type, t.data.size(), t.data,
      t.embedding ? std::to_string(t.embedding->size()) : "null", t.created_at, t.updated_at,
      indexes);
}

inline void PrintTo(const ColdRelationship& r, std::ostream* os) {
  *os << fmt::format("ColdRelationship{{id={} from={} to={} type={} data={} created={}}}", r.id,
                     r.from_id, r.to_id, r.type, r.data ? *r.data : "null", r.created_at);
}

}  // namespace thingsdb::cold
