// Cold-tier hints for user SQL over the tier views (docs/tiering.md "Read path"): a
// conservative rewrite of one plain SELECT whose single `things` reference has top-level
// AND-conditions `json_extract(data, PATH) op value` (or `data ->> PATH op value`) on live
// JSON indexes. The reference becomes the view's union spelled out (ThingsRowsSql) with
// `c.idx_<name> op value` in its cold branch; the exact conditions stay where they are.
// Any statement the rules cannot prove safe is left alone. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cold/cold_schema.h"
#include "engine/tier_views.h"
#include "hot/query.h"

namespace thingsdb::engine {

// One SQLite token of a statement (tokenize.c's classes, coarser).
struct SqlToken {
  enum class Kind {
    kSpace,       // whitespace and comments (-- and /* */)
    kString,      // 'text' ('' escapes)
    kBlob,        // x'hex'
    kNumber,      // 12, 1.5e3, .5, 0x1F, 1_000
    kIdentifier,  // a bare word: keyword or name
    kQuoted,      // "name", [name], `name`
    kParameter,   // ?, ?NNN, :name, @name, $name, #name
    kOperator,    // punctuation and operators, ->> and -> included
    kIllegal,     // an unterminated string or identifier, a stray byte
  };
  Kind kind;
  std::string_view text;
};

// The tokens of `sql`, spaces and comments included: their texts concatenate to `sql`.
std::vector<SqlToken> TokenizeSql(std::string_view sql);

// A JSON index a hint may use. Only an index the hot tier has now: the column of a dropped
// index stays, null in newer files, and would prune their matching rows.
struct HintIndex {
  std::string json_path;  // "$.email"
  std::string column;     // "idx_<name>" of cold_things
  cold::IndexKind kind = cold::IndexKind::kString;
};

// What PlanSqlHints found in a statement: its tokens, the `things` reference, and the
// top-level conditions on JSON paths (before knowing the indexes or the bound values).
struct SqlHintPlan {
  struct Operand {
    bool parameter = false;  // a bound parameter (number) or a literal (text)
    int number = 0;          // the parameter's number, 1-based
    std::string text;        // the literal as written: 'x', 42, -1.5
    bool is_text = false;    // a string literal (else a number)
  };
  struct Condition {
    std::string path;  // the JSON path as the literal spells it, unescaped
    std::string op;    // = < <= > >= or IN, the path's side first
    std::vector<Operand> values;
  };
  std::vector<SqlToken> tokens;
  size_t things_token = 0;   // index in tokens of the `things` reference
  bool has_alias = false;    // `things AS t` / `things t`: the alias stays after the union
  std::vector<int> numbers;  // per token: the number of an anonymous `?`, else 0
  int parameter_count = 0;   // the parameters the statement takes
  std::vector<Condition> conditions;
};

// The plan of `sql` when it may get hints (a SELECT with one `things` reference and at least
// one candidate condition), else nullopt. `sql` must outlive the plan.
std::optional<SqlHintPlan> PlanSqlHints(std::string_view sql);

// The statement with hints for the conditions whose path has an index in `indexes`, whose
// operator is safe for the column's kind (numbers: = < <= IN; strings: = > >= IN) and
// whose values are all of that kind; nullopt when none qualifies. `params` are the values
// bound to the statement (nullptr: unknown, so parameters get no hint). The result takes
// the same parameters: hints reuse the user's numbers and literals, and the anonymous `?`
// after the `things` reference are written with their numbers when a hint names one.
std::optional<std::string> ApplySqlHints(const SqlHintPlan& plan,
                                         const std::vector<hot::SqlValue>* params,
                                         const std::vector<HintIndex>& indexes, ViewMode mode);

}  // namespace thingsdb::engine
