#include "engine/sql_hints.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/text.h"

namespace thingsdb::engine {
namespace {

using Kind = SqlToken::Kind;

// SQLITE_MAX_VARIABLE_NUMBER's default: a larger ?NNN does not prepare.
constexpr int kMaxParameterNumber = 32766;

bool IsIdStart(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool IsIdChar(unsigned char c) { return IsIdStart(c) || std::isdigit(c) || c == '$'; }

// The length of the quoted token at sql[pos] ending with `close`, where a doubled `close`
// is an escape (none for [brackets]); 0 when it is not terminated.
size_t QuotedLength(std::string_view sql, size_t pos, char close, bool doubled_escape) {
  for (size_t at = pos + 1; at < sql.size(); ++at) {
    if (sql[at] != close) continue;
    if (doubled_escape && at + 1 < sql.size() && sql[at + 1] == close) {
      ++at;
      continue;
    }
    return at + 1 - pos;
  }
  return 0;
}

size_t NumberLength(std::string_view sql, size_t pos, Kind& kind) {
  size_t at = pos;
  auto digits = [&](auto is_digit) {
    while (at < sql.size() && (is_digit(static_cast<unsigned char>(sql[at])) || sql[at] == '_'))
      ++at;
  };
  auto is_dec = [](unsigned char c) { return std::isdigit(c) != 0; };
  if (sql[at] == '0' && at + 2 < sql.size() && (sql[at + 1] == 'x' || sql[at + 1] == 'X') &&
      std::isxdigit(static_cast<unsigned char>(sql[at + 2]))) {
    at += 2;
    digits([](unsigned char c) { return std::isxdigit(c) != 0; });
  } else {
    digits(is_dec);
    if (at < sql.size() && sql[at] == '.') {
      ++at;
      digits(is_dec);
    }
    if (at < sql.size() && (sql[at] == 'e' || sql[at] == 'E')) {
      size_t exp = at + 1;
      if (exp < sql.size() && (sql[exp] == '+' || sql[exp] == '-')) ++exp;
      if (exp < sql.size() && std::isdigit(static_cast<unsigned char>(sql[exp]))) {
        at = exp;
        digits(is_dec);
      }
    }
  }
  kind = Kind::kNumber;
  // SQLite refuses a number running into an identifier (12abc).
  while (at < sql.size() && IsIdChar(static_cast<unsigned char>(sql[at]))) {
    kind = Kind::kIllegal;
    ++at;
  }
  return at - pos;
}

size_t OperatorLength(std::string_view rest) {
  for (std::string_view op : {"->>", "->", "<=", ">=", "<>", "==", "!=", "<<", ">>", "||"}) {
    if (rest.starts_with(op)) return op.size();
  }
  return std::string_view("-+*/%&|~<>=(),;.").find(rest[0]) != std::string_view::npos ? 1 : 0;
}

// The token at sql[pos] (pos < sql.size()): its kind and length (at least 1).
size_t TokenAt(std::string_view sql, size_t pos, Kind& kind) {
  const unsigned char c = static_cast<unsigned char>(sql[pos]);
  std::string_view rest = sql.substr(pos);
  if (std::isspace(c)) {
    kind = Kind::kSpace;
    size_t at = pos;
    while (at < sql.size() && std::isspace(static_cast<unsigned char>(sql[at]))) ++at;
    return at - pos;
  }
  if (rest.starts_with("--")) {
    kind = Kind::kSpace;
    size_t newline = rest.find('\n');
    return newline == std::string_view::npos ? rest.size() : newline + 1;
  }
  if (rest.starts_with("/*")) {
    kind = Kind::kSpace;  // SQLite ends an unterminated comment at the end of the text
    size_t close = rest.find("*/", 2);
    return close == std::string_view::npos ? rest.size() : close + 2;
  }
  if ((c == 'x' || c == 'X') && rest.size() > 1 && rest[1] == '\'') {
    size_t length = QuotedLength(sql, pos + 1, '\'', false);
    kind = length == 0 ? Kind::kIllegal : Kind::kBlob;
    return length == 0 ? rest.size() : length + 1;
  }
  if (c == '\'' || c == '"' || c == '`' || c == '[') {
    size_t length = c == '[' ? QuotedLength(sql, pos, ']', false) : QuotedLength(sql, pos, c, true);
    kind = length == 0 ? Kind::kIllegal : (c == '\'' ? Kind::kString : Kind::kQuoted);
    return length == 0 ? rest.size() : length;
  }
  if (std::isdigit(c) ||
      (c == '.' && rest.size() > 1 && std::isdigit(static_cast<unsigned char>(rest[1])))) {
    return NumberLength(sql, pos, kind);
  }
  if (c == '?') {
    kind = Kind::kParameter;
    size_t at = pos + 1;
    while (at < sql.size() && std::isdigit(static_cast<unsigned char>(sql[at]))) ++at;
    return at - pos;
  }
  if (c == ':' || c == '@' || c == '$' || c == '#') {
    size_t at = pos + 1;
    while (at < sql.size() && (IsIdChar(static_cast<unsigned char>(sql[at])) || sql[at] == ':'))
      ++at;
    kind = at == pos + 1 ? Kind::kIllegal : Kind::kParameter;
    return at - pos;
  }
  if (IsIdStart(c)) {
    kind = Kind::kIdentifier;
    size_t at = pos + 1;
    while (at < sql.size() && IsIdChar(static_cast<unsigned char>(sql[at]))) ++at;
    return at - pos;
  }
  size_t length = OperatorLength(rest);
  kind = length == 0 ? Kind::kIllegal : Kind::kOperator;
  return std::max<size_t>(length, 1);
}

// A name as SQLite compares it: unquoted, ASCII letters folded.
std::string NormalizedName(const SqlToken& token) {
  std::string_view text = token.text;
  std::string out;
  if (token.kind == Kind::kQuoted) {
    char close = text[0] == '[' ? ']' : text[0];
    for (size_t at = 1; at + 1 < text.size(); ++at) {
      out.push_back(text[at]);
      if (close != ']' && text[at] == close) ++at;  // the doubled quote
    }
  } else {
    out = text;
  }
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string UnquotedString(std::string_view literal) {
  std::string out;
  for (size_t at = 1; at + 1 < literal.size(); ++at) {
    out.push_back(literal[at]);
    if (literal[at] == '\'') ++at;
  }
  return out;
}

// Words that can follow a table reference in FROM, so never an alias without AS.
bool EndsTableReference(std::string_view word) {
  for (std::string_view keyword :
       {"ON",      "USING",   "WHERE", "JOIN",      "LEFT",   "RIGHT", "FULL",   "INNER",
        "CROSS",   "NATURAL", "OUTER", "GROUP",     "ORDER",  "LIMIT", "HAVING", "WINDOW",
        "INDEXED", "NOT",     "UNION", "INTERSECT", "EXCEPT", "AS"}) {
    if (EqualsIgnoreCase(word, keyword)) return true;
  }
  return false;
}

// Reads the statement's significant tokens (spaces dropped) and matches the rule's shapes.
class Planner {
 public:
  explicit Planner(SqlHintPlan& plan) : plan_(plan) {
    for (size_t idx = 0; idx < plan.tokens.size(); ++idx) {
      if (plan.tokens[idx].kind != Kind::kSpace) sig_.push_back(idx);
    }
  }

  bool Plan();

 private:
  const SqlToken& Tok(size_t s) const { return plan_.tokens[sig_[s]]; }
  bool Word(size_t s, std::string_view word) const {
    return s < end_ && Tok(s).kind == Kind::kIdentifier && EqualsIgnoreCase(Tok(s).text, word);
  }
  bool Op(size_t s, std::string_view op) const {
    return s < end_ && Tok(s).kind == Kind::kOperator && Tok(s).text == op;
  }
  bool Name(size_t s) const {
    return s < end_ && (Tok(s).kind == Kind::kIdentifier || Tok(s).kind == Kind::kQuoted);
  }
  bool IsThings(size_t s) const { return Name(s) && NormalizedName(Tok(s)) == "things"; }

  bool ScanParametersAndParens();
  bool FindClauses();
  bool FindThingsReference();
  bool CollectConditions();
  void MatchCondition(size_t begin, size_t end);
  size_t MatchDataRef(size_t s) const;
  size_t MatchJsonPath(size_t s, std::string& path) const;
  size_t MatchValue(size_t s, SqlHintPlan::Operand& value) const;

  SqlHintPlan& plan_;
  std::vector<size_t> sig_;  // indexes of the significant tokens
  std::vector<int> depth_;   // parenthesis depth of each significant token
  size_t end_ = 0;           // the statement's end (before a trailing ;)
  size_t from_ = 0, from_end_ = 0, where_ = 0, where_end_ = 0;
  bool has_where_ = false;
  bool sole_table_ = false;  // FROM names `things` alone: a bare `data` is its column
  std::string alias_;        // what qualifies things' columns
};

bool Planner::ScanParametersAndParens() {
  plan_.numbers.assign(plan_.tokens.size(), 0);
  depth_.assign(sig_.size(), 0);
  int depth = 0;
  int largest = 0;
  for (size_t s = 0; s < end_; ++s) {
    const SqlToken& token = Tok(s);
    if (Op(s, ";")) return false;  // more than one statement
    if (Op(s, ")") && --depth < 0) return false;
    depth_[s] = depth;
    if (Op(s, "(")) ++depth;
    if (token.kind != Kind::kParameter) continue;
    if (token.text == "?") {
      plan_.numbers[sig_[s]] = ++largest;  // SQLite: one more than the largest so far
      continue;
    }
    if (token.text[0] != '?') return false;  // named parameters: not numbered here
    int number = 0;
    auto [ptr, ec] =
        std::from_chars(token.text.data() + 1, token.text.data() + token.text.size(), number);
    if (ec != std::errc() || ptr != token.text.data() + token.text.size() || number < 1 ||
        number > kMaxParameterNumber) {
      return false;
    }
    largest = std::max(largest, number);
  }
  plan_.parameter_count = largest;
  return depth == 0;
}

// FROM and WHERE of the outer SELECT (depth 0), and where its WHERE ends.
bool Planner::FindClauses() {
  bool has_from = false;
  where_end_ = end_;
  for (size_t s = 1; s < end_; ++s) {
    if (depth_[s] != 0 || Tok(s).kind != Kind::kIdentifier) continue;
    for (std::string_view compound : {"UNION", "INTERSECT", "EXCEPT", "VALUES", "SELECT"}) {
      if (Word(s, compound)) return false;
    }
    if (Word(s, "FROM")) {
      // A second FROM at depth 0 is `IS [NOT] DISTINCT FROM`: too subtle, bail.
      if (has_from || Word(s - 1, "DISTINCT")) return false;
      has_from = true;
      from_ = s;
    } else if (Word(s, "WHERE")) {
      if (!has_from || has_where_) return false;
      has_where_ = true;
      where_ = s;
    } else if (Word(s, "GROUP") || Word(s, "HAVING") || Word(s, "ORDER") || Word(s, "LIMIT") ||
               Word(s, "WINDOW")) {
      if (!has_from) return false;
      where_end_ = s;
      break;
    }
  }
  from_end_ = has_where_ ? where_ : where_end_;
  return has_from && has_where_;
}

// Exactly one `things` table reference, in the outer FROM; every other `things` token
// qualifies a column (`things.id`).
bool Planner::FindThingsReference() {
  std::optional<size_t> ref;
  for (size_t s = 0; s < end_; ++s) {
    if (!IsThings(s)) continue;
    if (s > 0 && Op(s - 1, ".")) return false;  // main.things, temp.things
    if (Op(s + 1, ".")) continue;
    if (ref) return false;
    ref = s;
  }
  if (!ref || *ref <= from_ || *ref >= from_end_ || depth_[*ref] != 0) return false;
  size_t s = *ref;
  if (!(Word(s - 1, "FROM") || Word(s - 1, "JOIN") || Op(s - 1, ","))) return false;
  if (Op(s + 1, "(") || Word(s + 1, "INDEXED") || Word(s + 1, "NOT")) return false;
  plan_.things_token = sig_[s];
  size_t after = s + 1;
  alias_ = "things";
  if (Word(after, "AS")) {
    if (!Name(after + 1)) return false;
    alias_ = NormalizedName(Tok(after + 1));
    plan_.has_alias = true;
    after += 2;
  } else if (after < from_end_ &&
             (Tok(after).kind == Kind::kQuoted ||
              (Tok(after).kind == Kind::kIdentifier && !EndsTableReference(Tok(after).text)))) {
    alias_ = NormalizedName(Tok(after));
    plan_.has_alias = true;
    after += 1;
  } else if (after < from_end_ && !Op(after, ",") && Tok(after).kind != Kind::kIdentifier) {
    return false;  // `things 'alias'` or something else unexpected
  }
  sole_table_ = s == from_ + 1 && after == from_end_;
  return true;
}

// The WHERE's top-level AND-conjuncts; none may be joined by OR.
bool Planner::CollectConditions() {
  int depth = 0;
  int open_between = 0;  // BETWEENs whose AND is still to come
  int open_case = 0;
  size_t begin = where_ + 1;
  for (size_t s = where_ + 1; s < where_end_; ++s) {
    if (Op(s, "(")) ++depth;
    if (Op(s, ")")) --depth;
    if (depth != 0 || Tok(s).kind != Kind::kIdentifier) continue;
    if (Word(s, "CASE")) ++open_case;
    if (Word(s, "END") && open_case > 0) --open_case;
    if (open_case > 0) continue;
    if (Word(s, "OR")) return false;
    if (Word(s, "BETWEEN")) ++open_between;
    if (!Word(s, "AND")) continue;
    if (open_between > 0) {
      --open_between;
      continue;
    }
    MatchCondition(begin, s);
    begin = s + 1;
  }
  MatchCondition(begin, where_end_);
  return !plan_.conditions.empty();
}

// `data`, `alias.data` (the things reference's); the index after it, or 0.
size_t Planner::MatchDataRef(size_t s) const {
  auto is_data = [&](size_t at) { return Word(at, "data"); };
  if (is_data(s) && !Op(s + 1, ".")) return sole_table_ ? s + 1 : 0;
  if (Name(s) && Op(s + 1, ".") && is_data(s + 2) && NormalizedName(Tok(s)) == alias_) return s + 3;
  return 0;
}

// `json_extract(<data>, 'PATH')` or `<data> ->> 'PATH'`; the index after it, or 0.
size_t Planner::MatchJsonPath(size_t s, std::string& path) const {
  auto literal = [&](size_t at) { return at < end_ && Tok(at).kind == Kind::kString; };
  if (Word(s, "json_extract") && Op(s + 1, "(")) {
    size_t at = MatchDataRef(s + 2);
    if (at == 0 || !Op(at, ",") || !literal(at + 1) || !Op(at + 2, ")")) return 0;
    path = UnquotedString(Tok(at + 1).text);
    return at + 3;
  }
  size_t at = MatchDataRef(s);
  if (at == 0 || !Op(at, "->>") || !literal(at + 1)) return 0;
  path = UnquotedString(Tok(at + 1).text);
  return at + 2;
}

// A bound parameter, a string literal or a number (with a sign); the index after it, or 0.
size_t Planner::MatchValue(size_t s, SqlHintPlan::Operand& value) const {
  if (s >= end_) return 0;
  const SqlToken& token = Tok(s);
  if (token.kind == Kind::kParameter) {
    value.parameter = true;
    value.number = plan_.numbers[sig_[s]];
    if (value.number == 0) {
      std::from_chars(token.text.data() + 1, token.text.data() + token.text.size(), value.number);
    }
    return s + 1;
  }
  if (token.kind == Kind::kString || token.kind == Kind::kNumber) {
    value.text = token.text;
    value.is_text = token.kind == Kind::kString;
    return s + 1;
  }
  if ((Op(s, "-") || Op(s, "+")) && s + 1 < end_ && Tok(s + 1).kind == Kind::kNumber) {
    value.text = fmt::format("{}{}", token.text, Tok(s + 1).text);
    return s + 2;
  }
  return 0;
}

void Planner::MatchCondition(size_t begin, size_t end) {
  SqlHintPlan::Condition cond;
  auto comparison = [&](size_t at, bool swapped) -> bool {
    if (at == 0 || at >= end || Tok(at).kind != Kind::kOperator) return false;
    std::string_view op = Tok(at).text;
    if (op == "==") op = "=";
    if (op != "=" && op != "<" && op != "<=" && op != ">" && op != ">=") return false;
    cond.op = op;
    if (swapped && op != "=") {  // 5 < x is x > 5
      cond.op = op[0] == '<' ? ">" : "<";
      if (op.size() == 2) cond.op += '=';
    }
    return true;
  };
  // PATH op value, PATH IN (value, …)
  size_t at = MatchJsonPath(begin, cond.path);
  if (at != 0 && Word(at, "IN") && Op(at + 1, "(")) {
    cond.op = "IN";
    at += 2;
    while (true) {
      SqlHintPlan::Operand value;
      at = MatchValue(at, value);
      if (at == 0) return;
      cond.values.push_back(std::move(value));
      if (Op(at, ")")) break;
      if (!Op(at, ",")) return;
      ++at;
    }
    if (at + 1 == end) plan_.conditions.push_back(std::move(cond));
    return;
  }
  SqlHintPlan::Operand value;
  if (comparison(at, false)) {
    if (MatchValue(at + 1, value) == end) {
      cond.values.push_back(std::move(value));
      plan_.conditions.push_back(std::move(cond));
    }
    return;
  }
  // value op PATH
  at = MatchValue(begin, value);
  if (!comparison(at, true)) return;
  if (MatchJsonPath(at + 1, cond.path) == end) {
    cond.values.push_back(std::move(value));
    plan_.conditions.push_back(std::move(cond));
  }
}

bool Planner::Plan() {
  for (const SqlToken& token : plan_.tokens) {
    if (token.kind == Kind::kIllegal) return false;
  }
  end_ = sig_.size();
  if (end_ == 0 || !Word(0, "SELECT")) return false;  // WITH, EXPLAIN, writes: never
  if (Op(end_ - 1, ";")) --end_;
  return ScanParametersAndParens() && FindClauses() && FindThingsReference() && CollectConditions();
}

// The hint of `cond` on `index`, or "" when the rule does not allow one. A file that has the
// column holds null for a value of the other kind, JSON null or a missing path, and SQLite
// orders numbers before text: numbers get = < <=, strings = > >= (and IN of either).
std::string HintFor(const SqlHintPlan::Condition& cond, const HintIndex& index,
                    const std::vector<hot::SqlValue>* params) {
  bool numbers = index.kind == cold::IndexKind::kDouble;
  bool op_ok = cond.op == "=" || cond.op == "IN" ||
               (numbers ? cond.op == "<" || cond.op == "<=" : cond.op == ">" || cond.op == ">=");
  if (!op_ok) return "";
  std::vector<std::string> values;
  for (const SqlHintPlan::Operand& value : cond.values) {
    bool is_text = value.is_text;
    bool is_number = !value.is_text;
    if (value.parameter) {
      if (params == nullptr || value.number < 1 ||
          value.number > static_cast<int>(params->size())) {
        return "";
      }
      const hot::SqlValue& bound = (*params)[value.number - 1];
      is_text = std::holds_alternative<std::string>(bound);
      is_number = std::holds_alternative<int64_t>(bound) || std::holds_alternative<double>(bound);
    }
    if (numbers ? !is_number : !is_text) return "";
    values.push_back(value.parameter ? fmt::format("?{}", value.number) : value.text);
  }
  if (cond.op == "IN") return fmt::format("c.{} IN ({})", index.column, fmt::join(values, ", "));
  return fmt::format("c.{} {} {}", index.column, cond.op, values[0]);
}

}  // namespace

std::vector<SqlToken> TokenizeSql(std::string_view sql) {
  std::vector<SqlToken> tokens;
  for (size_t pos = 0; pos < sql.size();) {
    Kind kind = Kind::kIllegal;
    size_t length = TokenAt(sql, pos, kind);
    tokens.push_back({kind, sql.substr(pos, length)});
    pos += length;
  }
  return tokens;
}

std::optional<SqlHintPlan> PlanSqlHints(std::string_view sql) {
  SqlHintPlan plan;
  plan.tokens = TokenizeSql(sql);
  if (!Planner(plan).Plan()) return std::nullopt;
  return plan;
}

std::optional<std::string> ApplySqlHints(const SqlHintPlan& plan,
                                         const std::vector<hot::SqlValue>* params,
                                         const std::vector<HintIndex>& indexes, ViewMode mode) {
  if (params != nullptr && static_cast<int>(params->size()) != plan.parameter_count) {
    return std::nullopt;  // Run reports the mismatch on the statement as written
  }
  std::vector<std::string> hints;
  for (const SqlHintPlan::Condition& cond : plan.conditions) {
    for (const HintIndex& index : indexes) {
      if (index.json_path != cond.path) continue;
      std::string hint = HintFor(cond, index, params);
      if (!hint.empty()) hints.push_back(std::move(hint));
    }
  }
  if (hints.empty()) return std::nullopt;
  // SQLite numbers a `?` one more than the largest number before it, so a hint naming ?N
  // would shift the anonymous parameters after it: those are written with their numbers.
  // The ones before it stay as written (a result column's name is its expression's text).
  bool renumber = std::any_of(hints.begin(), hints.end(),
                              [](const std::string& hint) { return hint.find('?') != hint.npos; });
  std::string out;
  for (size_t idx = 0; idx < plan.tokens.size(); ++idx) {
    if (idx == plan.things_token) {
      out += fmt::format("({})", ThingsRowsSql(mode, hints));
      if (!plan.has_alias) out += fmt::format(" AS {}", plan.tokens[idx].text);
    } else if (renumber && idx > plan.things_token && plan.numbers[idx] != 0) {
      out += fmt::format("?{}", plan.numbers[idx]);
    } else {
      out += plan.tokens[idx].text;
    }
  }
  return out;
}

}  // namespace thingsdb::engine
