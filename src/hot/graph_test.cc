// Relationships and graph walks: related in each direction, traverse, shortest path.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "hot/hot_store.h"
#include "hot/testing/temp_dir.h"

namespace thingsdb::hot {
namespace {

class GraphTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = HotStore::Open(dir_.File("g.db"));
    ASSERT_TRUE(opened.ok());
    store_ = std::move(*opened);
  }
  void Node(const std::string& id) {
    ASSERT_TRUE(store_->Put({id, "node", "{\"name\":\"" + id + "\"}", std::nullopt}).ok());
  }
  void Edge(const std::string& from, const std::string& to, const std::string& type = "follows") {
    auto rel = store_->Relate({from, type, to, std::nullopt});
    ASSERT_TRUE(rel.ok()) << rel.status().ToString();
  }
  std::set<std::string> RelatedIds(const std::string& id, Direction dir,
                                   std::optional<std::string> type = std::nullopt) {
    RelatedOptions options;
    options.direction = dir;
    options.type = type;
    auto related = store_->Related(id, options);
    EXPECT_TRUE(related.ok());
    std::set<std::string> ids;
    for (const auto& r : *related) ids.insert(r.thing.id);
    return ids;
  }

  testing::TempDir dir_;
  std::unique_ptr<HotStore> store_;
};

TEST_F(GraphTest, FindsRelatedOutgoingIncomingAndBoth) {
  for (const char* id : {"a", "b", "c", "d"}) Node(id);
  Edge("a", "b");
  Edge("a", "c", "likes");
  Edge("d", "a");
  EXPECT_EQ(RelatedIds("a", Direction::kOut), (std::set<std::string>{"b", "c"}));
  EXPECT_EQ(RelatedIds("a", Direction::kOut, "follows"), (std::set<std::string>{"b"}));
  EXPECT_EQ(RelatedIds("a", Direction::kIn), (std::set<std::string>{"d"}));
  EXPECT_EQ(RelatedIds("a", Direction::kBoth), (std::set<std::string>{"b", "c", "d"}));
  RelatedOptions options;
  auto related = store_->Related("a", options);
  ASSERT_TRUE(related.ok());
  for (const auto& r : *related) {
    EXPECT_EQ(r.relationship.from_id, "a");
    EXPECT_EQ(r.relationship.to_id, r.thing.id);
    EXPECT_EQ(r.thing.type, "node");
  }
}

TEST_F(GraphTest, TraverseIsBreadthFirstDepthLimitedAndCycleSafe) {
  for (const char* id : {"a", "b", "c", "d", "e"}) Node(id);
  Edge("a", "b");
  Edge("b", "c");
  Edge("c", "a");  // a cycle
  Edge("c", "d");
  Edge("d", "e");
  TraverseOptions options;
  options.depth = 3;
  auto hits = store_->Traverse("a", options);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 3u);
  EXPECT_EQ((*hits)[0].id, "b");
  EXPECT_EQ((*hits)[0].depth, 1);
  EXPECT_EQ((*hits)[1].id, "c");
  EXPECT_EQ((*hits)[2].id, "d");
  EXPECT_EQ((*hits)[2].parent, "c");
  options.depth = 10;
  EXPECT_EQ(store_->Traverse("a", options)->size(), 4u);  // a itself is never revisited
  options.direction = Direction::kIn;
  options.depth = 1;
  EXPECT_EQ(store_->Traverse("a", options)->at(0).id, "c");
  options.depth = 0;
  EXPECT_TRUE(store_->Traverse("a", options).status().IsInvalidArgument());
}

TEST_F(GraphTest, ShortestPathFindsFewestHops) {
  for (const char* id : {"a", "b", "c", "d", "e", "f"}) Node(id);
  Edge("a", "b");
  Edge("b", "c");
  Edge("c", "d");
  Edge("a", "e");
  Edge("e", "d");
  Edge("d", "f");
  PathOptions options;
  auto path = store_->ShortestPath("a", "f", options);
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, (std::vector<std::string>{"a", "e", "d", "f"}));
  EXPECT_TRUE(store_->ShortestPath("f", "a", options).status().IsNotFound());
  options.direction = Direction::kBoth;
  EXPECT_EQ(store_->ShortestPath("f", "a", options)->size(), 4u);
  options.direction = Direction::kOut;
  options.max_depth = 2;
  EXPECT_TRUE(store_->ShortestPath("a", "f", options).status().IsNotFound());
  EXPECT_EQ(*store_->ShortestPath("a", "a", options), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(store_->ShortestPath("a", "ghost", options).status().IsNotFound());
}

TEST_F(GraphTest, TraverseMatchesARecursiveCteOnARandomGraph) {
  std::vector<BatchItem> items;
  for (int idx = 0; idx < 300; ++idx) items.push_back({NewThing{"n" + std::to_string(idx), "node", "{}", std::nullopt}});
  uint32_t seed = 12345;
  for (int idx = 0; idx < 900; ++idx) {
    seed = seed * 1103515245u + 12345u;
    int from = (seed >> 8) % 300;
    seed = seed * 1103515245u + 12345u;
    int to = (seed >> 8) % 300;
    items.push_back({NewRelationship{"n" + std::to_string(from), "e", "n" + std::to_string(to), std::nullopt}});
  }
  // Drop duplicate edges, which the store refuses.
  std::set<std::pair<std::string, std::string>> seen;
  std::vector<BatchItem> unique;
  for (auto& item : items) {
    if (auto* rel = std::get_if<NewRelationship>(&item.op)) {
      if (!seen.insert({rel->from_id, rel->to_id}).second) continue;
    }
    unique.push_back(item);
  }
  ASSERT_TRUE(store_->WriteBatch(unique).ok());
  for (int depth : {1, 2, 4}) {
    TraverseOptions options;
    options.depth = depth;
    auto hits = store_->Traverse("n0", options);
    ASSERT_TRUE(hits.ok());
    auto cte = store_->Query(
        "WITH RECURSIVE walk(id, depth) AS (SELECT 'n0', 0 UNION "
        "SELECT r.to_id, w.depth + 1 FROM relationships r JOIN walk w ON r.from_id = w.id "
        "WHERE w.depth < ?1) SELECT id, min(depth) FROM walk WHERE id != 'n0' GROUP BY id",
        {SqlValue{int64_t{depth}}});
    ASSERT_TRUE(cte.ok()) << cte.status().ToString();
    std::map<std::string, int64_t> expected;
    for (auto& row : cte->rows) expected[std::get<std::string>(row[0])] = std::get<int64_t>(row[1]);
    std::map<std::string, int64_t> got;
    for (auto& hit : *hits) got[hit.id] = hit.depth;
    EXPECT_EQ(got, expected) << "depth " << depth;
  }
}

std::map<std::string, int> Depths(const std::vector<TraverseHit>& hits) {
  std::map<std::string, int> out;
  for (const auto& hit : hits) out[hit.id] = hit.depth;
  return out;
}

TEST_F(GraphTest, CachedAdjacencyAgreesWithSqlAndSeesEveryWrite) {
  // store_ walks with SQL only; `cached` (same file) walks every depth over the adjacency.
  HotOptions sql_only;
  sql_only.graph_cache_min_depth = 1000;
  auto plain = HotStore::Open(dir_.File("g.db"), sql_only);
  HotOptions always;
  always.graph_cache_min_depth = 1;
  auto cached = HotStore::Open(dir_.File("g.db"), always);
  ASSERT_TRUE(plain.ok() && cached.ok());
  std::vector<BatchItem> items;
  for (int idx = 0; idx < 200; ++idx) {
    items.push_back({NewThing{"n" + std::to_string(idx), "node", "{}", std::nullopt}});
  }
  std::set<std::pair<int, int>> edges;
  uint32_t seed = 7;
  while (edges.size() < 600) {
    seed = seed * 1103515245u + 12345u;
    int from = (seed >> 8) % 200;
    seed = seed * 1103515245u + 12345u;
    int to = (seed >> 8) % 200;
    if (!edges.insert({from, to}).second) continue;
    items.push_back({NewRelationship{"n" + std::to_string(from), edges.size() % 3 ? "a" : "b",
                                     "n" + std::to_string(to), std::nullopt}});
  }
  ASSERT_TRUE((*cached)->WriteBatch(items).ok());
  auto compare = [&](const std::string& start) {
    for (Direction dir : {Direction::kOut, Direction::kIn, Direction::kBoth}) {
      for (std::optional<std::string> type : {std::optional<std::string>(), std::optional<std::string>("a")}) {
        for (int depth : {1, 2, 5}) {
          TraverseOptions options;
          options.direction = dir;
          options.type = type;
          options.depth = depth;
          auto a = (*plain)->Traverse(start, options);
          auto b = (*cached)->Traverse(start, options);
          ASSERT_TRUE(a.ok() && b.ok());
          EXPECT_EQ(Depths(*a), Depths(*b)) << start << " depth " << depth;
        }
      }
    }
  };
  compare("n0");
  compare("n17");
  // Writes through the caching store itself.
  ASSERT_TRUE((*cached)->Relate({"n0", "a", "n199", std::nullopt}).ok());
  ASSERT_TRUE((*cached)->Put({"lonely", "node", "{}", std::nullopt}).ok());
  ASSERT_TRUE((*cached)->Relate({"n199", "a", "lonely", std::nullopt}).ok());
  compare("n0");
  TraverseOptions two;
  two.depth = 2;
  two.type = "a";
  EXPECT_EQ(Depths(*(*cached)->Traverse("n0", two)).count("lonely"), 1u);
  ASSERT_TRUE((*cached)->Unrelate("n199", "a", "lonely").ok());
  EXPECT_EQ(Depths(*(*cached)->Traverse("n0", two)).count("lonely"), 0u);
  ASSERT_TRUE((*cached)->Delete("n199").ok());  // cascades to its relationships
  compare("n0");
  // A write by another connection (as by another process) is seen too.
  ASSERT_TRUE((*plain)->Relate({"n0", "a", "lonely", std::nullopt}).ok());
  TraverseOptions one;
  one.depth = 1;
  EXPECT_EQ(Depths(*(*cached)->Traverse("n0", one)).count("lonely"), 1u);
  compare("n0");
}

// One Related call's rows in a comparable form.
std::vector<std::string> Rows(const std::vector<RelatedThing>& related) {
  std::vector<std::string> out;
  for (const auto& r : related) {
    out.push_back(r.relationship.id + "|" + r.relationship.from_id + "|" + r.relationship.type +
                  "|" + r.relationship.to_id + "|" + r.relationship.data.value_or("-") + "|" +
                  std::to_string(r.relationship.created_at) + "|" + r.thing.id + "|" +
                  r.thing.type + "|" + r.thing.data + "|" + std::to_string(r.thing.updated_at));
  }
  return out;
}

TEST_F(GraphTest, RelatedFromMemoryAgreesWithSqlAndSeesEveryWrite) {
  // `plain` answers Related with SQL only; `cached` (same file) builds the adjacency with its
  // payload at the first read and answers from memory while it is current.
  HotOptions sql_only;
  sql_only.graph_cache_shallow_reads = 0;
  auto plain = HotStore::Open(dir_.File("g.db"), sql_only);
  HotOptions eager;
  eager.graph_cache_shallow_reads = 1;
  eager.graph_cache_rows_per_read = 1e12;
  auto cached = HotStore::Open(dir_.File("g.db"), eager);
  ASSERT_TRUE(plain.ok() && cached.ok());
  std::vector<BatchItem> items;
  for (int idx = 0; idx < 60; ++idx) {
    items.push_back({NewThing{"n" + std::to_string(idx), idx % 2 ? "odd" : "even",
                              "{\"k\":" + std::to_string(idx) + "}", std::nullopt}});
  }
  std::set<std::pair<int, int>> edges;
  uint32_t seed = 11;
  while (edges.size() < 300) {
    seed = seed * 1103515245u + 12345u;
    int from = (seed >> 8) % 60;
    seed = seed * 1103515245u + 12345u;
    int to = (seed >> 8) % 60;  // self-loops allowed
    if (!edges.insert({from, to}).second) continue;
    std::optional<std::string> data;
    if (edges.size() % 5 == 0) data = "{\"w\":" + std::to_string(edges.size()) + "}";
    items.push_back({NewRelationship{"n" + std::to_string(from), edges.size() % 3 ? "a" : "b",
                                     "n" + std::to_string(to), data}});
  }
  ASSERT_TRUE((*cached)->WriteBatch(items).ok());
  auto compare = [&](const std::string& start) {
    for (Direction dir : {Direction::kOut, Direction::kIn, Direction::kBoth}) {
      for (std::optional<std::string> type :
           {std::optional<std::string>(), std::optional<std::string>("a"),
            std::optional<std::string>("nope")}) {
        for (int64_t limit : {int64_t{-1}, int64_t{0}, int64_t{3}, int64_t{1000}}) {
          RelatedOptions options;
          options.direction = dir;
          options.type = type;
          options.limit = limit;
          auto a = (*plain)->Related(start, options);
          auto b = (*cached)->Related(start, options);
          ASSERT_TRUE(a.ok() && b.ok());
          std::vector<std::string> rows_a = Rows(*a), rows_b = Rows(*b);
          ASSERT_EQ(rows_a.size(), rows_b.size()) << start << " limit " << limit;
          if (!type && limit == 3) continue;  // untyped and cut short: either order is right
          if (!type) {  // untyped: SQL's order follows whichever index the planner picks
            std::sort(rows_a.begin(), rows_a.end());
            std::sort(rows_b.begin(), rows_b.end());
          }
          EXPECT_EQ(rows_a, rows_b) << start << " limit " << limit;
        }
      }
    }
  };
  for (const char* start : {"n0", "n7", "n33", "absent"}) compare(start);
  auto counters = (*cached)->graph_cache_counters();
  EXPECT_GE(counters.builds, 1);
  EXPECT_GT(counters.related_from_memory, 0);  // the memory path was exercised
  EXPECT_EQ((*plain)->graph_cache_counters().builds, 0);

  RelatedOptions both;
  both.direction = Direction::kBoth;
  auto thing_data = [&](const std::string& from, const std::string& to) -> std::string {
    auto related = (*cached)->Related(from, both);
    EXPECT_TRUE(related.ok());
    for (const auto& r : *related) {
      if (r.thing.id == to) return r.thing.data;
    }
    return "";
  };
  // A write through the caching store: a thing's data, a new relationship, an unrelate, a
  // delete — each seen by the next call.
  std::string neighbour = (*(*plain)->Related("n0", both))[0].thing.id;
  ASSERT_TRUE((*cached)->Update(neighbour, R"({"fresh":1})", true).ok());
  EXPECT_NE(thing_data("n0", neighbour).find("fresh"), std::string::npos);
  ASSERT_TRUE((*cached)->Put({"lonely", "node", "{}", std::nullopt}).ok());
  ASSERT_TRUE((*cached)->Relate({"n0", "c", "lonely", std::nullopt}).ok());
  EXPECT_EQ(thing_data("n0", "lonely"), "{}");
  compare("n0");
  ASSERT_TRUE((*cached)->Unrelate("n0", "c", "lonely").ok());
  EXPECT_EQ(thing_data("n0", "lonely"), "");
  ASSERT_TRUE((*cached)->Relate({"n0", "c", "lonely", std::nullopt}).ok());
  ASSERT_TRUE((*cached)->Delete("lonely").ok());
  EXPECT_EQ(thing_data("n0", "lonely"), "");
  compare("n0");
  // Writes by another connection (as by another process) are seen too.
  int64_t from_memory = (*cached)->graph_cache_counters().related_from_memory;
  ASSERT_TRUE((*plain)->Update(neighbour, R"({"other":2})", true).ok());
  EXPECT_NE(thing_data("n0", neighbour).find("other"), std::string::npos);
  ASSERT_TRUE((*plain)->Put({"late", "node", "{}", std::nullopt}).ok());
  ASSERT_TRUE((*plain)->Relate({"late", "a", "n0", std::nullopt}).ok());
  EXPECT_EQ(thing_data("n0", "late"), "{}");
  compare("n0");
  compare("n7");
  EXPECT_GT((*cached)->graph_cache_counters().related_from_memory, from_memory);
}

TEST_F(GraphTest, RelatedPayloadOverItsByteCapFallsBackToSql) {
  HotOptions tiny;
  tiny.graph_cache_shallow_reads = 1;
  tiny.graph_cache_rows_per_read = 1e12;
  tiny.graph_cache_max_payload_bytes = 64;  // far below one relationship and its thing
  auto capped = HotStore::Open(dir_.File("g.db"), tiny);
  ASSERT_TRUE(capped.ok());
  for (const char* id : {"a", "b", "c"}) Node(id);
  Edge("a", "b");
  Edge("c", "a");
  RelatedOptions both;
  both.direction = Direction::kBoth;
  for (int round = 0; round < 3; ++round) {
    auto related = (*capped)->Related("a", both);
    ASSERT_TRUE(related.ok());
    ASSERT_EQ(related->size(), 2u);
    EXPECT_EQ((*related)[0].thing.id, "b");
    EXPECT_EQ((*related)[1].thing.id, "c");
  }
  EXPECT_GE((*capped)->graph_cache_counters().builds, 1);
  EXPECT_EQ((*capped)->graph_cache_counters().related_from_memory, 0);
}

TEST_F(GraphTest, ShallowReadsBuildTheAdjacencyOnlyOnceTheyWouldHavePaidForIt) {
  HotOptions lazy;
  lazy.graph_cache_shallow_reads = 4;
  lazy.graph_cache_rows_per_read = 1;  // one read pays for one row
  auto store = HotStore::Open(dir_.File("g.db"), lazy);
  ASSERT_TRUE(store.ok());
  std::vector<BatchItem> items;
  for (int idx = 0; idx < 20; ++idx) {
    items.push_back({NewThing{"n" + std::to_string(idx), "node", "{}", std::nullopt}});
  }
  for (int idx = 0; idx < 19; ++idx) {  // 19 relationships + 20 things: 39 rows
    items.push_back({NewRelationship{"n" + std::to_string(idx), "a",
                                     "n" + std::to_string(idx + 1), std::nullopt}});
  }
  ASSERT_TRUE((*store)->WriteBatch(items).ok());
  RelatedOptions out;
  for (int call = 1; call <= 63; ++call) {
    auto related = (*store)->Related("n3", out);
    ASSERT_TRUE(related.ok());
    ASSERT_EQ(related->size(), 1u);
    EXPECT_EQ((*related)[0].thing.id, "n4");
    // Checked at reads 4, 8, 16, 32: built at 64 (64 >= 39) — not before.
    EXPECT_EQ((*store)->graph_cache_counters().builds, 0) << "call " << call;
  }
  ASSERT_EQ((*(*store)->Related("n3", out))[0].thing.id, "n4");
  EXPECT_EQ((*store)->graph_cache_counters().builds, 1);
  ASSERT_EQ((*(*store)->Related("n3", out))[0].thing.id, "n4");
  EXPECT_EQ((*store)->graph_cache_counters().related_from_memory, 2);
  // A write starts the count again.
  ASSERT_TRUE((*store)->Put({"x", "node", "{}", std::nullopt}).ok());
  ASSERT_EQ((*(*store)->Related("n3", out))[0].thing.id, "n4");
  EXPECT_EQ((*store)->graph_cache_counters().related_from_memory, 2);
}

}  // namespace
}  // namespace thingsdb::hot
