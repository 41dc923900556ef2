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
  uint64_t things_generation = 0;
  int64_t data_version = 0;
  std::unordered_map<std::string, int32_t> node_index;
  std::vector<std::string> node_ids;
  std::unordered_map<std::string, int32_t> type_index;
  // For node n, its edges are [offsets[n], offsets[n+1]) of (neighbour, type) pairs;
  // out_rel / in_rel give each edge's relationship (an index into `rels`, in rowid order).
  std::vector<int64_t> out_offsets, in_offsets;
  std::vector<std::pair<int32_t, int32_t>> out_edges, in_edges;
  std::vector<int32_t> out_rel, in_rel;
  // The payload, built for Related: every relationship, and the thing of every node (an
  // empty id: none).
  bool has_payload = false;
  std::vector<Relationship> rels;
  std::vector<Thing> things;
};

namespace {

struct Edge {
  int32_t from, to, type;
};

void BuildCsr(size_t nodes, const std::vector<Edge>& edges, bool outgoing,
              std::vector<int64_t>& offsets, std::vector<std::pair<int32_t, int32_t>>& adj,
              std::vector<int32_t>& rel) {
  offsets.assign(nodes + 1, 0);
  for (const Edge& e : edges) ++offsets[(outgoing ? e.from : e.to) + 1];
  for (size_t n = 0; n < nodes; ++n) offsets[n + 1] += offsets[n];
  adj.resize(edges.size());
  rel.resize(edges.size());
  std::vector<int64_t> next(offsets.begin(), offsets.end() - 1);
  for (size_t idx = 0; idx < edges.size(); ++idx) {
    const Edge& e = edges[idx];
    int64_t pos = next[outgoing ? e.from : e.to]++;
    adj[pos] = {outgoing ? e.to : e.from, e.type};
    rel[pos] = static_cast<int32_t>(idx);
  }
}

// Heap bytes of a string beyond its inline buffer.
size_t HeapBytes(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

}  // namespace

bool HotStore::PayloadCurrent(const GraphCache& graph) const {
  return graph.has_payload &&
         graph.things_generation == things_generation_.load(std::memory_order_acquire);
}

Result<std::shared_ptr<const HotStore::GraphCache>> HotStore::GetGraphCache(GraphUse use) {
  std::lock_guard<std::mutex> graph_lock(graph_mu_);
  uint64_t generation = graph_generation_.load(std::memory_order_acquire);
  uint64_t things_generation = things_generation_.load(std::memory_order_acquire);
  bool build = use == GraphUse::kDeep;
  bool payload = use == GraphUse::kRelated;
  if (!build) {
    // A shallow read: the cache if it is current (checked below); meanwhile count the reads
    // SQL answers at this generation, and build once they would have paid for it.
    bool usable = graph_cache_ && graph_cache_->generation == generation &&
                  (!payload || (graph_cache_->has_payload &&
                                graph_cache_->things_generation == things_generation));
    if (!usable && options_.graph_cache_shallow_reads > 0) {
      if (shallow_generation_ != generation || shallow_things_generation_ != things_generation) {
        shallow_generation_ = generation;
        shallow_things_generation_ = things_generation;
        shallow_reads_ = 0;
      }
      int64_t reads = ++shallow_reads_;
      build = reads == options_.graph_cache_shallow_reads ||
              (reads > options_.graph_cache_shallow_reads && (reads & (reads - 1)) == 0);
    }
    // Not current at this generation, and not to be built now: SQL, with no PRAGMA to run.
    if (!build && !usable) return std::shared_ptr<const GraphCache>();
  }
  // The writer's data_version moves only when another connection (another process)
  // commits. A writer busy right now means a write is under way: use SQL this time.
  std::unique_lock<std::mutex> write_lock(write_mu_, std::try_to_lock);
  if (!write_lock) return std::shared_ptr<const GraphCache>();
  int64_t data_version = 0;
  {
    ASSIGN_OR_RETURN(Statement version, writer_->Cached("PRAGMA data_version"));
    ASSIGN_OR_RETURN(bool row, version.Step());
    if (row) data_version = version.ColumnInt(0);
  }
  write_lock.unlock();
  bool current = graph_cache_ && graph_cache_->generation == generation &&
                 graph_cache_->data_version == data_version;
  if (current && (!payload || (graph_cache_->has_payload &&
                               graph_cache_->things_generation == things_generation))) {
    return graph_cache_;
  }
  if (!current) graph_cache_.reset();
  if (!build) return graph_cache_;  // current without the payload, or null
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  if (use != GraphUse::kDeep) {
    // Rows to load, estimated in O(log n) from the largest rowids.
    ASSIGN_OR_RETURN(int64_t rel_rows, reader->QueryInt("SELECT max(rowid) FROM relationships"));
    ASSIGN_OR_RETURN(int64_t thing_rows, reader->QueryInt("SELECT max(rowid) FROM things"));
    double rows = static_cast<double>(rel_rows + (payload ? thing_rows : 0));
    if (static_cast<double>(shallow_reads_) * options_.graph_cache_rows_per_read < rows) {
      return graph_cache_;
    }
  }
  ASSIGN_OR_RETURN(int64_t edge_count, reader->QueryInt("SELECT count(*) FROM relationships"));
  if (edge_count > options_.graph_cache_max_edges) return std::shared_ptr<const GraphCache>();
  // Built from a snapshot no older than `generation`: a write committed meanwhile bumps the
  // generation, so this cache is only ever judged stale too early, never too late.
  auto graph = std::make_shared<GraphCache>();
  graph->generation = generation;
  graph->things_generation = things_generation;
  graph->data_version = data_version;
  graph_builds_.fetch_add(1, std::memory_order_relaxed);
  // With the payload, in rowid order: then a node's edges of one type come in the order the
  // SQL form (idx_rel_from / idx_rel_to, then rowid) returns them.
  ASSIGN_OR_RETURN(Statement stmt,
                   reader->Prepare(payload ? "SELECT from_id, to_id, type, id, data, created_at "
                                             "FROM relationships ORDER BY rowid"
                                           : "SELECT from_id, to_id, type FROM relationships"));
  auto intern = [](std::unordered_map<std::string, int32_t>& index, std::vector<std::string>* ids,
                   std::string_view key) {
    auto [it, fresh] = index.try_emplace(std::string(key), static_cast<int32_t>(index.size()));
    if (fresh && ids) ids->emplace_back(key);
    return it->second;
  };
  std::vector<Edge> edges;
  edges.reserve(static_cast<size_t>(edge_count));
  size_t payload_bytes = 0;
  if (payload) graph->rels.reserve(static_cast<size_t>(edge_count));
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    edges.push_back({intern(graph->node_index, &graph->node_ids, stmt.ColumnText(0)),
                     intern(graph->node_index, &graph->node_ids, stmt.ColumnText(1)),
                     intern(graph->type_index, nullptr, stmt.ColumnText(2))});
    if (payload && payload_bytes <= static_cast<size_t>(options_.graph_cache_max_payload_bytes)) {
      Relationship& rel = graph->rels.emplace_back();
      rel.from_id.assign(stmt.ColumnText(0));
      rel.to_id.assign(stmt.ColumnText(1));
      rel.type.assign(stmt.ColumnText(2));
      rel.id.assign(stmt.ColumnText(3));
      if (!stmt.IsNull(4)) rel.data.emplace(stmt.ColumnText(4));
      rel.created_at = stmt.ColumnInt(5);
      payload_bytes += sizeof(Relationship) + HeapBytes(rel.id) + HeapBytes(rel.from_id) +
                       HeapBytes(rel.to_id) + HeapBytes(rel.type) +
                       (rel.data ? HeapBytes(*rel.data) : 0);
    }
  }
  stmt.Reset();
  BuildCsr(graph->node_ids.size(), edges, true, graph->out_offsets, graph->out_edges,
           graph->out_rel);
  BuildCsr(graph->node_ids.size(), edges, false, graph->in_offsets, graph->in_edges,
           graph->in_rel);
  if (payload) {
    graph->things.resize(graph->node_ids.size());
    ASSIGN_OR_RETURN(Statement things, reader->Prepare("SELECT id, type, data, embedding, "
                                                       "created_at, updated_at FROM things"));
    while (payload_bytes <= static_cast<size_t>(options_.graph_cache_max_payload_bytes)) {
      ASSIGN_OR_RETURN(bool row, things.Step());
      if (!row) break;
      auto node = graph->node_index.find(std::string(things.ColumnText(0)));
      if (node == graph->node_index.end()) continue;  // no relationships
      Thing& thing = graph->things[node->second];
      ReadThingRowInto(things, 0, thing);
      payload_bytes += HeapBytes(thing.id) + HeapBytes(thing.type) + HeapBytes(thing.data) +
                       (thing.embedding ? thing.embedding->capacity() * sizeof(float) : 0);
    }
    payload_bytes += graph->things.size() * sizeof(Thing);
    graph->has_payload =
        payload_bytes <= static_cast<size_t>(options_.graph_cache_max_payload_bytes);
    if (!graph->has_payload) {  // too large: keep the adjacency only
      std::vector<Relationship>().swap(graph->rels);
      std::vector<Thing>().swap(graph->things);
    }
  }
  graph_cache_ = graph;
  return graph_cache_;
}

std::vector<RelatedThing> HotStore::RelatedCached(const GraphCache& graph, std::string_view id,
                                                  const RelatedOptions& options) {
  std::vector<RelatedThing> out;
  if (options.limit == 0) return out;
  auto start = graph.node_index.find(std::string(id));
  if (start == graph.node_index.end()) return out;  // no relationships at all
  int32_t type_filter = -1;
  if (options.type) {
    auto type = graph.type_index.find(*options.type);
    if (type == graph.type_index.end()) return out;
    type_filter = type->second;
  }
  related_from_memory_.fetch_add(1, std::memory_order_relaxed);
  int32_t node = start->second;
  for (bool outgoing : {true, false}) {
    if (outgoing && options.direction == Direction::kIn) continue;
    if (!outgoing && options.direction == Direction::kOut) continue;
    const auto& offsets = outgoing ? graph.out_offsets : graph.in_offsets;
    const auto& adj = outgoing ? graph.out_edges : graph.in_edges;
    const auto& rel = outgoing ? graph.out_rel : graph.in_rel;
    for (int64_t edge = offsets[node]; edge < offsets[node + 1]; ++edge) {
      auto [neighbour, type] = adj[edge];
      if (type_filter >= 0 && type != type_filter) continue;
      const Thing& thing = graph.things[neighbour];
      if (thing.id.empty()) continue;  // as the SQL join: no thing, no row
      if (out.empty()) out.reserve(static_cast<size_t>(offsets[node + 1] - edge));
      out.push_back({graph.rels[rel[edge]], thing});
      if (options.limit > 0 && static_cast<int64_t>(out.size()) >= options.limit) return out;
    }
  }
  return out;
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
