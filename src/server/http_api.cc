#include "server/http_api.h"

#include <fmt/format.h>

#include <charconv>
#include <exception>
#include <nlohmann/json.hpp>
#include <set>

#include "core/embedding.h"
#include "core/json.h"
#include "hot/stats_json.h"

namespace thingsdb::server {
namespace {

using nlohmann::json;

std::string_view ErrorCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kNotFound:
      return "not_found";
    case StatusCode::kInvalidArgument:
      return "invalid_argument";
    case StatusCode::kNotSupported:
      return "not_supported";
    case StatusCode::kConflict:
      return "conflict";
    case StatusCode::kBusy:
      return "busy";
    case StatusCode::kLimitExceeded:
      return "limit_exceeded";
    case StatusCode::kUnauthenticated:
      return "unauthenticated";
    case StatusCode::kPermissionDenied:
      return "permission_denied";
    default:
      return "internal";
  }
}

bool IsWriteRoute(const RouteSpec& route) { return route.auth == RouteAuth::kWrite; }

// Parses the body as JSON after the cheap depth-limited check, so a hostile nesting depth
// never reaches a recursive parser.
Result<json> ParseBody(std::string_view body) {
  if (body.empty()) return Status::InvalidArgument("the request body is empty; JSON expected");
  RETURN_IF_ERROR(ValidateJson(body, "body"));
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) return Status::InvalidArgument("body: not valid JSON");
  return parsed;
}

Result<std::string> StringField(const json& obj, const char* key, bool required,
                                std::string_view what) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) {
      return Status::InvalidArgument(fmt::format("{}\"{}\" is missing", what, key));
    }
    return std::string();
  }
  if (!it->is_string()) {
    return Status::InvalidArgument(fmt::format("{}\"{}\" must be a string", what, key));
  }
  return it->get<std::string>();
}

Status CheckKeys(const json& obj, const std::set<std::string>& allowed, std::string_view what,
                 std::string_view kind) {
  for (const auto& [key, value] : obj.items()) {
    if (!allowed.count(key)) {
      return Status::InvalidArgument(
          fmt::format("{}unknown field \"{}\" in a {}", what, key, kind));
    }
  }
  return Status::OK();
}

Result<std::optional<std::vector<float>>> EmbeddingField(const json& obj, std::string_view what) {
  auto it = obj.find("embedding");
  if (it == obj.end() || it->is_null()) return std::optional<std::vector<float>>();
  if (!it->is_array()) {
    return Status::InvalidArgument(fmt::format("{}\"embedding\" must be an array", what));
  }
  ASSIGN_OR_RETURN(auto values, ParseEmbeddingJson(it->dump(), fmt::format("{}embedding", what)));
  return std::optional<std::vector<float>>(std::move(values));
}

// {"type","data"[,"id","embedding"]} → a thing; {"fromId","toId","type"[,"data"]} → a
// relationship (batches only). `what` prefixes errors ("item 3: ").
Result<hot::BatchItem> ParseItem(const json& obj, std::string_view what, bool allow_rel) {
  if (!obj.is_object()) return Status::InvalidArgument(fmt::format("{}not a JSON object", what));
  auto data = obj.find("data");
  if (allow_rel && obj.contains("fromId")) {
    RETURN_IF_ERROR(CheckKeys(obj, {"id", "fromId", "toId", "type", "data", "createdAt"}, what,
                              "relationship"));
    hot::NewRelationship rel;
    ASSIGN_OR_RETURN(rel.from_id, StringField(obj, "fromId", true, what));
    ASSIGN_OR_RETURN(rel.to_id, StringField(obj, "toId", true, what));
    ASSIGN_OR_RETURN(rel.type, StringField(obj, "type", true, what));
    if (data != obj.end() && !data->is_null()) {
      if (!data->is_object()) {
        return Status::InvalidArgument(fmt::format("{}\"data\" must be an object", what));
      }
      rel.data = data->dump();
    }
    return hot::BatchItem{std::move(rel)};
  }
  RETURN_IF_ERROR(
      CheckKeys(obj, {"id", "type", "data", "embedding", "createdAt", "updatedAt"}, what, "thing"));
  hot::NewThing thing;
  ASSIGN_OR_RETURN(thing.type, StringField(obj, "type", true, what));
  if (obj.contains("id") && !obj["id"].is_null()) {
    ASSIGN_OR_RETURN(std::string id, StringField(obj, "id", true, what));
    thing.id = std::move(id);
  }
  if (data == obj.end() || !data->is_object()) {
    return Status::InvalidArgument(fmt::format("{}\"data\" must be a JSON object", what));
  }
  thing.data = data->dump();
  ASSIGN_OR_RETURN(thing.embedding, EmbeddingField(obj, what));
  return hot::BatchItem{std::move(thing)};
}

const std::string* Param(const QueryParams& query, const std::string& key) {
  auto it = query.find(key);
  return it == query.end() ? nullptr : &it->second;
}

std::optional<std::string> OptionalParam(const QueryParams& query, const std::string& key) {
  const std::string* value = Param(query, key);
  if (!value || value->empty()) return std::nullopt;
  return *value;
}

Result<int64_t> IntParam(const QueryParams& query, const std::string& key, int64_t fallback,
                         int64_t min, int64_t max) {
  const std::string* text = Param(query, key);
  if (!text) return fallback;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) {
    return Status::InvalidArgument(fmt::format("query parameter {} must be an integer", key));
  }
  if (value < min || value > max) {
    return Status::InvalidArgument(
        fmt::format("query parameter {} must be between {} and {}", key, min, max));
  }
  return value;
}

Result<hot::Direction> DirectionParam(const QueryParams& query) {
  const std::string* text = Param(query, "direction");
  if (!text || *text == "out") return hot::Direction::kOut;
  if (*text == "in") return hot::Direction::kIn;
  if (*text == "both") return hot::Direction::kBoth;
  return Status::InvalidArgument("query parameter direction must be out, in or both");
}

ApiResponse JsonResponse(int status, std::string body) {
  ApiResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace

std::string ErrorBody(std::string_view code, std::string_view message) {
  std::string out = "{\"error\":{\"code\":";
  AppendJsonString(out, code);
  out += ",\"message\":";
  AppendJsonString(out, message);
  out += "}}";
  return out;
}

ApiResponse ErrorResponse(const Status& status, bool write_route) {
  ApiResponse response;
  switch (status.code()) {
    case StatusCode::kNotFound:
      response.status = 404;
      break;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotSupported:
      response.status = 400;
      break;
    case StatusCode::kConflict:
      response.status = 409;
      break;
    case StatusCode::kLimitExceeded:
      response.status = write_route ? 413 : 400;
      break;
    case StatusCode::kBusy:
      response.status = 503;
      response.retry_after_seconds = 1;
      break;
    case StatusCode::kUnauthenticated:
      response.status = 401;
      break;
    case StatusCode::kPermissionDenied:
      response.status = 403;
      break;
    default:
      response.status = 500;
      break;
  }
  response.error_code = std::string(ErrorCodeName(status.code()));
  response.body = ErrorBody(response.error_code, status.message());
  return response;
}

struct HttpApi::Call {
  const ApiRequest& request;
  std::shared_ptr<Namespace> ns;
  const QueryParams& query() const { return *request.query; }
  Namespace::Store& store() { return ns->store(); }   // both tiers
  hot::HotStore& hot() { return ns->store().hot(); }  // the hot tier only
};

HttpApi::HttpApi(NamespaceRegistry* registry, Metrics* metrics, ApiLimits limits)
    : registry_(registry), metrics_(metrics), limits_(limits) {}

ApiResponse HttpApi::Handle(const ApiRequest& request) {
  bool write = IsWriteRoute(*request.route);
  try {
    auto ns = registry_->Acquire(request.ns);
    if (!ns.ok()) return ErrorResponse(ns.status(), write);
    Call call{request, std::move(*ns)};
    if (!write) return Dispatch(call);
    auto slot = call.ns->AcquireWriteSlot();
    if (!slot.ok()) return ErrorResponse(slot.status(), write);
    return Dispatch(call);
  } catch (const std::exception& e) {
    return ErrorResponse(Status::Internal(fmt::format("unexpected error: {}", e.what())), write);
  }
}

ApiResponse HttpApi::Dispatch(Call& call) {
  Result<ApiResponse> result = Status::Internal("route not handled");
  switch (call.request.route->id) {
    case RouteId::kThingsCreate:
      result = CreateThings(call);
      break;
    case RouteId::kThingsFind:
      result = FindThings(call);
      break;
    case RouteId::kThingGet:
      result = GetThing(call);
      break;
    case RouteId::kThingReplace:
      result = UpdateThing(call, false);
      break;
    case RouteId::kThingPatch:
      result = UpdateThing(call, true);
      break;
    case RouteId::kThingDelete:
      result = DeleteThing(call);
      break;
    case RouteId::kRelationshipCreate:
      result = CreateRelationship(call);
      break;
    case RouteId::kRelationshipDelete:
      result = DeleteRelationship(call);
      break;
    case RouteId::kRelated:
      result = Related(call);
      break;
    case RouteId::kTraverse:
      result = Traverse(call);
      break;
    case RouteId::kPath:
      result = Path(call);
      break;
    case RouteId::kQuery:
      result = Query(call);
      break;
    case RouteId::kStats:
      result = Stats(call);
      break;
    case RouteId::kIndexesList:
      result = ListIndexes(call);
      break;
    case RouteId::kIndexAdd:
      result = AddIndex(call);
      break;
    case RouteId::kIndexDrop:
      result = DropIndex(call);
      break;
    case RouteId::kOptimize:
      result = Optimize(call);
      break;
    case RouteId::kFlush:
      result = Flush(call);
      break;
    case RouteId::kSnapshots:
      result = Snapshots(call);
      break;
    default:
      break;
  }
  if (!result.ok()) return ErrorResponse(result.status(), IsWriteRoute(*call.request.route));
  return std::move(result).value();
}

Result<ApiResponse> HttpApi::CreateThings(Call& call) {
  ASSIGN_OR_RETURN(json body, ParseBody(call.request.body));
  if (body.is_object()) {
    ASSIGN_OR_RETURN(hot::BatchItem item, ParseItem(body, "", false));
    ASSIGN_OR_RETURN(hot::Thing thing, call.store().Put(std::get<hot::NewThing>(item.op)));
    metrics_->AddRowsWritten(call.ns->name(), 1);
    return JsonResponse(201, hot::ThingJson(thing));
  }
  if (!body.is_array()) {
    return Status::InvalidArgument("body must be a thing (an object) or a batch (an array)");
  }
  if (body.empty()) return Status::InvalidArgument("the batch is empty");
  if (body.size() > limits_.max_batch_items) {
    return Status::LimitExceeded(fmt::format("the batch has {} items; the limit is {}", body.size(),
                                             limits_.max_batch_items));
  }
  std::vector<hot::BatchItem> items;
  items.reserve(body.size());
  for (size_t item_idx = 0; item_idx < body.size(); ++item_idx) {
    ASSIGN_OR_RETURN(hot::BatchItem item,
                     ParseItem(body[item_idx], fmt::format("item {}: ", item_idx), true));
    items.push_back(std::move(item));
  }
  body = json();  // free the parsed tree before the write
  ASSIGN_OR_RETURN(std::vector<std::string> ids, call.store().WriteBatch(items));
  metrics_->AddRowsWritten(call.ns->name(), static_cast<int64_t>(items.size()));
  std::string out = "{\"ids\":[";
  for (size_t id_idx = 0; id_idx < ids.size(); ++id_idx) {
    if (id_idx) out += ",";
    AppendJsonString(out, ids[id_idx]);
  }
  out += fmt::format("],\"count\":{}}}", ids.size());
  return JsonResponse(201, std::move(out));
}

Result<ApiResponse> HttpApi::FindThings(Call& call) {
  const QueryParams& query = call.query();
  hot::FindQuery find;
  find.type = OptionalParam(query, "type");
  auto [begin, end] = query.equal_range("where");
  for (auto it = begin; it != end; ++it) {
    ASSIGN_OR_RETURN(hot::Condition cond, hot::ParseCondition(it->second));
    find.where.push_back(std::move(cond));
  }
  if (auto order = OptionalParam(query, "order")) {
    std::string path = *order;
    size_t space = path.find(' ');
    if (space != std::string::npos) {
      std::string dir = path.substr(space + 1);
      path.resize(space);
      if (dir == "desc") {
        find.descending = true;
      } else if (dir != "asc") {
        return Status::InvalidArgument("order: direction must be asc or desc");
      }
    }
    find.order_path = path;
  }
  ASSIGN_OR_RETURN(find.limit, IntParam(query, "limit", 100, 1, limits_.max_find_limit));
  if (const std::string* cursor = Param(query, "cursor")) find.cursor = *cursor;
  ASSIGN_OR_RETURN(hot::FindPage page, call.store().Find(find));
  metrics_->AddRowsRead(call.ns->name(), static_cast<int64_t>(page.things.size()));
  std::string out = "{\"items\":[";
  for (size_t thing_idx = 0; thing_idx < page.things.size(); ++thing_idx) {
    if (thing_idx) out += ",";
    hot::AppendThingJson(out, page.things[thing_idx]);
  }
  out += "],\"next\":";
  out += page.next_cursor.empty() ? "null" : JsonString(page.next_cursor);
  out += "}";
  return JsonResponse(200, std::move(out));
}

Result<ApiResponse> HttpApi::GetThing(Call& call) {
  ASSIGN_OR_RETURN(hot::Thing thing, call.store().Get(call.request.id));
  metrics_->AddRowsRead(call.ns->name(), 1);
  return JsonResponse(200, hot::ThingJson(thing));
}

Result<ApiResponse> HttpApi::UpdateThing(Call& call, bool merge) {
  ASSIGN_OR_RETURN(json body, ParseBody(call.request.body));
  std::string data;
  std::optional<std::vector<float>> embedding;
  bool raw_patch =
      merge && call.request.content_type.substr(0, 28) == "application/merge-patch+json";
  if (raw_patch) {
    if (!body.is_object()) return Status::InvalidArgument("the merge patch must be an object");
    data = body.dump();
  } else {
    if (!body.is_object()) {
      return Status::InvalidArgument("body must be an object {\"data\":{…}[,\"embedding\"]}");
    }
    RETURN_IF_ERROR(CheckKeys(body, {"id", "type", "data", "embedding", "createdAt", "updatedAt"},
                              "", "thing"));
    ASSIGN_OR_RETURN(std::string id, StringField(body, "id", false, ""));
    if (!id.empty() && id != call.request.id) {
      return Status::InvalidArgument(
          fmt::format("body id '{}' differs from the id in the path", id));
    }
    auto it = body.find("data");
    if (it == body.end() || !it->is_object()) {
      return Status::InvalidArgument("\"data\" must be a JSON object");
    }
    data = it->dump();
    ASSIGN_OR_RETURN(embedding, EmbeddingField(body, ""));
  }
  ASSIGN_OR_RETURN(hot::Thing thing, call.store().Update(call.request.id, data, merge, embedding));
  metrics_->AddRowsWritten(call.ns->name(), 1);
  return JsonResponse(200, hot::ThingJson(thing));
}

Result<ApiResponse> HttpApi::DeleteThing(Call& call) {
  RETURN_IF_ERROR(call.store().Delete(call.request.id));
  metrics_->AddRowsWritten(call.ns->name(), 1);
  return JsonResponse(200, "{\"deleted\":" + JsonString(call.request.id) + "}");
}

Result<ApiResponse> HttpApi::CreateRelationship(Call& call) {
  ASSIGN_OR_RETURN(json body, ParseBody(call.request.body));
  if (!body.is_object() || !body.contains("fromId")) {
    return Status::InvalidArgument(
        "body must be an object {\"fromId\",\"toId\",\"type\"[,\"data\"]}");
  }
  ASSIGN_OR_RETURN(hot::BatchItem item, ParseItem(body, "", true));
  ASSIGN_OR_RETURN(hot::Relationship rel,
                   call.store().Relate(std::get<hot::NewRelationship>(item.op)));
  metrics_->AddRowsWritten(call.ns->name(), 1);
  return JsonResponse(201, hot::RelationshipJson(rel));
}

Result<ApiResponse> HttpApi::DeleteRelationship(Call& call) {
  std::string from, type, to;
  if (!call.request.body.empty()) {
    ASSIGN_OR_RETURN(json body, ParseBody(call.request.body));
    if (!body.is_object()) return Status::InvalidArgument("body must be an object");
    RETURN_IF_ERROR(CheckKeys(body, {"fromId", "toId", "type"}, "", "relationship"));
    ASSIGN_OR_RETURN(from, StringField(body, "fromId", true, ""));
    ASSIGN_OR_RETURN(to, StringField(body, "toId", true, ""));
    ASSIGN_OR_RETURN(type, StringField(body, "type", true, ""));
  } else {
    const QueryParams& query = call.query();
    for (const char* key : {"fromId", "toId", "type"}) {
      if (!OptionalParam(query, key)) {
        return Status::InvalidArgument(fmt::format("query parameter {} is missing", key));
      }
    }
    from = *Param(query, "fromId");
    to = *Param(query, "toId");
    type = *Param(query, "type");
  }
  RETURN_IF_ERROR(call.store().Unrelate(from, type, to));
  metrics_->AddRowsWritten(call.ns->name(), 1);
  return JsonResponse(200, "{\"deleted\":true}");
}

Result<ApiResponse> HttpApi::Related(Call& call) {
  hot::RelatedOptions options;
  options.type = OptionalParam(call.query(), "type");
  ASSIGN_OR_RETURN(options.direction, DirectionParam(call.query()));
  ASSIGN_OR_RETURN(options.limit,
                   IntParam(call.query(), "limit", 1000, 1, limits_.max_related_limit));
  ASSIGN_OR_RETURN(auto found, call.store().Related(call.request.id, options));
  metrics_->AddRowsRead(call.ns->name(), static_cast<int64_t>(found.size()));
  std::string out = "{\"items\":[";
  for (size_t item_idx = 0; item_idx < found.size(); ++item_idx) {
    if (item_idx) out += ",";
    out += "{\"relationship\":";
    hot::AppendRelationshipJson(out, found[item_idx].relationship);
    out += ",\"thing\":";
    hot::AppendThingJson(out, found[item_idx].thing);
    out += "}";
  }
  out += "]}";
  return JsonResponse(200, std::move(out));
}

Result<ApiResponse> HttpApi::Traverse(Call& call) {
  hot::TraverseOptions options;
  options.type = OptionalParam(call.query(), "type");
  ASSIGN_OR_RETURN(options.direction, DirectionParam(call.query()));
  ASSIGN_OR_RETURN(int64_t depth, IntParam(call.query(), "depth", 3, 1, limits_.max_depth));
  options.depth = static_cast<int>(depth);
  ASSIGN_OR_RETURN(options.limit,
                   IntParam(call.query(), "limit", 1000, 1, limits_.max_traverse_limit));
  ASSIGN_OR_RETURN(auto hits, call.store().Traverse(call.request.id, options));
  metrics_->AddRowsRead(call.ns->name(), static_cast<int64_t>(hits.size()));
  std::string out = "{\"items\":[";
  for (size_t hit_idx = 0; hit_idx < hits.size(); ++hit_idx) {
    if (hit_idx) out += ",";
    out += fmt::format("{{\"id\":{},\"depth\":{},\"parent\":{}}}", JsonString(hits[hit_idx].id),
                       hits[hit_idx].depth, JsonString(hits[hit_idx].parent));
  }
  out += "]}";
  return JsonResponse(200, std::move(out));
}

Result<ApiResponse> HttpApi::Path(Call& call) {
  auto from = OptionalParam(call.query(), "from");
  auto to = OptionalParam(call.query(), "to");
  if (!from || !to) return Status::InvalidArgument("query parameters from and to are required");
  hot::PathOptions options;
  options.type = OptionalParam(call.query(), "type");
  ASSIGN_OR_RETURN(options.direction, DirectionParam(call.query()));
  ASSIGN_OR_RETURN(int64_t depth, IntParam(call.query(), "maxDepth", 6, 1, limits_.max_depth));
  options.max_depth = static_cast<int>(depth);
  ASSIGN_OR_RETURN(auto ids, call.store().ShortestPath(*from, *to, options));
  metrics_->AddRowsRead(call.ns->name(), static_cast<int64_t>(ids.size()));
  std::string out = "{\"path\":[";
  for (size_t id_idx = 0; id_idx < ids.size(); ++id_idx) {
    if (id_idx) out += ",";
    AppendJsonString(out, ids[id_idx]);
  }
  out += "]}";
  return JsonResponse(200, std::move(out));
}

Result<ApiResponse> HttpApi::Query(Call& call) {
  ASSIGN_OR_RETURN(json body, ParseBody(call.request.body));
  if (!body.is_object()) {
    return Status::InvalidArgument("body must be an object {\"sql\",\"params\"}");
  }
  RETURN_IF_ERROR(CheckKeys(body, {"sql", "params", "explain", "snapshot"}, "", "query"));
  ASSIGN_OR_RETURN(std::string sql, StringField(body, "sql", true, ""));
  auto explain = body.find("explain");
  if (explain != body.end() && !explain->is_boolean()) {
    return Status::InvalidArgument("\"explain\" must be true or false");
  }
  // A namespace snapshot id (or a table snapshot id): the cold tier as of that flush.
  std::optional<int64_t> snapshot;
  if (auto it = body.find("snapshot"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer()) {
      return Status::InvalidArgument("\"snapshot\" must be an integer snapshot id");
    }
    snapshot = it->get<int64_t>();
  }
  if (explain != body.end() && explain->get<bool>()) {
    ASSIGN_OR_RETURN(auto plan, call.store().ExplainQueryPlan(sql, snapshot));
    std::string out = "{\"plan\":[";
    for (size_t line_idx = 0; line_idx < plan.size(); ++line_idx) {
      if (line_idx) out += ",";
      AppendJsonString(out, plan[line_idx]);
    }
    return JsonResponse(200, out + "]}");
  }
  std::vector<hot::SqlValue> params;
  auto it = body.find("params");
  if (it != body.end() && !it->is_null()) {
    if (!it->is_array()) return Status::InvalidArgument("\"params\" must be an array");
    for (size_t param_idx = 0; param_idx < it->size(); ++param_idx) {
      ASSIGN_OR_RETURN(
          hot::SqlValue value,
          hot::SqlValueFromJson((*it)[param_idx].dump(), fmt::format("params[{}]", param_idx)));
      params.push_back(std::move(value));
    }
  }
  ASSIGN_OR_RETURN(hot::QueryResult result, call.store().Query(sql, params, snapshot));
  metrics_->AddRowsRead(call.ns->name(), static_cast<int64_t>(result.rows.size()));
  std::string out = "{\"columns\":[";
  for (size_t col = 0; col < result.columns.size(); ++col) {
    if (col) out += ",";
    AppendJsonString(out, result.columns[col]);
  }
  out += "],\"rows\":[";
  for (size_t row_idx = 0; row_idx < result.rows.size(); ++row_idx) {
    if (row_idx) out += ",";
    out += "[";
    const auto& row = result.rows[row_idx];
    for (size_t col = 0; col < row.size(); ++col) {
      if (col) out += ",";
      hot::AppendSqlValueJson(out, row[col]);
    }
    out += "]";
  }
  out += "]}";
  return JsonResponse(200, std::move(out));
}

Result<ApiResponse> HttpApi::Stats(Call& call) {
  ASSIGN_OR_RETURN(hot::Stats stats, call.hot().GetStats());
  return JsonResponse(200, hot::StatsJson(stats));
}

Result<ApiResponse> HttpApi::ListIndexes(Call& call) {
  ASSIGN_OR_RETURN(auto indexes, call.hot().ListIndexes());
  std::string out = "{\"items\":[";
  for (size_t idx = 0; idx < indexes.size(); ++idx) {
    if (idx) out += ",";
    out += hot::JsonIndexJson(indexes[idx]);
  }
  return JsonResponse(200, out + "]}");
}

Result<ApiResponse> HttpApi::AddIndex(Call& call) {
  ASSIGN_OR_RETURN(json body, ParseBody(call.request.body));
  if (!body.is_object()) return Status::InvalidArgument("body must be an object {\"path\"}");
  RETURN_IF_ERROR(CheckKeys(body, {"path"}, "", "index"));
  ASSIGN_OR_RETURN(std::string path, StringField(body, "path", true, ""));
  ASSIGN_OR_RETURN(hot::JsonIndexInfo info, call.hot().AddIndex(path));
  return JsonResponse(201, hot::JsonIndexJson(info));
}

Result<ApiResponse> HttpApi::DropIndex(Call& call) {
  auto path = OptionalParam(call.query(), "path");
  if (!path) return Status::InvalidArgument("query parameter path is required");
  RETURN_IF_ERROR(call.hot().DropIndex(*path));
  return JsonResponse(200, "{\"dropped\":" + JsonString(*path) + "}");
}

Result<ApiResponse> HttpApi::Optimize(Call& call) {
  RETURN_IF_ERROR(call.hot().Optimize());
  return JsonResponse(200, "{\"optimized\":true}");
}

Result<ApiResponse> HttpApi::Flush(Call& call) {
  engine::FlushOptions options;  // rows older than 5 minutes, as `thingsdb flush`
  if (!call.request.body.empty()) {
    ASSIGN_OR_RETURN(json body, ParseBody(call.request.body));
    if (!body.is_object()) {
      return Status::InvalidArgument("body must be an object {\"all\",\"minAgeMs\"}");
    }
    RETURN_IF_ERROR(CheckKeys(body, {"all", "minAgeMs"}, "", "flush request"));
    if (auto all = body.find("all"); all != body.end()) {
      if (!all->is_boolean()) return Status::InvalidArgument("\"all\" must be true or false");
      options.all = all->get<bool>();
    }
    if (auto age = body.find("minAgeMs"); age != body.end()) {
      if (!age->is_number_integer() || age->get<int64_t>() < 0) {
        return Status::InvalidArgument("\"minAgeMs\" must be an integer >= 0");
      }
      options.min_age_ms = age->get<int64_t>();
    }
  }
  auto start = std::chrono::steady_clock::now();
  auto report = call.store().Flush(options);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!report.ok()) {
    metrics_->CountFlushError("api");
    return report.status();
  }
  metrics_->ObserveFlush("api", report->things + report->relationships, report->bytes, seconds);
  return JsonResponse(200, report->ToJson());
}

Result<ApiResponse> HttpApi::Snapshots(Call& call) {
  ASSIGN_OR_RETURN(auto snapshots, call.store().Snapshots());
  std::string out = "{\"items\":[";
  for (size_t snapshot_idx = 0; snapshot_idx < snapshots.size(); ++snapshot_idx) {
    if (snapshot_idx) out += ",";
    out += snapshots[snapshot_idx].ToJson();
  }
  return JsonResponse(200, out + "]}");
}

}  // namespace thingsdb::server
