// Query shapes of the hot tier: find (type + JSON-path conditions + order + cursor pages),
// raw read-only SQL values and results, and the JSON-path grammar used in both.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"
#include "hot/limits.h"
#include "hot/thing.h"
#include "sqlite/database.h"

namespace thingsdb::hot {

struct Blob {
  std::string bytes;
  bool operator==(const Blob&) const = default;
};
// NULL, INTEGER, REAL, TEXT, BLOB.
using SqlValue = std::variant<std::monostate, int64_t, double, std::string, Blob>;

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<SqlValue>> rows;
};

// Binds `value` to parameter `idx` (1-based); reads column `col` of the current row.
void BindSqlValue(sqlite::Statement& stmt, int idx, const SqlValue& value);
SqlValue ReadSqlValue(const sqlite::Statement& stmt, int col);

// A JSON value typed for SQL: "x" → TEXT, 1 → INTEGER, 1.5 → REAL, true → 1, null → NULL.
// Objects and arrays are InvalidArgument (`what` names the input).
Result<SqlValue> SqlValueFromJson(std::string_view json, std::string_view what);
void AppendSqlValueJson(std::string& out, const SqlValue& value);

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };
Result<CompareOp> ParseCompareOp(std::string_view op);
std::string_view CompareOpSql(CompareOp op);

struct Condition {
  std::string path;  // "$.address.city", "$.tags[0]"
  CompareOp op = CompareOp::kEq;
  std::string value_json;  // a JSON scalar
};

// Parses "PATH OP JSON_VALUE", e.g. "$.age >= 21" or "$.name = \"Ada\"".
Result<Condition> ParseCondition(std::string_view text);

struct FindQuery {
  std::optional<std::string> type;
  std::vector<Condition> where;
  std::optional<std::string> order_path;
  bool descending = false;
  int64_t limit = 100;
  std::string cursor;  // from a previous page's next_cursor
};

struct FindPage {
  std::vector<Thing> things;
  std::string next_cursor;  // empty on the last page
};

// A find query as one SELECT over a table or view named `things`: columns id, type, data,
// embedding, created_at, updated_at, then the order key; at most limit + 1 rows. The hot
// tier runs it on its tables, the engine on the views over both tiers. InvalidArgument or
// LimitExceeded for a bad query.
struct FindSql {
  std::string sql;
  std::vector<SqlValue> params;
};
Result<FindSql> BuildFindSql(const FindQuery& query, const HotLimits& limits);
// The page those rows make (the cursor from the last row kept). InvalidArgument when a row
// does not have the columns of BuildFindSql.
Result<FindPage> FindPageFromRows(const FindQuery& query, const QueryResult& rows);

// Checks a JSON path of our grammar: "$" then ".key" (letters, digits, _) or "[N]" steps.
// Only such paths are ever spliced into SQL text (as the literal of an index expression).
Status ValidateJsonPath(std::string_view path);

}  // namespace thingsdb::hot
