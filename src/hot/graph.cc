// Relationships and graph walks (HotStore, part 2 of 3).
#include <algorithm>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "hot/hot_store.h"
#include "hot/store_internal.h"

namespace thingsdb::hot {

using sqlite::Database;
using sqlite::Statement;

namespace {

// Neighbour queries, by direction and whether a type filter is given. The forms name the
// columns of idx_rel_unique (from_id, to_id, type) / idx_rel_to (to_id, type) so they are
// answered from an index alone. Both directions are one statement (UNION ALL, outgoing
// first): one read transaction, so one pair of WAL read-lock syscalls instead of two.
const char* NeighbourSql(Direction direction, bool typed) {
  switch (direction) {
    case Direction::kOut:
      return typed ? "SELECT to_id FROM relationships WHERE from_id = ?1 AND type = ?2"
                   : "SELECT to_id FROM relationships WHERE from_id = ?1";
    case Direction::kIn:
      return typed ? "SELECT from_id FROM relationships WHERE to_id = ?1 AND type = ?2"
                   : "SELECT from_id FROM relationships WHERE to_id = ?1";
    case Direction::kBoth:
      break;
  }
  return typed ? "SELECT to_id FROM relationships WHERE from_id = ?1 AND type = ?2 UNION ALL "
                 "SELECT from_id FROM relationships WHERE to_id = ?1 AND type = ?2"
               : "SELECT to_id FROM relationships WHERE from_id = ?1 UNION ALL "
                 "SELECT from_id FROM relationships WHERE to_id = ?1";
}

// Calls visit(neighbour_id) for each neighbour of `id` along `direction` (outgoing first)
// until it returns false.
template <typename Visit>
Status ForEachNeighbour(Database& db, std::string_view id, Direction direction,
                        const std::optional<std::string>& type, Visit&& visit) {
  ASSIGN_OR_RETURN(Statement stmt, db.Cached(NeighbourSql(direction, type.has_value())));
  stmt.BindTextStatic(1, id);
  if (type) stmt.BindTextStatic(2, *type);
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    if (!visit(stmt.ColumnText(0))) break;
  }
  return Status::OK();
}

// Relationships joined to the thing at the other end, in one statement per direction and
// type filter (both directions: UNION ALL, outgoing first, so one read transaction); constant
// texts, so each reader connection prepares them once.
const char* RelatedSql(Direction direction, bool typed) {
#define THINGSDB_RELATED_SELECT                                                             \
  "SELECT r.id, r.from_id, r.to_id, r.type, r.data, r.created_at, t.id, t.type, t.data, " \
  "t.embedding, t.created_at, t.updated_at FROM relationships r JOIN things t "
#define THINGSDB_RELATED_OUT THINGSDB_RELATED_SELECT "ON t.id = r.to_id WHERE r.from_id = ?1"
#define THINGSDB_RELATED_IN THINGSDB_RELATED_SELECT "ON t.id = r.from_id WHERE r.to_id = ?1"
  switch (direction) {
    case Direction::kOut:
      return typed ? THINGSDB_RELATED_OUT " AND r.type = ?2 LIMIT ?3"
                   : THINGSDB_RELATED_OUT " LIMIT ?3";
    case Direction::kIn:
      return typed ? THINGSDB_RELATED_IN " AND r.type = ?2 LIMIT ?3"
                   : THINGSDB_RELATED_IN " LIMIT ?3";
    case Direction::kBoth:
      break;
  }
  return typed ? THINGSDB_RELATED_OUT " AND r.type = ?2 UNION ALL " THINGSDB_RELATED_IN
                                      " AND r.type = ?2 LIMIT ?3"
               : THINGSDB_RELATED_OUT " UNION ALL " THINGSDB_RELATED_IN " LIMIT ?3";
#undef THINGSDB_RELATED_IN
#undef THINGSDB_RELATED_OUT
#undef THINGSDB_RELATED_SELECT
}

Status CheckExists(Database& db, std::string_view id, std::string_view role) {
  ASSIGN_OR_RETURN(Statement stmt, db.Cached("SELECT 1 FROM things WHERE id = ?1"));
  stmt.BindTextStatic(1, id);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::NotFound(fmt::format("{} thing '{}' does not exist", role, id));
  return Status::OK();
}

}  // namespace

Result<Relationship> HotStore::InsertRelationship(
    const NewRelationship& rel, int64_t now,
    const std::unordered_set<std::string>* external_ends) {
  for (auto [end, role] : {std::pair<const std::string*, const char*>{&rel.from_id, "from"},
                           {&rel.to_id, "to"}}) {
    Status exists = CheckExists(*writer_, *end, role);
    if (!exists.ok() && !(exists.code() == StatusCode::kNotFound && external_ends &&
                          external_ends->count(*end))) {
      return exists;
    }
  }
  ASSIGN_OR_RETURN(Statement stmt,
                   writer_->Cached("INSERT INTO relationships(id, from_id, to_id, type, data, "
                                   "created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
  Relationship out{ids_.Next(), rel.from_id, rel.to_id, rel.type, rel.data, now};
  stmt.BindTextStatic(1, out.id).BindTextStatic(2, out.from_id).BindTextStatic(3, out.to_id);
  stmt.BindTextStatic(4, out.type).BindInt(6, now);
  if (out.data) {
    stmt.BindTextStatic(5, *out.data);
  } else {
    stmt.BindNull(5);
  }
  auto done = stmt.Step();
  if (!done.ok()) {
    if (done.status().IsConflict()) {
      return Status::Conflict(fmt::format("relationship '{}' -[{}]-> '{}' already exists",
                                          rel.from_id, rel.type, rel.to_id));
    }
    return done.status();
  }
  return out;
}

Result<Relationship> HotStore::Relate(const NewRelationship& rel) {
  RETURN_IF_ERROR(ValidateNewRelationship(rel, options_.limits));
  std::lock_guard<std::mutex> lock(write_mu_);
  RETURN_IF_ERROR(CheckNamespaceSize(128));
  auto inserted = InsertRelationship(rel, clock_->NowMs());
  if (inserted.ok()) graph_generation_.fetch_add(1, std::memory_order_release);
  return inserted;
}

Status HotStore::Unrelate(std::string_view from_id, std::string_view type,
                          std::string_view to_id) {
  RETURN_IF_ERROR(ValidateName(from_id, "fromId", options_.limits.max_id_bytes));
  RETURN_IF_ERROR(ValidateName(to_id, "toId", options_.limits.max_id_bytes));
  RETURN_IF_ERROR(ValidateName(type, "relationship type", options_.limits.max_type_bytes));
  std::lock_guard<std::mutex> lock(write_mu_);
  ASSIGN_OR_RETURN(Statement stmt, writer_->Cached("DELETE FROM relationships WHERE from_id = ?1 "
                                                   "AND to_id = ?2 AND type = ?3"));
  stmt.BindTextStatic(1, from_id).BindTextStatic(2, to_id).BindTextStatic(3, type);
  RETURN_IF_ERROR(stmt.Run());
  if (writer_->Changes() == 0) {
    return Status::NotFound(
        fmt::format("relationship '{}' -[{}]-> '{}' does not exist", from_id, type, to_id));
  }
  graph_generation_.fetch_add(1, std::memory_order_release);
  return Status::OK();
}

Result<std::vector<RelatedThing>> HotStore::Related(std::string_view id,
                                                    const RelatedOptions& options) {
  RETURN_IF_ERROR(ValidateName(id, "id", options_.limits.max_id_bytes));
  {
    ASSIGN_OR_RETURN(auto graph, GetGraphCache(GraphUse::kRelated));
    if (graph && PayloadCurrent(*graph)) return RelatedCached(*graph, id, options);
  }
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  ASSIGN_OR_RETURN(Statement stmt,
                   reader->Cached(RelatedSql(options.direction, options.type.has_value())));
  stmt.BindTextStatic(1, id).BindInt(3, options.limit);
  if (options.type) stmt.BindTextStatic(2, *options.type);
  std::vector<RelatedThing> out;
  out.reserve(static_cast<size_t>(std::clamp<int64_t>(options.limit, 0, 32)));  // < 0: no limit
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    RelatedThing& hit = out.emplace_back();
    ReadRelationshipRowInto(stmt, 0, hit.relationship);
    ReadThingRowInto(stmt, 6, hit.thing);
  }
  return out;
}

Result<std::vector<TraverseHit>> HotStore::Traverse(std::string_view id,
                                                    const TraverseOptions& options) {
  RETURN_IF_ERROR(ValidateName(id, "id", options_.limits.max_id_bytes));
  if (options.depth < 1) return Status::InvalidArgument("depth must be at least 1");
  {
    ASSIGN_OR_RETURN(auto graph, GetGraphCache(options.depth >= options_.graph_cache_min_depth
                                                   ? GraphUse::kDeep
                                                   : GraphUse::kShallow));
    if (graph) return TraverseCached(*graph, id, options);
  }
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  std::unordered_set<std::string> seen{std::string(id)};
  std::vector<TraverseHit> hits;
  std::vector<std::string> frontier{std::string(id)};
  for (int depth = 1; depth <= options.depth && !frontier.empty(); ++depth) {
    std::vector<std::string> next;
    for (const std::string& parent : frontier) {
      bool full = false;
      RETURN_IF_ERROR(ForEachNeighbour(
          *reader, parent, options.direction, options.type, [&](std::string_view neighbour) {
            if (!seen.emplace(neighbour).second) return true;
            hits.push_back({std::string(neighbour), depth, parent});
            next.emplace_back(neighbour);
            full = static_cast<int64_t>(hits.size()) >= options.limit;
            return !full;
          }));
      if (full) return hits;
    }
    frontier = std::move(next);
  }
  return hits;
}

Result<std::vector<std::string>> HotStore::ShortestPath(std::string_view from_id,
                                                        std::string_view to_id,
                                                        const PathOptions& options) {
  RETURN_IF_ERROR(ValidateName(from_id, "from", options_.limits.max_id_bytes));
  RETURN_IF_ERROR(ValidateName(to_id, "to", options_.limits.max_id_bytes));
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  RETURN_IF_ERROR(CheckExists(*reader, from_id, "from"));
  RETURN_IF_ERROR(CheckExists(*reader, to_id, "to"));
  if (from_id == to_id) return std::vector<std::string>{std::string(from_id)};
  // Bidirectional breadth-first search: expand the smaller frontier each round.
  Direction backward = options.direction == Direction::kOut  ? Direction::kIn
                       : options.direction == Direction::kIn ? Direction::kOut
                                                             : Direction::kBoth;
  std::unordered_map<std::string, std::string> parent_fwd{{std::string(from_id), ""}};
  std::unordered_map<std::string, std::string> parent_bwd{{std::string(to_id), ""}};
  std::vector<std::string> frontier_fwd{std::string(from_id)};
  std::vector<std::string> frontier_bwd{std::string(to_id)};
  std::string meet;
  for (int hops = 0; hops < options.max_depth && meet.empty(); ++hops) {
    bool forward = frontier_fwd.size() <= frontier_bwd.size();
    auto& frontier = forward ? frontier_fwd : frontier_bwd;
    auto& parents = forward ? parent_fwd : parent_bwd;
    auto& other = forward ? parent_bwd : parent_fwd;
    std::vector<std::string> next;
    for (const std::string& node : frontier) {
      RETURN_IF_ERROR(ForEachNeighbour(*reader, node, forward ? options.direction : backward,
                                       options.type, [&](std::string_view n) {
                                         if (!parents.emplace(n, node).second) return true;
                                         if (other.count(std::string(n))) {
                                           meet = n;
                                           return false;
                                         }
                                         next.emplace_back(n);
                                         return true;
                                       }));
      if (!meet.empty()) break;
    }
    if (next.empty() && meet.empty()) break;
    frontier = std::move(next);
  }
  if (meet.empty()) {
    return Status::NotFound(fmt::format("no path from '{}' to '{}' within {} hops", from_id, to_id,
                                        options.max_depth));
  }
  std::vector<std::string> path;
  for (std::string node = meet; !node.empty(); node = parent_fwd[node]) path.push_back(node);
  std::reverse(path.begin(), path.end());
  for (std::string node = parent_bwd[meet]; !node.empty(); node = parent_bwd[node]) {
    path.push_back(node);
  }
  return path;
}

}  // namespace thingsdb::hot
