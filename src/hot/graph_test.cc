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

}  // namespace
}  // namespace thingsdb::hot
