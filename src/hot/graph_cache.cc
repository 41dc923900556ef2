// The in-memory adjacency behind deep traversals (HotStore, graph part 2). One SQL query per
// visited thing costs about what a recursive CTE spends per row, so a 6-hop walk over a
// large graph runs instead over compressed adjacency arrays (CSR) of every relationship,
// with relationship types interned so a type filter is an integer compare.
#include <fmt/format.h>

#include <unordered_map>

#include "hot/hot_store.h"
#include "hot/store_internal.h"

namespace thingsdb::hot {

using sqlite::Statement;

struct HotStore::GraphCache {
  uint64_t generation = 0;
  int64_t data_version = 0;
  std::unordered_map<std::string, int32_t> node_index;
  std::vector<std::string> node_ids;
  std::unordered_map<std::string, int32_t> type_index;
  // For node n, its edges are [offsets[n], offsets[n+1]) of (neighbour, type) pairs.
  std::vector<int64_t> out_offsets, in_offsets;
  std::vector<std::pair<int32_t, int32_t>> out_edges, in_edges;
};

namespace {

struct Edge {
  int32_t from, to, type;
};

void BuildCsr(size_t nodes, const std::vector<Edge>& edges, bool outgoing,
              std::vector<int64_t>& offsets, std::vector<std::pair<int32_t, int32_t>>& adj) {
  offsets.assign(nodes + 1, 0);
  for (const Edge& e : edges) ++offsets[(outgoing ? e.from : e.to) + 1];
  for (size_t n = 0; n < nodes; ++n) offsets[n + 1] += offsets[n];
  adj.resize(edges.size());
  std::vector<int64_t> next(offsets.begin(), offsets.end() - 1);
  for (const Edge& e : edges) {
    adj[next[outgoing ? e.from : e.to]++] = {outgoing ? e.to : e.from, e.type};
  }
}

}  // namespace

Result<std::shared_ptr<const HotStore::GraphCache>> HotStore::GetGraphCache(bool build) {
  std::lock_guard<std::mutex> graph_lock(graph_mu_);
  if (!build && !graph_cache_) return std::shared_ptr<const GraphCache>();  // nothing to check
  // The writer's data_version moves only when another connection (another process)
  // commits. A writer busy right now means a write is under way: use SQL this time.
  std::unique_lock<std::mutex> write_lock(write_mu_, std::try_to_lock);
  if (!write_lock) return std::shared_ptr<const GraphCache>();
  uint64_t generation = graph_generation_.load(std::memory_order_acquire);
  int64_t data_version = 0;
  {
    ASSIGN_OR_RETURN(Statement version, writer_->Cached("PRAGMA data_version"));
    ASSIGN_OR_RETURN(bool row, version.Step());
    if (row) data_version = version.ColumnInt(0);
  }
  write_lock.unlock();
  if (graph_cache_ && graph_cache_->generation == generation &&
      graph_cache_->data_version == data_version) {
    return graph_cache_;
  }
  graph_cache_.reset();
  if (!build) return std::shared_ptr<const GraphCache>();
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  ASSIGN_OR_RETURN(int64_t edge_count, reader->QueryInt("SELECT count(*) FROM relationships"));
  if (edge_count > options_.graph_cache_max_edges) return std::shared_ptr<const GraphCache>();
  // Built from a snapshot no older than `generation`: a write committed meanwhile bumps the
  // generation, so this cache is only ever judged stale too early, never too late.
  auto graph = std::make_shared<GraphCache>();
  graph->generation = generation;
  graph->data_version = data_version;
  ASSIGN_OR_RETURN(Statement stmt, reader->Prepare("SELECT from_id, to_id, type FROM relationships"));
  auto intern = [](std::unordered_map<std::string, int32_t>& index, std::vector<std::string>* ids,
                   std::string_view key) {
    auto [it, fresh] = index.try_emplace(std::string(key), static_cast<int32_t>(index.size()));
    if (fresh && ids) ids->emplace_back(key);
    return it->second;
  };
  std::vector<Edge> edges;
  edges.reserve(static_cast<size_t>(edge_count));
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    edges.push_back({intern(graph->node_index, &graph->node_ids, stmt.ColumnText(0)),
                     intern(graph->node_index, &graph->node_ids, stmt.ColumnText(1)),
                     intern(graph->type_index, nullptr, stmt.ColumnText(2))});
  }
  BuildCsr(graph->node_ids.size(), edges, true, graph->out_offsets, graph->out_edges);
  BuildCsr(graph->node_ids.size(), edges, false, graph->in_offsets, graph->in_edges);
  graph_cache_ = graph;
  return graph_cache_;
}

Result<std::vector<TraverseHit>> HotStore::TraverseCached(const GraphCache& graph,
                                                          std::string_view id,
                                                          const TraverseOptions& options) {
  std::vector<TraverseHit> hits;
  auto start = graph.node_index.find(std::string(id));
  if (start == graph.node_index.end()) return hits;  // no relationships at all
  int32_t type_filter = -1;
  if (options.type) {
    auto type = graph.type_index.find(*options.type);
    if (type == graph.type_index.end()) return hits;
    type_filter = type->second;
  }
  std::vector<uint8_t> seen(graph.node_ids.size(), 0);
  seen[start->second] = 1;
  std::vector<int32_t> frontier{start->second}, next;
  for (int depth = 1; depth <= options.depth && !frontier.empty(); ++depth) {
    next.clear();
    for (int32_t parent : frontier) {
      for (bool outgoing : {true, false}) {
        if (outgoing && options.direction == Direction::kIn) continue;
        if (!outgoing && options.direction == Direction::kOut) continue;
        const auto& offsets = outgoing ? graph.out_offsets : graph.in_offsets;
        const auto& adj = outgoing ? graph.out_edges : graph.in_edges;
        for (int64_t edge = offsets[parent]; edge < offsets[parent + 1]; ++edge) {
          auto [neighbour, type] = adj[edge];
          if (seen[neighbour] || (type_filter >= 0 && type != type_filter)) continue;
          seen[neighbour] = 1;
          hits.push_back({graph.node_ids[neighbour], depth, graph.node_ids[parent]});
          next.push_back(neighbour);
          if (static_cast<int64_t>(hits.size()) >= options.limit) return hits;
        }
      }
    }
    std::swap(frontier, next);
  }
  return hits;
}

}  // namespace thingsdb::hot
