// find (type + JSON-path conditions + order + cursor pages) and read-only SQL
// (HotStore, part 3 of 4).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "hot/hot_store.h"
#include "hot/store_internal.h"

namespace thingsdb::hot {

using sqlite::Statement;

namespace {

std::string JsonExtract(const std::string& path) {
  // The path passed ValidateJsonPath: it has no quote and is safe as a literal. This exact
  // form is what JSON indexes are made of, so the planner can use them.
  return fmt::format("json_extract(data, '{}')", path);
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

Result<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2) return Status::InvalidArgument("cursor is malformed");
  std::string out;
  for (size_t pos = 0; pos < hex.size(); pos += 2) {
    int value = 0;
    for (int half = 0; half < 2; ++half) {
      char c = hex[pos + half];
      int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (digit < 0) return Status::InvalidArgument("cursor is malformed");
      value = value * 16 + digit;
    }
    out.push_back(static_cast<char>(value));
  }
  return out;
}

struct Cursor {
  SqlValue value;
  std::string id;
};

Result<Cursor> DecodeCursor(std::string_view text) {
  ASSIGN_OR_RETURN(std::string json, HexDecode(text));
  auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("id") ||
      !parsed["id"].is_string() || !parsed.contains("v")) {
    return Status::InvalidArgument("cursor is malformed");
  }
  Cursor cursor;
  cursor.id = parsed["id"].get<std::string>();
  ASSIGN_OR_RETURN(cursor.value, SqlValueFromJson(parsed["v"].dump(), "cursor value"));
  return cursor;
}

std::string EncodeCursor(const SqlValue& value, std::string_view id) {
  std::string json = "{\"v\":";
  AppendSqlValueJson(json, value);
  json += ",\"id\":";
  json += nlohmann::json(std::string(id)).dump();
  json += "}";
  return HexEncode(json);
}

}  // namespace

void BindSqlValue(Statement& stmt, int idx, const SqlValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          stmt.BindNull(idx);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          stmt.BindInt(idx, v);
        } else if constexpr (std::is_same_v<T, double>) {
          stmt.BindDouble(idx, v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          stmt.BindText(idx, v);
        } else {
          stmt.BindBlob(idx, v.bytes);
        }
      },
      value);
}

SqlValue ReadSqlValue(const Statement& stmt, int col) {
  switch (stmt.ColumnType(col)) {
    case 1: return stmt.ColumnInt(col);
    case 2: return stmt.ColumnDouble(col);
    case 3: return std::string(stmt.ColumnText(col));
    case 4: return Blob{std::string(stmt.ColumnBlob(col))};
    default: return std::monostate{};
  }
}

Result<FindSql> BuildFindSql(const FindQuery& query, const HotLimits& limits) {
  if (query.limit < 1) return Status::InvalidArgument("limit must be at least 1");
  if (query.order_path) RETURN_IF_ERROR(ValidateJsonPath(*query.order_path));
  FindSql out;
  std::string order_expr = query.order_path ? JsonExtract(*query.order_path) : "id";
  out.sql = "SELECT id, type, data, embedding, created_at, updated_at, " + order_expr +
            " FROM things WHERE 1";
  if (query.type) {
    RETURN_IF_ERROR(ValidateName(*query.type, "type", limits.max_type_bytes));
    out.params.emplace_back(*query.type);
    out.sql += fmt::format(" AND type = ?{}", out.params.size());
  }
  for (const Condition& cond : query.where) {
    RETURN_IF_ERROR(ValidateJsonPath(cond.path));
    ASSIGN_OR_RETURN(SqlValue value, SqlValueFromJson(cond.value_json, "condition value"));
    std::string expr = JsonExtract(cond.path);
    if (std::holds_alternative<std::monostate>(value)) {
      if (cond.op != CompareOp::kEq && cond.op != CompareOp::kNe) {
        return Status::InvalidArgument("null compares only with = or !=");
      }
      out.sql += fmt::format(" AND {} IS {}NULL", expr, cond.op == CompareOp::kNe ? "NOT " : "");
      continue;
    }
    out.params.push_back(std::move(value));
    out.sql += fmt::format(" AND {} {} ?{}", expr, CompareOpSql(cond.op), out.params.size());
  }
  if (!query.cursor.empty()) {
    ASSIGN_OR_RETURN(Cursor cursor, DecodeCursor(query.cursor));
    out.params.emplace_back(cursor.id);
    size_t id_param = out.params.size();
    if (!query.order_path) {
      out.sql += fmt::format(" AND id > ?{}", id_param);
    } else if (std::holds_alternative<std::monostate>(cursor.value)) {
      // NULLs sort first ascending, last descending.
      out.sql += query.descending
                     ? fmt::format(" AND {0} IS NULL AND id > ?{1}", order_expr, id_param)
                     : fmt::format(" AND (({0} IS NULL AND id > ?{1}) OR {0} IS NOT NULL)",
                                   order_expr, id_param);
    } else {
      out.params.push_back(cursor.value);
      size_t v = out.params.size();
      out.sql += query.descending
                     ? fmt::format(" AND ({0} < ?{1} OR ({0} = ?{1} AND id > ?{2}) OR {0} IS NULL)",
                                   order_expr, v, id_param)
                     : fmt::format(" AND ({0} > ?{1} OR ({0} = ?{1} AND id > ?{2}))", order_expr,
                                   v, id_param);
    }
  }
  if (query.order_path) {
    out.sql += fmt::format(" ORDER BY {} {}, id", order_expr, query.descending ? "DESC" : "ASC");
  } else {
    out.sql += " ORDER BY id";
  }
  out.sql += fmt::format(" LIMIT {}", query.limit + 1);
  if (static_cast<int>(out.params.size()) > limits.max_bound_params) {
    return Status::LimitExceeded(fmt::format("find needs {} bound parameters; the limit is {}",
                                             out.params.size(), limits.max_bound_params));
  }
  return out;
}

Result<FindPage> FindPageFromRows(const FindQuery& query, const QueryResult& rows) {
  FindPage page;
  const SqlValue* last_order = nullptr;
  for (const auto& row : rows.rows) {
    if (row.size() != 7) return Status::InvalidArgument("a find row needs 7 columns");
    if (static_cast<int64_t>(page.things.size()) == query.limit) {
      page.next_cursor = EncodeCursor(*last_order, page.things.back().id);
      break;
    }
    last_order = &row[6];
    const auto* id = std::get_if<std::string>(&row[0]);
    const auto* type = std::get_if<std::string>(&row[1]);
    const auto* data = std::get_if<std::string>(&row[2]);
    const auto* created = std::get_if<int64_t>(&row[4]);
    const auto* updated = std::get_if<int64_t>(&row[5]);
    if (!id || !type || !data || !created || !updated) {
      return Status::InvalidArgument("a find row has a column of the wrong type");
    }
    Thing thing{*id, *type, *data, std::nullopt, *created, *updated};
    if (const auto* blob = std::get_if<Blob>(&row[3])) {
      ASSIGN_OR_RETURN(auto values, EmbeddingFromBlob(blob->bytes));
      thing.embedding = std::move(values);
    }
    page.things.push_back(std::move(thing));
  }
  return page;
}

Result<FindPage> HotStore::Find(const FindQuery& query) {
  ASSIGN_OR_RETURN(FindSql find, BuildFindSql(query, options_.limits));
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  ASSIGN_OR_RETURN(Statement stmt, reader->Cached(find.sql));
  for (size_t idx = 0; idx < find.params.size(); ++idx) {
    BindSqlValue(stmt, static_cast<int>(idx + 1), find.params[idx]);
  }
  FindPage page;
  SqlValue last_order;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    if (static_cast<int64_t>(page.things.size()) == query.limit) {
      page.next_cursor = EncodeCursor(last_order, page.things.back().id);
      break;
    }
    page.things.push_back(ReadThingRow(stmt, 0));
    last_order = ReadSqlValue(stmt, 6);
  }
  return page;
}

Result<QueryResult> HotStore::Query(std::string_view sql, const std::vector<SqlValue>& params) {
  const HotLimits& limits = options_.limits;
  if (static_cast<int64_t>(sql.size()) > limits.max_sql_bytes) {
    return Status::LimitExceeded(
        fmt::format("SQL is {} bytes; the limit is {}", sql.size(), limits.max_sql_bytes));
  }
  if (static_cast<int>(params.size()) > limits.max_bound_params) {
    return Status::LimitExceeded(fmt::format("{} bound parameters; the limit is {}",
                                             params.size(), limits.max_bound_params));
  }
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  ASSIGN_OR_RETURN(Statement stmt, reader->Cached(sql));
  if (!stmt.ReadOnly()) {
    return Status::InvalidArgument(
        "the query path is read-only: use put, update, delete, relate or import to write");
  }
  if (stmt.ParameterCount() != static_cast<int>(params.size())) {
    return Status::InvalidArgument(fmt::format("SQL has {} parameters but {} values were given",
                                               stmt.ParameterCount(), params.size()));
  }
  for (size_t idx = 0; idx < params.size(); ++idx) BindSqlValue(stmt, static_cast<int>(idx + 1), params[idx]);
  QueryResult result;
  for (int col = 0; col < stmt.ColumnCount(); ++col) result.columns.emplace_back(stmt.ColumnName(col));
  reader->SetTimeBudget(limits.query_time_budget_ms);
  Status st;
  while (true) {
    auto row = stmt.Step();
    if (!row.ok()) {
      st = row.status();
      break;
    }
    if (!*row) break;
    std::vector<SqlValue> values;
    values.reserve(result.columns.size());
    for (int col = 0; col < stmt.ColumnCount(); ++col) values.push_back(ReadSqlValue(stmt, col));
    result.rows.push_back(std::move(values));
  }
  reader->SetTimeBudget(0);
  if (!st.ok()) {
    if (st.IsLimitExceeded()) {
      return Status::LimitExceeded(fmt::format("query ran past its time budget of {} ms",
                                               limits.query_time_budget_ms));
    }
    return st;
  }
  return result;
}

Result<std::vector<std::string>> HotStore::ExplainQueryPlan(std::string_view sql) {
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  // EXPLAIN never opens a read transaction, so nothing would notice an index added since
  // this connection last read the schema: read it once to refresh.
  RETURN_IF_ERROR(reader->QueryInt("SELECT count(*) FROM sqlite_schema"));
  ASSIGN_OR_RETURN(Statement check, reader->Prepare(sql));
  if (!check.ReadOnly()) return Status::InvalidArgument("only read-only SQL can be explained");
  return reader->QueryPlan(sql);
}

}  // namespace thingsdb::hot
