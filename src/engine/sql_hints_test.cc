// The tokenizer and the conservative rewrite of user SQL that adds cold hints (sql_hints.h):
// the statements that must get hints, and the many that must be left alone.
#include "engine/sql_hints.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace thingsdb::engine {
namespace {

using hot::SqlValue;
using Kind = SqlToken::Kind;

const std::vector<HintIndex> kIndexes = {
    {"$.email", "idx_email_1", cold::IndexKind::kString},
    {"$.age", "idx_age_2", cold::IndexKind::kDouble},
};

// The hinted statement, or "" when the rewrite refuses.
std::string Hinted(std::string_view sql, const std::vector<SqlValue>& params = {},
                   ViewMode mode = ViewMode::kBothTiers) {
  auto plan = PlanSqlHints(sql);
  if (!plan) return "";
  return ApplySqlHints(*plan, &params, kIndexes, mode).value_or("");
}

std::vector<std::string> Texts(std::string_view sql) {
  std::vector<std::string> out;
  for (const SqlToken& token : TokenizeSql(sql)) {
    if (token.kind != Kind::kSpace) out.emplace_back(token.text);
  }
  return out;
}

TEST(SqlTokenizerTest, SplitsLikeSqlite) {
  EXPECT_EQ(Texts("SELECT a->>'$.x',b->'y' FROM t WHERE c<=?12 AND d<>:n"),
            (std::vector<std::string>{"SELECT", "a", "->>", "'$.x'", ",", "b", "->", "'y'", "FROM",
                                      "t", "WHERE", "c", "<=", "?12", "AND", "d", "<>", ":n"}));
  EXPECT_EQ(Texts("'it''s -- no' \"a \"\"b\" [x y] `q``r` x'0aFF' 1.5e-3 .5 0x1F 1_000"),
            (std::vector<std::string>{"'it''s -- no'", "\"a \"\"b\"", "[x y]", "`q``r`", "x'0aFF'",
                                      "1.5e-3", ".5", "0x1F", "1_000"}));
  EXPECT_EQ(Texts("a -- things\n/* json_extract( */ b /* open"),
            (std::vector<std::string>{"a", "b"}));
  // Texts concatenate back to the statement.
  std::string sql = "SELECT 'x' /* c */ -- d\n FROM \"t\" WHERE [a] = ?";
  std::string joined;
  for (const SqlToken& token : TokenizeSql(sql)) joined += token.text;
  EXPECT_EQ(joined, sql);
  // Unterminated strings and identifiers, stray bytes and 12abc are illegal.
  for (std::string_view bad : {"'open", "\"open", "[open", "12abc", "a ! b", "x'0"}) {
    bool illegal = false;
    for (const SqlToken& token : TokenizeSql(bad))
      illegal = illegal || token.kind == Kind::kIllegal;
    EXPECT_TRUE(illegal) << bad;
  }
}

TEST(SqlHintsTest, RewritesAnIndexedEqualityWithAParameter) {
  std::string sql = "SELECT * FROM things WHERE json_extract(data, '$.email') = ?";
  std::string hinted = Hinted(sql, {std::string("a@x")});
  EXPECT_EQ(hinted, "SELECT * FROM (" +
                        ThingsRowsSql(ViewMode::kBothTiers, {"c.idx_email_1 = ?1"}) +
                        ") AS things WHERE json_extract(data, '$.email') = ?1");
  // The same statement and value kind give the same text (one cached statement).
  EXPECT_EQ(Hinted(sql, {std::string("b@y")}), hinted);
  // Time travel: the cold rows only.
  EXPECT_EQ(Hinted(sql, {std::string("a@x")}, ViewMode::kColdOnly),
            "SELECT * FROM (SELECT id, type, data, embedding, created_at, updated_at FROM "
            "main.cold_things AS c WHERE c.idx_email_1 = ?1 AND 1) AS things WHERE "
            "json_extract(data, '$.email') = ?1");
}

TEST(SqlHintsTest, RewritesTheShapesTheRuleAllows) {
  struct Case {
    std::string sql;
    std::vector<SqlValue> params;
    std::string hint;  // the cold condition expected in the union
  };
  const std::vector<Case> cases = {
      {"SELECT id FROM things WHERE data ->> '$.email' = 'x'", {}, "c.idx_email_1 = 'x'"},
      {"select id from THINGS where JSON_EXTRACT(data,'$.age') < 30", {}, "c.idx_age_2 < 30"},
      {"SELECT t.id FROM things t WHERE json_extract(t.data,'$.age') <= -2.5",
       {},
       "c.idx_age_2 <= -2.5"},
      {"SELECT t.id FROM things AS t WHERE 30 > json_extract(t.data,'$.age')",
       {},
       "c.idx_age_2 < 30"},
      {"SELECT id FROM things WHERE 'm' <= data->>'$.email'", {}, "c.idx_email_1 >= 'm'"},
      {"SELECT id FROM things WHERE json_extract(data,'$.email') > ?1",
       {std::string("m")},
       "c.idx_email_1 > ?1"},
      {"SELECT id FROM things WHERE json_extract(data,'$.age') == ?1",
       {int64_t{5}},
       "c.idx_age_2 = ?1"},
      {"SELECT id FROM things WHERE json_extract(data,'$.age') = ?1", {2.5}, "c.idx_age_2 = ?1"},
      {"SELECT id FROM things WHERE json_extract(data,'$.email') IN ('a', ?1, 'b')",
       {std::string("c")},
       "c.idx_email_1 IN ('a', ?1, 'b')"},
      {"SELECT id FROM things WHERE json_extract(data,'$.age') IN (1, 2.5)",
       {},
       "c.idx_age_2 IN (1, 2.5)"},
      // Other conjuncts may be anything, subqueries included, as long as none is OR'ed.
      {"SELECT id FROM things WHERE type = 'u' AND (a OR b) AND json_extract(data,'$.email') = "
       "'x' AND created_at BETWEEN 1 AND 2 AND id IN (SELECT to_id FROM relationships) "
       "ORDER BY id LIMIT 5",
       {},
       "c.idx_email_1 = 'x'"},
      {"SELECT CASE WHEN a OR b AND c THEN 1 END FROM things WHERE "
       "CASE WHEN x AND y THEN 1 ELSE 0 END AND json_extract(data,'$.age') = 1",
       {},
       "c.idx_age_2 = 1"},
      // A join: the qualified column is things' own.
      {"SELECT r.id FROM relationships r JOIN things t ON t.id = r.to_id "
       "WHERE json_extract(t.data,'$.email') = 'x'",
       {},
       "c.idx_email_1 = 'x'"},
      {"SELECT things.id FROM things, relationships WHERE things.id = from_id AND "
       "json_extract(things.data,'$.email') = 'x'",
       {},
       "c.idx_email_1 = 'x'"},
      // A GROUP BY / window function runs after WHERE: the dropped rows were dropped anyway.
      {"SELECT type, count(*) OVER () FROM things WHERE json_extract(data,'$.age') = 3 GROUP BY "
       "type",
       {},
       "c.idx_age_2 = 3"},
      {"SELECT * FROM things WHERE json_extract(data,'$.email') = 'x';", {}, "c.idx_email_1 = 'x'"},
  };
  for (const Case& c : cases) {
    std::string hinted = Hinted(c.sql, c.params);
    EXPECT_NE(hinted.find(c.hint + " AND NOT EXISTS"), std::string::npos)
        << c.sql << "\n  -> " << hinted;
  }
}

TEST(SqlHintsTest, KeepsTheUsersAliasAndNumbersAnonymousParameters) {
  std::string hinted = Hinted(
      "SELECT t.id FROM things t WHERE t.type = ? AND json_extract(t.data, '$.email') = ? "
      "AND t.id > ?",
      {std::string("u"), std::string("a@x"), std::string("")});
  EXPECT_NE(hinted.find(") t WHERE t.type = ?1 AND json_extract(t.data, '$.email') = ?2 AND "
                        "t.id > ?3"),
            std::string::npos)
      << hinted;
  EXPECT_NE(hinted.find("c.idx_email_1 = ?2"), std::string::npos) << hinted;
  // ?NNN keep their numbers; a ? after ?5 is 6, as SQLite numbers it.
  hinted = Hinted("SELECT id FROM things WHERE json_extract(data,'$.age') < ?5 AND id = ?",
                  {SqlValue(), SqlValue(), SqlValue(), SqlValue(), int64_t{3}, std::string("a")});
  EXPECT_NE(hinted.find("c.idx_age_2 < ?5"), std::string::npos) << hinted;
  EXPECT_NE(hinted.find("AND id = ?6"), std::string::npos) << hinted;
  // A ? before the reference keeps its text (it names a result column); literal hints
  // leave every ? as written.
  hinted =
      Hinted("SELECT coalesce(?, 1) FROM things WHERE json_extract(data,'$.age') < ? AND id = ?",
             {int64_t{0}, int64_t{3}, std::string("a")});
  EXPECT_EQ(hinted.rfind("SELECT coalesce(?, 1) FROM (", 0), 0u) << hinted;
  EXPECT_NE(hinted.find("c.idx_age_2 < ?2"), std::string::npos) << hinted;
  EXPECT_NE(hinted.find("< ?2 AND id = ?3"), std::string::npos) << hinted;
  hinted = Hinted("SELECT id FROM things WHERE json_extract(data,'$.age') < 3 AND id = ?",
                  {std::string("a")});
  EXPECT_NE(hinted.find("< 3 AND id = ?"), std::string::npos) << hinted;
  EXPECT_EQ(hinted.find("?1"), std::string::npos) << hinted;
  // Two conditions, two hints.
  hinted = Hinted(
      "SELECT id FROM things WHERE json_extract(data,'$.age') < 3 AND "
      "json_extract(data,'$.email') = 'x'");
  EXPECT_NE(hinted.find("c.idx_age_2 < 3 AND c.idx_email_1 = 'x' AND NOT EXISTS"),
            std::string::npos)
      << hinted;
}

TEST(SqlHintsTest, RefusesWhatItCannotProve) {
  struct Case {
    std::string sql;
    std::vector<SqlValue> params;
  };
  const std::vector<Case> cases = {
      // A top-level OR, a negation, a collation, an expression.
      {"SELECT id FROM things WHERE json_extract(data,'$.email') = 'x' OR 0", {}},
      {"SELECT id FROM things WHERE type = 'a' AND json_extract(data,'$.email') = 'x' OR 1", {}},
      {"SELECT id FROM things WHERE NOT json_extract(data,'$.email') = 'x'", {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.email') = 'x' COLLATE NOCASE", {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.age') = 1 + 2", {}},
      {"SELECT id FROM things WHERE (json_extract(data,'$.age') = 1 OR 1) AND 1", {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.email') != 'x'", {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.email') IS 'x'", {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.email') NOT IN ('x')", {}},
      {"SELECT id FROM things WHERE data -> '$.email' = 'x'", {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.email', '$.age') = 'x'", {}},
      // The condition inside a subquery; two things references; a CTE named things.
      {"SELECT id FROM relationships WHERE from_id IN (SELECT id FROM things WHERE "
       "json_extract(data,'$.email') = 'x')",
       {}},
      {"SELECT * FROM (SELECT * FROM things) WHERE json_extract(data,'$.email') = 'x'", {}},
      {"SELECT a.id FROM things a, things b WHERE json_extract(a.data,'$.email') = 'x'", {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.email') = 'x' AND id IN (SELECT id "
       "FROM things)",
       {}},
      {"WITH things AS (SELECT * FROM relationships) SELECT id FROM things WHERE "
       "json_extract(data,'$.email') = 'x'",
       {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.email') = 'x' UNION SELECT id FROM "
       "relationships",
       {}},
      // `data` is ambiguous or another table's; a qualified reference to the wrong table.
      {"SELECT t.id FROM things t JOIN relationships r ON r.from_id = t.id WHERE "
       "json_extract(data,'$.email') = 'x'",
       {}},
      {"SELECT t.id FROM things t JOIN relationships r ON r.from_id = t.id WHERE "
       "json_extract(r.data,'$.email') = 'x'",
       {}},
      {"SELECT t.id FROM things t WHERE json_extract(things.data,'$.email') = 'x'", {}},
      // Not the view: schema-qualified, the cold table, a column or alias named things.
      {"SELECT id FROM main.things WHERE json_extract(data,'$.email') = 'x'", {}},
      {"SELECT id FROM temp.things WHERE json_extract(data,'$.email') = 'x'", {}},
      {"SELECT id FROM cold_things WHERE json_extract(data,'$.email') = 'x'", {}},
      {"SELECT count(*) AS things FROM things WHERE json_extract(data,'$.email') = 'x'", {}},
      {"SELECT things FROM relationships WHERE json_extract(data,'$.email') = 'x'", {}},
      // "things" and json_extract only in strings and comments.
      {"SELECT id FROM relationships WHERE type = 'things' AND "
       "data = 'json_extract(data,''$.email'') = 1'",
       {}},
      {"SELECT id FROM relationships /* FROM things */ WHERE 1 -- things\n AND "
       "json_extract(data,'$.email') = 'x'",
       {}},
      {"SELECT id FROM things WHERE 1 /* AND json_extract(data,'$.email') = 'x' */", {}},
      {"SELECT id FROM things WHERE 1 -- AND json_extract(data,'$.email') = 'x'", {}},
      // A path that is not indexed, or spelled differently.
      {"SELECT id FROM things WHERE json_extract(data,'$.name') = 'x'", {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.\"email\"') = 'x'", {}},
      {"SELECT id FROM things WHERE data ->> 'email' = 'x'", {}},
      // Kinds: a number against a string column, text against a double column, null, blob.
      {"SELECT id FROM things WHERE json_extract(data,'$.email') = 5", {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.age') = '5'", {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.age') = ?1", {std::string("5")}},
      {"SELECT id FROM things WHERE json_extract(data,'$.email') = ?1", {int64_t{5}}},
      {"SELECT id FROM things WHERE json_extract(data,'$.email') = ?1", {SqlValue()}},
      {"SELECT id FROM things WHERE json_extract(data,'$.email') = x'00'", {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.email') = NULL", {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.age') IN (1, '2')", {}},
      // Ranges a null (the other kind) would wrongly fail: numbers > >=, strings < <=.
      {"SELECT id FROM things WHERE json_extract(data,'$.age') > 30", {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.age') >= 30", {}},
      {"SELECT id FROM things WHERE 30 < json_extract(data,'$.age')", {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.email') < 'm'", {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.email') <= 'm'", {}},
      // Named parameters; a parameter count that does not match; writes; EXPLAIN.
      {"SELECT id FROM things WHERE json_extract(data,'$.email') = :e", {std::string("x")}},
      {"SELECT id FROM things WHERE json_extract(data,'$.email') = ?1", {}},
      {"DELETE FROM things WHERE json_extract(data,'$.email') = 'x'", {}},
      {"EXPLAIN SELECT id FROM things WHERE json_extract(data,'$.email') = 'x'", {}},
      {"SELECT id FROM things WHERE json_extract(data,'$.email') = 'x'; SELECT 1", {}},
      // A parenthesised join, IS DISTINCT FROM, INDEXED BY, a table-valued call.
      {"SELECT t.id FROM (things t) WHERE json_extract(t.data,'$.email') = 'x'", {}},
      {"SELECT a IS DISTINCT FROM b FROM things WHERE json_extract(data,'$.email') = 'x'", {}},
      {"SELECT id FROM things INDEXED BY i WHERE json_extract(data,'$.email') = 'x'", {}},
      {"SELECT id FROM things('a') WHERE json_extract(data,'$.email') = 'x'", {}},
      // Unterminated text.
      {"SELECT id FROM things WHERE json_extract(data,'$.email') = 'x", {}},
  };
  for (const Case& c : cases) EXPECT_EQ(Hinted(c.sql, c.params), "") << c.sql;
}

TEST(SqlHintsTest, UnknownParametersGetNoHintLiteralsDo) {
  auto plan = PlanSqlHints(
      "SELECT id FROM things WHERE json_extract(data,'$.email') = ? AND "
      "json_extract(data,'$.age') = 4");
  ASSERT_TRUE(plan.has_value());
  EXPECT_EQ(plan->parameter_count, 1);
  auto hinted = ApplySqlHints(*plan, nullptr, kIndexes, ViewMode::kBothTiers);
  ASSERT_TRUE(hinted.has_value());
  EXPECT_NE(hinted->find("c.idx_age_2 = 4 AND NOT EXISTS"), std::string::npos) << *hinted;
  EXPECT_EQ(hinted->find("c.idx_email_1"), std::string::npos) << *hinted;
  // No index known: nothing to rewrite.
  EXPECT_FALSE(ApplySqlHints(*plan, nullptr, {}, ViewMode::kBothTiers).has_value());
}


// A property test of the tokenizer and the rewrite on hostile text (the SQL endpoint takes
// any string): random mutations of statements that get hints — cut, repeated and spliced
// ranges, inserted bytes, quotes and keywords. Nothing may crash (ASan, UBSan in CI); the
// tokens always concatenate back to the input; a hinted statement still holds every token
// of the input in order, with the one `things` reference replaced by a parenthesised
// union carrying a `c.idx_` hint.
TEST(SqlHintsTest, MutatedStatementsNeverBreakTheRewrite) {
  const std::vector<std::string> seeds = {
      "SELECT * FROM things WHERE json_extract(data, '$.email') = ?",
      "SELECT t.id FROM things AS t WHERE t.data ->> '$.age' <= 30 AND t.type = 'u' ORDER BY 1",
      "SELECT count(*) FROM things WHERE json_extract(data,'$.age') IN (1, 2.5, -3) LIMIT ?2",
      "SELECT id FROM things t JOIN relationships r ON r.from_id = t.id WHERE "
      "json_extract(t.data, '$.email') >= 'm' /* c */ -- x\n",
      "SELECT x FROM (SELECT id AS x FROM things) WHERE 'things' = \"things\" OR [a]`b`",
  };
  const std::vector<std::string> inserts = {"'",  "\"", "(",   ")",    "?",      "?7", "--", "/*",
                                            "*/", ",",  " OR ", " AND ", "things", "data", "->>",
                                            "x'", "[",  "`",   ";",    "\xff",   "0x",  "1e",
                                            "SELECT ", " FROM ", " WHERE ", "json_extract("};
  std::mt19937 rng(20261206);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % std::max<size_t>(n, 1)); };
  const std::vector<SqlValue> params = {SqlValue(std::string("a@b")), SqlValue(int64_t{5}),
                                        SqlValue(2.5), SqlValue(std::string("z"))};
  int hinted_count = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::string sql = seeds[pick(seeds.size())];
    for (int edits = 1 + static_cast<int>(pick(4)); edits > 0; --edits) {
      size_t at = pick(sql.size() + 1);
      switch (pick(4)) {
        case 0: sql.erase(at, pick(8)); break;
        case 1: sql.insert(at, inserts[pick(inserts.size())]); break;
        case 2: sql.insert(at, sql.substr(pick(sql.size()), pick(12))); break;
        default: sql.insert(at, 1, static_cast<char>(pick(256))); break;
      }
    }
    std::string joined;
    for (const SqlToken& token : TokenizeSql(sql)) joined += token.text;
    ASSERT_EQ(joined, sql);
    auto plan = PlanSqlHints(sql);
    if (!plan) continue;
    for (const std::vector<SqlValue>* values : {&params, static_cast<decltype(&params)>(nullptr)}) {
      auto hinted = ApplySqlHints(*plan, values, kIndexes, ViewMode::kBothTiers);
      if (!hinted) continue;
      ++hinted_count;
      EXPECT_NE(hinted->find("c.idx_"), std::string::npos) << sql << "\n→ " << *hinted;
      // Every token of the input, in order, is in the hinted text (parameters may be
      // numbered: ? → ?N).
      std::vector<std::string> in = Texts(sql), out = Texts(*hinted);
      size_t pos = 0;
      for (const std::string& token : in) {
        while (pos < out.size() && out[pos] != token && !(token == "?" && out[pos][0] == '?'))
          ++pos;
        ASSERT_LT(pos, out.size()) << "token '" << token << "' lost: " << sql << "\n→ "
                                   << *hinted;
        ++pos;
      }
    }
  }
  EXPECT_GT(hinted_count, 100) << "the mutations should keep many statements hintable";
}

}  // namespace
}  // namespace thingsdb::engine
