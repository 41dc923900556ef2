#include "engine/cold_vtab.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <string>
#include <string_view>
#include <vector>

#include "cold/cold_schema.h"
#include "engine/index_cache.h"

namespace thingsdb::engine {
namespace {

constexpr int64_t kMicrosPerMilli = 1000;

enum class ColumnKind { kText, kBlob, kTimestamp };

struct ColumnSpec {
  const char* name;
  ColumnKind kind;
  bool key;  // = and IN are pushed down (id, type, from_id, to_id)
};

// The hot tables' columns, in their order (src/hot/schema.cc).
constexpr ColumnSpec kThingColumns[] = {
    {cold::kIdColumn, ColumnKind::kText, true},
    {cold::kTypeColumn, ColumnKind::kText, true},
    {cold::kDataColumn, ColumnKind::kText, false},
    {cold::kEmbeddingColumn, ColumnKind::kBlob, false},
    {cold::kCreatedAtColumn, ColumnKind::kTimestamp, false},
    {cold::kUpdatedAtColumn, ColumnKind::kTimestamp, false},
};
constexpr ColumnSpec kRelationshipColumns[] = {
    {cold::kIdColumn, ColumnKind::kText, true},
    {cold::kFromIdColumn, ColumnKind::kText, true},
    {cold::kToIdColumn, ColumnKind::kText, true},
    {cold::kTypeColumn, ColumnKind::kText, true},
    {cold::kDataColumn, ColumnKind::kText, false},
    {cold::kCreatedAtColumn, ColumnKind::kTimestamp, false},
};
constexpr int kColumnCount = 6;

constexpr char kThingsSchema[] =
    "CREATE TABLE x(id TEXT, type TEXT, data TEXT, embedding BLOB, created_at INTEGER, "
    "updated_at INTEGER)";
constexpr char kRelationshipsSchema[] =
    "CREATE TABLE x(id TEXT, from_id TEXT, to_id TEXT, type TEXT, data TEXT, created_at "
    "INTEGER)";

const ColumnSpec* ColumnsOf(cold::TableKind kind) {
  return kind == cold::TableKind::kThings ? kThingColumns : kRelationshipColumns;
}

// A pushed-down constraint as xBestIndex encodes it in idxStr: "<column><op>", joined by
// ','; op is one of = IN < <= > >= (readable in EXPLAIN QUERY PLAN).
struct Pushed {
  int column = 0;
  parquet::CompareOp op = parquet::CompareOp::kEq;
};

const char* OpText(parquet::CompareOp op) {
  switch (op) {
    case parquet::CompareOp::kEq: return "=";
    case parquet::CompareOp::kIn: return " IN";
    case parquet::CompareOp::kLt: return "<";
    case parquet::CompareOp::kLe: return "<=";
    case parquet::CompareOp::kGt: return ">";
    case parquet::CompareOp::kGe: return ">=";
    default: return "?";
  }
}

struct ColdVtab : sqlite3_vtab {
  ColdVtabContext* context = nullptr;
  cold::TableKind kind = cold::TableKind::kThings;
  // The hidden hint columns after the kColumnCount regular ones (things only).
  std::vector<cold::JsonIndexColumn> indexes;
  std::vector<std::string> index_column_names;  // "idx_<name>", parallel to indexes

  int ColumnTotal() const { return kColumnCount + static_cast<int>(indexes.size()); }
  std::string_view ColumnName(int column) const {
    return column < kColumnCount ? std::string_view(ColumnsOf(kind)[column].name)
                                 : std::string_view(index_column_names[column - kColumnCount]);
  }
};

std::vector<Pushed> ParseIdxStr(const ColdVtab& vtab, std::string_view text) {
  static constexpr parquet::CompareOp kOps[] = {
      parquet::CompareOp::kEq, parquet::CompareOp::kIn, parquet::CompareOp::kLt,
      parquet::CompareOp::kLe, parquet::CompareOp::kGt, parquet::CompareOp::kGe};
  std::vector<Pushed> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view token = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    for (int column = 0; column < vtab.ColumnTotal(); ++column) {
      std::string_view name = vtab.ColumnName(column);
      if (token.substr(0, name.size()) != name) continue;
      std::string_view op = token.substr(name.size());
      for (parquet::CompareOp candidate : kOps) {
        if (op == OpText(candidate)) out.push_back(Pushed{column, candidate});
      }
    }
  }
  return out;
}

struct ColdCursor : sqlite3_vtab_cursor {
  std::vector<cold::ColdBatch> batches;
  size_t batch = 0;
  size_t selected = 0;  // index into batches[batch].rows
  int64_t rowid = 0;
  int slots[kColumnCount] = {-1, -1, -1, -1, -1, -1};  // column → index in the batch

  void Clear() {
    batches.clear();
    batch = 0;
    selected = 0;
    rowid = 0;
  }
};

// The declared schema: the hot table's columns, then cold_things' hidden hint columns.
std::string DeclaredSchema(cold::TableKind kind,
                           const std::vector<cold::JsonIndexColumn>& indexes) {
  if (kind != cold::TableKind::kThings) return kRelationshipsSchema;
  std::string schema(kThingsSchema);
  schema.pop_back();  // ')'
  for (const cold::JsonIndexColumn& index : indexes) {
    // Names are [a-z0-9_] (ValidateLayout): safe as identifiers.
    schema += fmt::format(", {} {} HIDDEN", index.ColumnName(),
                          index.kind == cold::IndexKind::kDouble ? "REAL" : "TEXT");
  }
  return schema + ")";
}

int Connect(sqlite3* db, void* aux, cold::TableKind kind, sqlite3_vtab** out, char** error) {
  auto* context = static_cast<ColdVtabContext*>(aux);
  std::vector<cold::JsonIndexColumn> indexes;
  if (kind == cold::TableKind::kThings) {
    for (const cold::JsonIndexColumn& index : context->things_indexes) {
      if (cold::ValidateLayout(cold::TableLayout::Things({index})).ok()) indexes.push_back(index);
    }
  }
  int rc = sqlite3_declare_vtab(db, DeclaredSchema(kind, indexes).c_str());
  if (rc != SQLITE_OK) {
    *error = sqlite3_mprintf("cold virtual table: %s", sqlite3_errmsg(db));
    return rc;
  }
  // Read-only and side-effect free: usable from views even with trusted_schema off.
  sqlite3_vtab_config(db, SQLITE_VTAB_INNOCUOUS);
  auto* vtab = new ColdVtab();
  vtab->context = context;
  vtab->kind = kind;
  for (const cold::JsonIndexColumn& index : indexes) {
    vtab->index_column_names.push_back(index.ColumnName());
  }
  vtab->indexes = std::move(indexes);
  *out = vtab;
  return SQLITE_OK;
}

int ConnectThings(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out,
                  char** error) {
  return Connect(db, aux, cold::TableKind::kThings, out, error);
}

int ConnectRelationships(sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out,
                         char** error) {
  return Connect(db, aux, cold::TableKind::kRelationships, out, error);
}

int Disconnect(sqlite3_vtab* vtab) {
  delete static_cast<ColdVtab*>(vtab);
  return SQLITE_OK;
}

// Estimated rows a plan returns: an id lookup is one row; a full scan is "many".
double EstimateRows(const ColumnSpec* columns, const std::vector<Pushed>& pushed) {
  double rows = 1e6;
  for (const Pushed& p : pushed) {
    if (p.column >= kColumnCount) {  // a JSON-index hint
      rows = std::min(rows, p.op == parquet::CompareOp::kEq ? 1e3 : 1e5);
      continue;
    }
    std::string_view name = columns[p.column].name;
    double estimate = 1e6;
    bool in = p.op == parquet::CompareOp::kIn;
    if (name == cold::kIdColumn) {
      estimate = in ? 10 : 1;
    } else if (name == cold::kFromIdColumn || name == cold::kToIdColumn) {
      estimate = in ? 100 : 10;
    } else if (name == cold::kTypeColumn) {
      estimate = 1e5;
    } else if (columns[p.column].kind == ColumnKind::kTimestamp) {
      estimate = p.op == parquet::CompareOp::kEq ? 10 : 2.5e5;
    }
    rows = std::min(rows, estimate);
  }
  return rows;
}

// A constraint on a hidden idx_ column: pushed as a hint (see cold_vtab.h).
void PushHint(const ColdVtab& vtab, sqlite3_index_info* info, int idx, std::vector<Pushed>& pushed,
              std::string& idx_str) {
  const auto& constraint = info->aConstraint[idx];
  const cold::JsonIndexColumn& index = vtab.indexes[constraint.iColumn - kColumnCount];
  std::optional<parquet::CompareOp> op;
  switch (constraint.op) {
    case SQLITE_INDEX_CONSTRAINT_EQ: op = parquet::CompareOp::kEq; break;
    case SQLITE_INDEX_CONSTRAINT_LT: op = parquet::CompareOp::kLt; break;
    case SQLITE_INDEX_CONSTRAINT_LE: op = parquet::CompareOp::kLe; break;
    case SQLITE_INDEX_CONSTRAINT_GT: op = parquet::CompareOp::kGt; break;
    case SQLITE_INDEX_CONSTRAINT_GE: op = parquet::CompareOp::kGe; break;
    default: return;
  }
  if (index.kind == cold::IndexKind::kString) {
    // Statistics and bloom filters compare bytes: the BINARY collation only.
    const char* collation = sqlite3_vtab_collation(info, idx);
    if (collation != nullptr && sqlite3_stricmp(collation, "BINARY") != 0) return;
  }
  if (*op == parquet::CompareOp::kEq && sqlite3_vtab_in(info, idx, -1)) {
    sqlite3_vtab_in(info, idx, 1);
    op = parquet::CompareOp::kIn;
  }
  pushed.push_back(Pushed{constraint.iColumn, *op});
  info->aConstraintUsage[idx].argvIndex = static_cast<int>(pushed.size());
  // Omitted on purpose: the hidden column reads as NULL (it is not decoded, and files
  // written before the column existed have no value), so SQLite's own check would drop rows
  // the hint keeps. The hint never decides a row alone: the statement's exact
  // json_extract condition does (cold_vtab.h).
  info->aConstraintUsage[idx].omit = 1;
  if (!idx_str.empty()) idx_str += ',';
  idx_str += vtab.ColumnName(constraint.iColumn);
  idx_str += OpText(*op);
}

int BestIndex(sqlite3_vtab* base, sqlite3_index_info* info) {
  auto* vtab = static_cast<ColdVtab*>(base);
  const ColumnSpec* columns = ColumnsOf(vtab->kind);
  std::vector<Pushed> pushed;
  std::string idx_str;
  for (int idx = 0; idx < info->nConstraint; ++idx) {
    const auto& constraint = info->aConstraint[idx];
    if (!constraint.usable || constraint.iColumn < 0 || constraint.iColumn >= vtab->ColumnTotal()) {
      continue;
    }
    if (constraint.iColumn >= kColumnCount) {
      PushHint(*vtab, info, idx, pushed, idx_str);
      continue;
    }
    const ColumnSpec& column = columns[constraint.iColumn];
    std::optional<parquet::CompareOp> op;
    if (column.key && constraint.op == SQLITE_INDEX_CONSTRAINT_EQ) {
      // The pushed filter compares bytes: only under the BINARY collation is it a pre-filter
      // that never drops a row SQLite's own comparison would keep.
      const char* collation = sqlite3_vtab_collation(info, idx);
      if (collation != nullptr && sqlite3_stricmp(collation, "BINARY") != 0) continue;
      op = parquet::CompareOp::kEq;
      if (sqlite3_vtab_in(info, idx, -1)) {
        sqlite3_vtab_in(info, idx, 1);  // all values at once: one scan with id IN (...)
        op = parquet::CompareOp::kIn;
      }
    } else if (column.kind == ColumnKind::kTimestamp) {
      switch (constraint.op) {
        case SQLITE_INDEX_CONSTRAINT_EQ: op = parquet::CompareOp::kEq; break;
        case SQLITE_INDEX_CONSTRAINT_LT: op = parquet::CompareOp::kLt; break;
        case SQLITE_INDEX_CONSTRAINT_LE: op = parquet::CompareOp::kLe; break;
        case SQLITE_INDEX_CONSTRAINT_GT: op = parquet::CompareOp::kGt; break;
        case SQLITE_INDEX_CONSTRAINT_GE: op = parquet::CompareOp::kGe; break;
        default: break;
      }
    }
    if (!op) continue;
    pushed.push_back(Pushed{constraint.iColumn, *op});
    info->aConstraintUsage[idx].argvIndex = static_cast<int>(pushed.size());
    // Never omitted: whether the pushed filter is exact depends on the value's type and the
    // other operand's affinity, known only at run time (a non-text key or a non-integer
    // timestamp is not pushed at all). SQLite's re-check costs one comparison per row.
    info->aConstraintUsage[idx].omit = 0;
    if (!idx_str.empty()) idx_str += ',';
    idx_str += column.name;
    idx_str += OpText(*op);
  }
  double rows = EstimateRows(columns, pushed);
  info->estimatedRows = static_cast<sqlite3_int64>(rows);
  // Cold reads cost object-store requests: a fixed cost per scan plus one per row.
  info->estimatedCost = 100 + rows * 10;
  for (const Pushed& p : pushed) {
    if (p.column < kColumnCount && columns[p.column].name == std::string_view(cold::kIdColumn) &&
        p.op == parquet::CompareOp::kEq) {
      info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
    }
  }
  // The columns to decode; bit 63 stands for columns >= 63 (none here).
  info->idxNum = static_cast<int>(info->colUsed & ((1u << kColumnCount) - 1));
  if (!idx_str.empty()) {
    info->idxStr = sqlite3_mprintf("%s", idx_str.c_str());
    info->needToFreeIdxStr = 1;
  }
  return SQLITE_OK;
}

int Open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  *out = new ColdCursor();
  return SQLITE_OK;
}

int Close(sqlite3_vtab_cursor* cursor) {
  delete static_cast<ColdCursor*>(cursor);
  return SQLITE_OK;
}

// One pushed constraint's predicate from its run-time value(s). `empty` is set when no row
// can match (= NULL, or an IN list of NULLs); nullopt when the value is not pushed.
std::optional<cold::ColdPredicate> MakePredicate(const ColumnSpec& column, const Pushed& pushed,
                                                 sqlite3_value* value, bool* empty) {
  cold::ColdPredicate predicate{column.name, pushed.op, {}};
  auto push_value = [&](sqlite3_value* v) -> bool {  // false: not pushable
    int type = sqlite3_value_type(v);
    if (type == SQLITE_NULL) return true;  // never equal: contributes nothing
    if (column.kind == ColumnKind::kTimestamp) {
      if (type != SQLITE_INTEGER) return false;
      predicate.values.push_back(parquet::Value::Int(sqlite3_value_int64(v)));
      return true;
    }
    if (type != SQLITE_TEXT) return false;
    const char* text = reinterpret_cast<const char*>(sqlite3_value_text(v));
    predicate.values.push_back(
        parquet::Value::String(std::string(text, sqlite3_value_bytes(v))));
    return true;
  };
  if (pushed.op == parquet::CompareOp::kIn) {
    sqlite3_value* item = nullptr;
    for (int rc = sqlite3_vtab_in_first(value, &item); rc == SQLITE_OK && item != nullptr;
         rc = sqlite3_vtab_in_next(value, &item)) {
      if (!push_value(item)) return std::nullopt;
    }
  } else if (!push_value(value)) {
    return std::nullopt;
  }
  if (predicate.values.empty()) {
    *empty = true;
    return std::nullopt;
  }
  if (pushed.op == parquet::CompareOp::kIn && predicate.values.size() == 1) {
    predicate.op = parquet::CompareOp::kEq;
  }
  return predicate;
}

// A hint's predicate from its run-time value(s), or nullopt when it cannot prune (a NULL or
// a value of another kind: every row then passes, as a hint may). Strict bounds on doubles
// become inclusive: a JSON integer beyond 2^53 is stored rounded, and rounding keeps order
// but not strictness.
std::optional<cold::ColdPredicate> MakeHintPredicate(const cold::JsonIndexColumn& index,
                                                     const Pushed& pushed, sqlite3_value* value) {
  cold::ColdPredicate predicate{index.ColumnName(), pushed.op, {}};
  predicate.skip_if_column_missing = true;
  bool doubles = index.kind == cold::IndexKind::kDouble;
  auto push_value = [&](sqlite3_value* v) -> bool {
    int type = sqlite3_value_type(v);
    if (doubles && (type == SQLITE_INTEGER || type == SQLITE_FLOAT)) {
      predicate.values.push_back(parquet::Value::Double(sqlite3_value_double(v)));
      return true;
    }
    if (!doubles && type == SQLITE_TEXT) {
      const char* text = reinterpret_cast<const char*>(sqlite3_value_text(v));
      predicate.values.push_back(
          parquet::Value::String(std::string(text, sqlite3_value_bytes(v))));
      return true;
    }
    return false;
  };
  if (pushed.op == parquet::CompareOp::kIn) {
    sqlite3_value* item = nullptr;
    for (int rc = sqlite3_vtab_in_first(value, &item); rc == SQLITE_OK && item != nullptr;
         rc = sqlite3_vtab_in_next(value, &item)) {
      if (!push_value(item)) return std::nullopt;
    }
    if (predicate.values.empty()) return std::nullopt;
    if (predicate.values.size() == 1) predicate.op = parquet::CompareOp::kEq;
  } else if (!push_value(value)) {
    return std::nullopt;
  }
  if (doubles && predicate.op == parquet::CompareOp::kLt) predicate.op = parquet::CompareOp::kLe;
  if (doubles && predicate.op == parquet::CompareOp::kGt) predicate.op = parquet::CompareOp::kGe;
  return predicate;
}

void AddCounters(cold::ScanCounters& total, const cold::ScanCounters& add) {
  total.files_planned += add.files_planned;
  total.files_pruned_by_plan += add.files_pruned_by_plan;
  total.files_skipped += add.files_skipped;
  total.files_read += add.files_read;
  total.row_groups_read += add.row_groups_read;
  total.row_groups_skipped += add.row_groups_skipped;
  total.pages_read += add.pages_read;
  total.pages_skipped += add.pages_skipped;
  total.delete_files_read += add.delete_files_read;
  total.rows_deleted += add.rows_deleted;
  total.rows_returned += add.rows_returned;
  total.object_requests += add.object_requests;
  total.bytes_read += add.bytes_read;
  total.manifest_cache_hits += add.manifest_cache_hits;
  total.manifest_cache_misses += add.manifest_cache_misses;
  total.footer_cache_hits += add.footer_cache_hits;
  total.footer_cache_misses += add.footer_cache_misses;
  total.delete_cache_hits += add.delete_cache_hits;
}

// Drops the id values no live cold file can hold (index cache: min/max id, bloom filter).
// Returns false when none is left.
Result<bool> PruneIdsByIndexCache(ColdVtabContext& context, cold::TableKind kind,
                                  cold::ColdPredicate& predicate) {
  IndexCache cache(*context.db);
  std::vector<parquet::Value> kept;
  for (auto& value : predicate.values) {
    ASSIGN_OR_RETURN(auto files, cache.CandidateFiles(kind, value.s));
    if (!files.empty()) kept.push_back(std::move(value));
  }
  predicate.values = std::move(kept);
  if (predicate.values.size() == 1) predicate.op = parquet::CompareOp::kEq;
  return !predicate.values.empty();
}

Status Scan(ColdVtab& vtab, ColdCursor& cursor, int idx_num, const char* idx_str, int argc,
            sqlite3_value** argv) {
  ColdVtabContext& context = *vtab.context;
  const ColumnSpec* columns = ColumnsOf(vtab.kind);
  bool things = vtab.kind == cold::TableKind::kThings;
  const iceberg::Table* table =
      things ? context.view.things.get() : context.view.relationships.get();
  std::optional<int64_t> snapshot =
      things ? context.view.things_snapshot_id : context.view.relationships_snapshot_id;
  if (table == nullptr || !snapshot) return Status::OK();  // no cold rows at this point

  std::vector<Pushed> pushed = ParseIdxStr(vtab, idx_str ? idx_str : "");
  cold::ScanRequest request;
  request.snapshot_id = snapshot;
  for (size_t arg = 0; arg < pushed.size() && static_cast<int>(arg) < argc; ++arg) {
    if (pushed[arg].column >= kColumnCount) {
      auto hint = MakeHintPredicate(vtab.indexes[pushed[arg].column - kColumnCount], pushed[arg],
                                    argv[arg]);
      // A column this load of the table does not know yet prunes nothing.
      const iceberg::Schema* schema = table->metadata().CurrentSchema();
      if (hint && schema != nullptr && schema->FindField(hint->column) != nullptr) {
        request.filter.push_back(std::move(*hint));
      }
      continue;
    }
    bool empty = false;
    auto predicate = MakePredicate(columns[pushed[arg].column], pushed[arg], argv[arg], &empty);
    if (empty) return Status::OK();
    if (!predicate) continue;
    if (context.view.use_index_cache && predicate->column == cold::kIdColumn) {
      ASSIGN_OR_RETURN(bool any, PruneIdsByIndexCache(context, vtab.kind, *predicate));
      if (!any) return Status::OK();
    }
    request.filter.push_back(std::move(*predicate));
  }
  for (int column = 0; column < kColumnCount; ++column) {
    cursor.slots[column] = -1;
    if (idx_num & (1 << column)) {
      cursor.slots[column] = static_cast<int>(request.columns.size());
      request.columns.emplace_back(columns[column].name);
    }
  }
  // count(*) uses no column; decode the smallest one so that rows still come back.
  if (request.columns.empty()) request.columns.emplace_back(cold::kIdColumn);

  cold::ColdReader reader(*table, things ? cold::TableLayout::Things()
                                         : cold::TableLayout::Relationships());
  Status status = reader.Scan(request, [&](const cold::ColdBatch& batch) {
    cursor.batches.push_back(batch);
    cursor.batches.back().file = nullptr;  // the plan that owns it is gone after the scan
    return Status::OK();
  });
  AddCounters(context.counters, reader.counters());
  return status;
}

int Filter(sqlite3_vtab_cursor* base, int idx_num, const char* idx_str, int argc,
           sqlite3_value** argv) {
  auto* cursor = static_cast<ColdCursor*>(base);
  auto* vtab = static_cast<ColdVtab*>(base->pVtab);
  cursor->Clear();
  Status status = Scan(*vtab, *cursor, idx_num, idx_str, argc, argv);
  if (!status.ok()) {
    cursor->Clear();
    std::string message = fmt::format(
        "reading cold_{}: {}", cold::TableName(vtab->kind), status.ToString());
    vtab->context->error = Status(status.code(), message);
    sqlite3_free(vtab->zErrMsg);
    vtab->zErrMsg = sqlite3_mprintf("%s", message.c_str());
    return SQLITE_ERROR;
  }
  // Skip leading empty batches (the reader never yields one, but be safe).
  while (cursor->batch < cursor->batches.size() && cursor->batches[cursor->batch].rows.empty()) {
    ++cursor->batch;
  }
  return SQLITE_OK;
}

int Next(sqlite3_vtab_cursor* base) {
  auto* cursor = static_cast<ColdCursor*>(base);
  ++cursor->rowid;
  if (++cursor->selected >= cursor->batches[cursor->batch].rows.size()) {
    cursor->selected = 0;
    ++cursor->batch;
    while (cursor->batch < cursor->batches.size() &&
           cursor->batches[cursor->batch].rows.empty()) {
      ++cursor->batch;
    }
  }
  return SQLITE_OK;
}

int Eof(sqlite3_vtab_cursor* base) {
  auto* cursor = static_cast<ColdCursor*>(base);
  return cursor->batch >= cursor->batches.size();
}

int Column(sqlite3_vtab_cursor* base, sqlite3_context* ctx, int column) {
  auto* cursor = static_cast<ColdCursor*>(base);
  auto* vtab = static_cast<ColdVtab*>(base->pVtab);
  if (column < 0 || column >= kColumnCount || cursor->slots[column] < 0) {
    sqlite3_result_null(ctx);  // a column the plan did not ask for
    return SQLITE_OK;
  }
  const cold::ColdBatch& batch = cursor->batches[cursor->batch];
  const parquet::ColumnBatch& values = batch.columns[cursor->slots[column]];
  size_t row = batch.rows[cursor->selected];
  if (values.IsNull(row)) {
    sqlite3_result_null(ctx);
    return SQLITE_OK;
  }
  switch (ColumnsOf(vtab->kind)[column].kind) {
    case ColumnKind::kTimestamp:
      sqlite3_result_int64(ctx, values.ints[row] / kMicrosPerMilli);
      break;
    case ColumnKind::kText: {
      std::string_view text = values.strings[row];
      sqlite3_result_text(ctx, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
      break;
    }
    case ColumnKind::kBlob: {
      std::string_view bytes = values.strings[row];
      sqlite3_result_blob(ctx, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
      break;
    }
  }
  return SQLITE_OK;
}

int Rowid(sqlite3_vtab_cursor* base, sqlite3_int64* rowid) {
  *rowid = static_cast<ColdCursor*>(base)->rowid;
  return SQLITE_OK;
}

sqlite3_module MakeModule(decltype(sqlite3_module::xConnect) connect) {
  sqlite3_module module{};
  module.iVersion = 0;
  module.xCreate = nullptr;  // eponymous-only: no CREATE VIRTUAL TABLE
  module.xConnect = connect;
  module.xBestIndex = BestIndex;
  module.xDisconnect = Disconnect;
  module.xDestroy = Disconnect;
  module.xOpen = Open;
  module.xClose = Close;
  module.xFilter = Filter;
  module.xNext = Next;
  module.xEof = Eof;
  module.xColumn = Column;
  module.xRowid = Rowid;
  return module;
}

const sqlite3_module kThingsModule = MakeModule(ConnectThings);
const sqlite3_module kRelationshipsModule = MakeModule(ConnectRelationships);

}  // namespace

Status RegisterColdTables(sqlite::Database& db, ColdVtabContext* context) {
  context->db = &db;
  for (auto [name, module] : {std::pair{"cold_things", &kThingsModule},
                              std::pair{"cold_relationships", &kRelationshipsModule}}) {
    int rc = sqlite3_create_module_v2(db.raw(), name, module, context, nullptr);
    if (rc != SQLITE_OK) {
      return db.Error(rc, fmt::format("registering the virtual table module '{}'", name));
    }
  }
  return Status::OK();
}

}  // namespace thingsdb::engine
