// ThingsDB's calls that need both tiers beyond get/update/delete/relate: Put (an id taken by
// a cold thing is Conflict), Unrelate, Find, Related, Traverse and ShortestPath. Until the
// first flush they go straight to the hot tier (its in-memory adjacency for traversals);
// afterwards they read through the SQL views of both tiers (Query): a traversal expands a
// whole frontier per level with one statement, whose cold branch is one pruned scan
// (`from_id IN (…)`), minus shadowed and tombstoned rows. No engine lock is held.
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "core/json.h"
#include "engine/things_db.h"
#include "engine/tier_tables.h"

namespace thingsdb::engine {

using sqlite::Statement;

namespace {

// Cold scans take at most this many ids in one IN list.
constexpr size_t kInChunk = 512;

// The JSON array of ids[begin, begin + kInChunk): the ?1 of `IN (SELECT value FROM json_each(?1))`.
std::string JsonIdList(const std::vector<std::string>& ids, size_t begin) {
  std::string list = "[";
  for (size_t i = begin; i < std::min(ids.size(), begin + kInChunk); ++i) {
    if (i > begin) list += ',';
    AppendJsonString(list, ids[i]);
  }
  list += ']';
  return list;
}

// The sides of a relationship a direction follows: outgoing (true), incoming (false), or both.
std::vector<bool> Sides(hot::Direction direction) {
  switch (direction) {
    case hot::Direction::kOut: return {true};
    case hot::Direction::kIn: return {false};
    case hot::Direction::kBoth: break;
  }
  return {true, false};
}

// The live relationships of both tiers leaving (or entering) the ids of a JSON array ?1;
// the cold branch gets them as one pushed-down `IN`.
const char* EdgeSql(bool outgoing, bool typed) {
#define THINGSDB_EDGE_SELECT "SELECT id, from_id, to_id, type, data, created_at FROM relationships "
#define THINGSDB_EDGE_IDS " IN (SELECT value FROM json_each(?1))"
  if (outgoing) {
    return typed ? THINGSDB_EDGE_SELECT "WHERE from_id" THINGSDB_EDGE_IDS " AND type = ?2"
                 : THINGSDB_EDGE_SELECT "WHERE from_id" THINGSDB_EDGE_IDS;
  }
  return typed ? THINGSDB_EDGE_SELECT "WHERE to_id" THINGSDB_EDGE_IDS " AND type = ?2"
               : THINGSDB_EDGE_SELECT "WHERE to_id" THINGSDB_EDGE_IDS;
#undef THINGSDB_EDGE_IDS
#undef THINGSDB_EDGE_SELECT
}

// BuildFindSql's rows come from the view `things` (hot ∪ live cold rows); with hints, from
// the same union spelled out, its cold branch carrying `c.idx_<name> op ?` per hinted
// condition (a new parameter with the condition's value). The exact conditions stay in the
// outer WHERE, which SQLite pushes into both branches as it does for the view.
void AddColdHints(const hot::FindQuery& query, const std::vector<std::string>& hints,
                  const hot::HotLimits& limits, hot::FindSql& find) {
  constexpr std::string_view kFrom = " FROM things WHERE 1";
  size_t from = find.sql.find(kFrom);
  if (from == std::string::npos) return;
  std::vector<std::string> cold_conditions;
  std::vector<hot::SqlValue> params = find.params;
  for (size_t cond_idx = 0; cond_idx < hints.size(); ++cond_idx) {
    if (hints[cond_idx].empty()) continue;
    const hot::Condition& cond = query.where[cond_idx];
    auto value = hot::SqlValueFromJson(cond.value_json, "condition value");
    if (!value.ok()) return;
    params.push_back(std::move(*value));
    cold_conditions.push_back(fmt::format("c.{} {} ?{}", hints[cond_idx],
                                          hot::CompareOpSql(cond.op), params.size()));
  }
  if (cold_conditions.empty() || static_cast<int>(params.size()) > limits.max_bound_params) return;
  std::string source = fmt::format(" FROM ({}) AS things WHERE 1",
                                   ThingsRowsSql(ViewMode::kBothTiers, cold_conditions));
  find.sql.replace(from, kFrom.size(), source);
  find.params = std::move(params);
}

}  // namespace

bool ThingsDB::ColdTierEmpty() const { return !cold_seen_.load(std::memory_order_acquire); }

Result<hot::Thing> ThingsDB::Put(const hot::NewThing& thing) {
  if (!thing.id) return hot_->Put(thing);  // a generated id is new in both tiers
  {
    std::shared_lock<std::shared_mutex> first_flush(first_flush_mu_);
    if (ColdTierEmpty()) return hot_->Put(thing);
  }
  RETURN_IF_ERROR(ValidateName(*thing.id, "id", options_.hot.limits.max_id_bytes));
  // One read over both tiers (a cold id is ruled out by the index cache without a cold
  // read). A thing reaches the cold tier only from the hot tier, so an id absent from both
  // now can only be taken by a concurrent Put, which the hot tier's unique key catches.
  ASSIGN_OR_RETURN(auto found, Query("SELECT 1 FROM things WHERE id = ?1", {*thing.id}));
  if (!found.rows.empty()) {
    return Status::Conflict(fmt::format("thing '{}' already exists", *thing.id));
  }
  return hot_->Put(thing);
}

Result<std::vector<std::string>> ThingsDB::WriteBatch(const std::vector<hot::BatchItem>& items) {
  {
    std::shared_lock<std::shared_mutex> first_flush(first_flush_mu_);
    if (ColdTierEmpty()) return hot_->WriteBatch(items);
  }
  // The explicit thing ids, first item of each; then one read over both tiers per chunk
  // (a cold IN scan the index cache prunes), as Put's check.
  std::unordered_map<std::string, size_t> first_item;
  std::vector<std::string> ids;
  for (size_t item_idx = 0; item_idx < items.size(); ++item_idx) {
    const auto* thing = std::get_if<hot::NewThing>(&items[item_idx].op);
    if (thing && thing->id && first_item.emplace(*thing->id, item_idx).second) {
      ids.push_back(*thing->id);
    }
  }
  for (size_t begin = 0; begin < ids.size(); begin += kInChunk) {
    ASSIGN_OR_RETURN(auto found,
                     Query("SELECT id FROM things WHERE id IN (SELECT value FROM json_each(?1)) "
                           "ORDER BY id LIMIT 1",
                           {JsonIdList(ids, begin)}));
    if (!found.rows.empty()) {
      const std::string& id = std::get<std::string>(found.rows[0][0]);
      return Status::Conflict(
          fmt::format("item {}: thing '{}' already exists", first_item.at(id), id));
    }
  }
  // Relationship ends no item creates may be cold-only things, which the hot tier's foreign
  // keys would refuse: every end live in either tier goes to it as an external end. Under
  // mu_, as Relate: no Delete of an end and no batch of a flush's deletes runs between this
  // read and the write.
  std::vector<size_t> rel_items;
  std::vector<std::string> ends;
  std::unordered_set<std::string> seen;
  for (size_t item_idx = 0; item_idx < items.size(); ++item_idx) {
    const auto* rel = std::get_if<hot::NewRelationship>(&items[item_idx].op);
    if (!rel) continue;
    rel_items.push_back(item_idx);
    for (const std::string* end : {&rel->from_id, &rel->to_id}) {
      if (!first_item.count(*end) && seen.insert(*end).second) ends.push_back(*end);
    }
  }
  if (ends.empty()) return hot_->WriteBatch(items);
  std::lock_guard<std::mutex> lock(mu_);
  std::unordered_set<std::string> live;
  for (size_t begin = 0; begin < ends.size(); begin += kInChunk) {
    ASSIGN_OR_RETURN(auto found,
                     Query("SELECT id FROM things WHERE id IN (SELECT value FROM json_each(?1))",
                           {JsonIdList(ends, begin)}));
    for (auto& row : found.rows) live.insert(std::get<std::string>(row[0]));
  }
  // A relationship between two existing things may duplicate a live one of either tier
  // (the hot tier's unique index sees only hot rows): Conflict naming the item, as Relate.
  std::vector<std::string> froms;
  std::unordered_set<std::string> from_seen;
  for (size_t item_idx : rel_items) {
    const auto& rel = std::get<hot::NewRelationship>(items[item_idx].op);
    if (live.count(rel.from_id) && live.count(rel.to_id) &&
        from_seen.insert(rel.from_id).second) {
      froms.push_back(rel.from_id);
    }
  }
  ASSIGN_OR_RETURN(std::vector<hot::Relationship> leaving,
                   Edges(froms, /*outgoing=*/true, std::nullopt));
  std::set<std::tuple<std::string, std::string, std::string>> existing;
  for (const hot::Relationship& rel : leaving) existing.emplace(rel.from_id, rel.to_id, rel.type);
  for (size_t item_idx : rel_items) {
    const auto& rel = std::get<hot::NewRelationship>(items[item_idx].op);
    if (existing.count({rel.from_id, rel.to_id, rel.type})) {
      return Status::Conflict(fmt::format("item {}: relationship '{}' -[{}]-> '{}' already exists",
                                          item_idx, rel.from_id, rel.type, rel.to_id));
    }
  }
  return hot_->WriteBatch(items, live);
}

Status ThingsDB::Unrelate(std::string_view from_id, std::string_view type,
                          std::string_view to_id) {
  {
    std::shared_lock<std::shared_mutex> first_flush(first_flush_mu_);
    if (ColdTierEmpty()) return hot_->Unrelate(from_id, type, to_id);
  }
  const int max_id = options_.hot.limits.max_id_bytes;
  RETURN_IF_ERROR(ValidateName(from_id, "fromId", max_id));
  RETURN_IF_ERROR(ValidateName(to_id, "toId", max_id));
  RETURN_IF_ERROR(ValidateName(type, "relationship type", options_.hot.limits.max_type_bytes));
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(Statement stmt, db_->Cached("DELETE FROM relationships WHERE from_id = ?1 "
                                               "AND to_id = ?2 AND type = ?3"));
  stmt.BindText(1, from_id).BindText(2, to_id).BindText(3, type);
  RETURN_IF_ERROR(stmt.Run());
  bool removed = db_->Changes() > 0;
  auto text = [](std::string_view v) { return parquet::Value::String(std::string(v)); };
  ASSIGN_OR_RETURN(
      auto cold,
      ColdRelationships({{cold::kFromIdColumn, parquet::CompareOp::kEq, {text(from_id)}},
                         {cold::kToIdColumn, parquet::CompareOp::kEq, {text(to_id)}},
                         {cold::kTypeColumn, parquet::CompareOp::kEq, {text(type)}}}));
  int64_t now = clock_->NowMs();
  for (const auto& rel : cold) {
    RETURN_IF_ERROR(AddTombstone(*db_, kRelationshipKind, rel.relationship.id, now));
    removed = true;
  }
  if (!removed) {
    return Status::NotFound(
        fmt::format("relationship '{}' -[{}]-> '{}' does not exist", from_id, type, to_id));
  }
  return Status::OK();
}

Result<hot::FindPage> ThingsDB::Find(const hot::FindQuery& query) {
  {
    std::shared_lock<std::shared_mutex> first_flush(first_flush_mu_);
    if (ColdTierEmpty()) return hot_->Find(query);
  }
  ASSIGN_OR_RETURN(hot::FindSql find, hot::BuildFindSql(query, options_.hot.limits));
  ASSIGN_OR_RETURN(std::vector<std::string> hints, FindHintColumns(query));
  AddColdHints(query, hints, options_.hot.limits, find);
  ASSIGN_OR_RETURN(hot::QueryResult rows, Query(find.sql, find.params));
  return hot::FindPageFromRows(query, rows);
}

// A hint may only drop rows whose exact condition is false. A file that has the column
// holds null for a value of the other kind (and for JSON null or a missing path), and
// SQLite orders numbers before text: `$.n >= 5` holds for every text value, `$.s <= "m"`
// for every number. So doubles get = < <= and strings = > >=, with a value of the kind.
Result<std::vector<std::string>> ThingsDB::FindHintColumns(const hot::FindQuery& query) {
  std::vector<std::string> out(query.where.size());
  if (query.where.empty()) return out;
  std::vector<cold::JsonIndexColumn> columns = IndexColumns();
  if (columns.empty()) return out;
  ASSIGN_OR_RETURN(std::vector<hot::JsonIndexInfo> indexes, hot_->ListIndexes());
  for (size_t cond_idx = 0; cond_idx < query.where.size(); ++cond_idx) {
    const hot::Condition& cond = query.where[cond_idx];
    auto index = std::find_if(indexes.begin(), indexes.end(),
                              [&](const auto& info) { return info.path == cond.path; });
    if (index == indexes.end()) continue;
    std::string name = ColdIndexName(index->path, index->created_at);
    auto column = std::find_if(columns.begin(), columns.end(),
                               [&](const auto& c) { return c.name == name; });
    if (column == columns.end()) continue;  // not flushed since the index was added
    auto value = hot::SqlValueFromJson(cond.value_json, "condition value");
    if (!value.ok()) continue;  // BuildFindSql reports it
    bool number = std::holds_alternative<int64_t>(*value) || std::holds_alternative<double>(*value);
    bool text = std::holds_alternative<std::string>(*value);
    bool safe = column->kind == cold::IndexKind::kDouble
                    ? number && (cond.op == hot::CompareOp::kEq || cond.op == hot::CompareOp::kLt ||
                                 cond.op == hot::CompareOp::kLe)
                    : text && (cond.op == hot::CompareOp::kEq || cond.op == hot::CompareOp::kGt ||
                               cond.op == hot::CompareOp::kGe);
    if (safe) out[cond_idx] = column->ColumnName();
  }
  return out;
}

Result<std::vector<hot::Relationship>> ThingsDB::Edges(const std::vector<std::string>& ids,
                                                       bool outgoing,
                                                       const std::optional<std::string>& type) {
  std::vector<hot::Relationship> out;
  for (size_t begin = 0; begin < ids.size(); begin += kInChunk) {
    std::string list = JsonIdList(ids, begin);
    std::vector<hot::SqlValue> params{list};
    if (type) params.emplace_back(*type);
    ASSIGN_OR_RETURN(hot::QueryResult rows, Query(EdgeSql(outgoing, type.has_value()), params));
    for (auto& row : rows.rows) {
      hot::Relationship rel;
      rel.id = std::get<std::string>(row[0]);
      rel.from_id = std::get<std::string>(row[1]);
      rel.to_id = std::get<std::string>(row[2]);
      rel.type = std::get<std::string>(row[3]);
      if (auto* data = std::get_if<std::string>(&row[4])) rel.data = std::move(*data);
      if (auto* created = std::get_if<int64_t>(&row[5])) rel.created_at = *created;
      out.push_back(std::move(rel));
    }
  }
  return out;
}

Result<std::unordered_map<std::string, hot::Thing>> ThingsDB::ThingsById(
    const std::vector<std::string>& ids) {
  std::unordered_map<std::string, hot::Thing> out;
  for (size_t begin = 0; begin < ids.size(); begin += kInChunk) {
    std::string list = JsonIdList(ids, begin);
    ASSIGN_OR_RETURN(hot::QueryResult rows,
                     Query("SELECT id, type, data, embedding, created_at, updated_at, id FROM "
                           "things WHERE id IN (SELECT value FROM json_each(?1))",
                           {list}));
    hot::FindQuery shape;
    shape.limit = static_cast<int64_t>(rows.rows.size()) + 1;
    ASSIGN_OR_RETURN(hot::FindPage page, hot::FindPageFromRows(shape, rows));
    for (auto& thing : page.things) out.emplace(thing.id, std::move(thing));
  }
  return out;
}

Result<std::vector<hot::RelatedThing>> ThingsDB::Related(std::string_view id,
                                                         const hot::RelatedOptions& options) {
  RETURN_IF_ERROR(ValidateName(id, "id", options_.hot.limits.max_id_bytes));
  {
    std::shared_lock<std::shared_mutex> first_flush(first_flush_mu_);
    if (ColdTierEmpty()) return hot_->Related(id, options);
  }
  std::vector<hot::RelatedThing> out;
  for (bool outgoing : Sides(options.direction)) {
    ASSIGN_OR_RETURN(auto edges, Edges({std::string(id)}, outgoing, options.type));
    std::vector<std::string> ends;
    for (const auto& edge : edges) ends.push_back(outgoing ? edge.to_id : edge.from_id);
    ASSIGN_OR_RETURN(auto things, ThingsById(ends));
    for (auto& edge : edges) {
      if (static_cast<int64_t>(out.size()) >= options.limit) return out;
      auto thing = things.find(outgoing ? edge.to_id : edge.from_id);
      if (thing == things.end()) continue;  // cannot happen while references hold
      out.push_back({std::move(edge), thing->second});
    }
  }
  return out;
}

Result<std::vector<hot::TraverseHit>> ThingsDB::Traverse(std::string_view id,
                                                         const hot::TraverseOptions& options) {
  RETURN_IF_ERROR(ValidateName(id, "id", options_.hot.limits.max_id_bytes));
  if (options.depth < 1) return Status::InvalidArgument("depth must be at least 1");
  {
    std::shared_lock<std::shared_mutex> first_flush(first_flush_mu_);
    if (ColdTierEmpty()) return hot_->Traverse(id, options);
  }
  std::unordered_set<std::string> seen{std::string(id)};
  std::vector<hot::TraverseHit> hits;
  std::vector<std::string> frontier{std::string(id)};
  for (int depth = 1; depth <= options.depth && !frontier.empty(); ++depth) {
    std::vector<std::string> next;
    for (bool outgoing : Sides(options.direction)) {
      ASSIGN_OR_RETURN(auto edges, Edges(frontier, outgoing, options.type));
      for (const auto& edge : edges) {
        const std::string& neighbour = outgoing ? edge.to_id : edge.from_id;
        if (!seen.insert(neighbour).second) continue;
        hits.push_back({neighbour, depth, outgoing ? edge.from_id : edge.to_id});
        next.push_back(neighbour);
        if (static_cast<int64_t>(hits.size()) >= options.limit) return hits;
      }
    }
    frontier = std::move(next);
  }
  return hits;
}

Result<std::vector<std::string>> ThingsDB::ShortestPath(std::string_view from_id,
                                                        std::string_view to_id,
                                                        const hot::PathOptions& options) {
  RETURN_IF_ERROR(ValidateName(from_id, "from", options_.hot.limits.max_id_bytes));
  RETURN_IF_ERROR(ValidateName(to_id, "to", options_.hot.limits.max_id_bytes));
  {
    std::shared_lock<std::shared_mutex> first_flush(first_flush_mu_);
    if (ColdTierEmpty()) return hot_->ShortestPath(from_id, to_id, options);
  }
  ASSIGN_OR_RETURN(auto ends, ThingsById({std::string(from_id), std::string(to_id)}));
  for (auto [end, role] : {std::pair{from_id, "from"}, std::pair{to_id, "to"}}) {
    if (!ends.count(std::string(end))) {
      return Status::NotFound(fmt::format("{} thing '{}' does not exist", role, end));
    }
  }
  if (from_id == to_id) return std::vector<std::string>{std::string(from_id)};
  // Breadth-first from `from`, remembering each thing's parent.
  std::unordered_map<std::string, std::string> parent{{std::string(from_id), ""}};
  std::vector<std::string> frontier{std::string(from_id)};
  for (int depth = 1; depth <= options.max_depth && !frontier.empty(); ++depth) {
    std::vector<std::string> next;
    for (bool outgoing : Sides(options.direction)) {
      ASSIGN_OR_RETURN(auto edges, Edges(frontier, outgoing, options.type));
      for (const auto& edge : edges) {
        const std::string& neighbour = outgoing ? edge.to_id : edge.from_id;
        if (!parent.emplace(neighbour, outgoing ? edge.from_id : edge.to_id).second) continue;
        if (neighbour == to_id) {
          std::vector<std::string> path{neighbour};
          while (!parent[path.back()].empty()) path.push_back(parent[path.back()]);
          std::reverse(path.begin(), path.end());
          return path;
        }
        next.push_back(neighbour);
      }
    }
    frontier = std::move(next);
  }
  return Status::NotFound(fmt::format("no path from '{}' to '{}' within {} hops", from_id, to_id,
                                      options.max_depth));
}

}  // namespace thingsdb::engine
