// Read connections that run unchanged user SQL over both tiers: a read-only connection to
// hot.db with the cold virtual tables (cold_vtab.h) and TEMP views `things` and
// `relationships` that shadow main's tables for unqualified names. docs/tiering.md "Read
// path". A TierReader belongs to one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "engine/cold_vtab.h"
#include "hot/limits.h"
#include "hot/query.h"
#include "sqlite/database.h"

namespace thingsdb::engine {

enum class ViewMode {
  // things = hot rows ∪ cold rows with no hot row of the same id and no tombstone.
  kBothTiers,
  // things = the cold rows only (time travel: hot rows and tombstones describe the present).
  kColdOnly,
};

// The TEMP view definitions of `mode` (for docs and tests).
std::string TierViewsSql(ViewMode mode);

// The rows of the view `things` of `mode` as one SELECT, the text its definition uses: the
// hot rows UNION ALL the live cold rows (kBothTiers) or the cold rows (kColdOnly). The cold
// branch reads main.cold_things AS c and also requires every one of `cold_conditions`
// (hints such as `c.idx_<name> = ?2`). ThingsDB::Find and user SQL (sql_hints.h) put it in
// place of `things` to add hints.
std::string ThingsRowsSql(ViewMode mode, const std::vector<std::string>& cold_conditions = {});

// Registers the cold modules on `db` (reading `*context`, which must outlive `db`) and
// creates the TEMP views of `mode`. Call before `PRAGMA query_only = 1`.
Status CreateTierViews(sqlite::Database& db, ColdVtabContext* context, ViewMode mode);

struct TierReaderOptions {
  hot::HotLimits limits;  // SQL length, bound parameters, time budget
  int64_t cache_size_kib = 16000;
  int64_t mmap_bytes = 256 << 20;
  // cold_things' hidden hint columns on this connection (ColdVtabContext::things_indexes).
  std::vector<cold::JsonIndexColumn> things_indexes;
};

// One read connection with its views and the cold modules' state.
class TierReader {
 public:
  static Result<std::unique_ptr<TierReader>> Open(const std::string& hot_path, ViewMode mode,
                                                  const TierReaderOptions& options);
  TierReader(const TierReader&) = delete;
  TierReader& operator=(const TierReader&) = delete;

  ViewMode mode() const { return mode_; }
  sqlite::Database& db() { return *db_; }
  ColdVtabContext& context() { return *context_; }

  // Runs one read-only statement with the hot tier's rules: SQL length and parameter count
  // within the limits (LimitExceeded), a statement that writes refused (InvalidArgument),
  // interrupted past the time budget (LimitExceeded). The caller sets context().view.
  Result<hot::QueryResult> Run(std::string_view sql, const std::vector<hot::SqlValue>& params);
  // BEGIN a read transaction / end it if still open (a user's COMMIT or ROLLBACK may
  // have ended it already). Statements between them see one SQLite snapshot.
  Status BeginRead();
  Status EndRead();
  // EXPLAIN QUERY PLAN of a read-only statement, one line per step (with the hints its
  // literal values get; parameters' values are unknown here).
  Result<std::vector<std::string>> Explain(std::string_view sql);
  // `sql` with cold hints for its JSON-index conditions (sql_hints.h) on the indexes the hot
  // tier has at this connection's snapshot, or "" when none applies. Run and Explain use it.
  std::string HintedSql(std::string_view sql, const std::vector<hot::SqlValue>* params);

 private:
  TierReader(ViewMode mode, hot::HotLimits limits) : mode_(mode), limits_(limits) {}

  ViewMode mode_;
  hot::HotLimits limits_;
  std::unique_ptr<ColdVtabContext> context_;  // before db_: outlives the connection
  std::unique_ptr<sqlite::Database> db_;
};

}  // namespace thingsdb::engine
