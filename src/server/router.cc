#include "server/router.h"

namespace thingsdb::server {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t pos = 0;
  if (!path.empty() && path[0] == '/') pos = 1;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    segments.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return segments;
}

// Matches `path` segments against `pattern`; fills ns/id on success.
bool MatchPattern(const std::vector<std::string_view>& want,
                  const std::vector<std::string_view>& path, std::string* ns, std::string* id) {
  if (want.size() != path.size()) return false;
  for (size_t seg_idx = 0; seg_idx < want.size(); ++seg_idx) {
    std::string_view w = want[seg_idx];
    std::string_view got = path[seg_idx];
    if (w == "{ns}" || w == "{id}" || w == "{table}") {
      if (got.empty()) return false;
      continue;
    }
    if (w != got) return false;
  }
  for (size_t seg_idx = 0; seg_idx < want.size(); ++seg_idx) {
    if (want[seg_idx] == "{ns}") ns->assign(path[seg_idx]);
    if (want[seg_idx] == "{id}" || want[seg_idx] == "{table}") id->assign(path[seg_idx]);
  }
  return true;
}

}  // namespace

const std::vector<RouteSpec>& Routes() {
  static const std::vector<RouteSpec> kRoutes = {
      {RouteId::kHealthz, "GET", "/healthz", RouteAuth::kPublic},
      {RouteId::kReadyz, "GET", "/readyz", RouteAuth::kPublic},
      {RouteId::kMetrics, "GET", "/metrics", RouteAuth::kAnyToken},
      {RouteId::kOpenApi, "GET", "/v1/openapi.json", RouteAuth::kPublic},
      {RouteId::kThingsCreate, "POST", "/v1/namespaces/{ns}/things", RouteAuth::kWrite},
      {RouteId::kThingsFind, "GET", "/v1/namespaces/{ns}/things", RouteAuth::kRead},
      {RouteId::kThingGet, "GET", "/v1/namespaces/{ns}/things/{id}", RouteAuth::kRead},
      {RouteId::kThingReplace, "PUT", "/v1/namespaces/{ns}/things/{id}", RouteAuth::kWrite},
      {RouteId::kThingPatch, "PATCH", "/v1/namespaces/{ns}/things/{id}", RouteAuth::kWrite},
      {RouteId::kThingDelete, "DELETE", "/v1/namespaces/{ns}/things/{id}", RouteAuth::kWrite},
      {RouteId::kRelationshipCreate, "POST", "/v1/namespaces/{ns}/relationships",
       RouteAuth::kWrite},
      {RouteId::kRelationshipDelete, "DELETE", "/v1/namespaces/{ns}/relationships",
       RouteAuth::kWrite},
      {RouteId::kRelated, "GET", "/v1/namespaces/{ns}/things/{id}/related", RouteAuth::kRead},
      {RouteId::kTraverse, "GET", "/v1/namespaces/{ns}/things/{id}/traverse", RouteAuth::kRead},
      {RouteId::kPath, "GET", "/v1/namespaces/{ns}/path", RouteAuth::kRead},
      {RouteId::kQuery, "POST", "/v1/namespaces/{ns}/query", RouteAuth::kRead},
      {RouteId::kStats, "GET", "/v1/namespaces/{ns}/stats", RouteAuth::kRead},
      {RouteId::kIndexesList, "GET", "/v1/namespaces/{ns}/indexes", RouteAuth::kRead},
      {RouteId::kIndexAdd, "POST", "/v1/namespaces/{ns}/indexes", RouteAuth::kWrite},
      {RouteId::kIndexDrop, "DELETE", "/v1/namespaces/{ns}/indexes", RouteAuth::kWrite},
      {RouteId::kOptimize, "POST", "/v1/namespaces/{ns}/optimize", RouteAuth::kWrite},
      {RouteId::kFlush, "POST", "/v1/namespaces/{ns}/flush", RouteAuth::kWrite},
      {RouteId::kSnapshots, "GET", "/v1/namespaces/{ns}/snapshots", RouteAuth::kRead},
      // The Iceberg REST catalog, read side (no prefix: see GET /iceberg/v1/config).
      {RouteId::kIcebergConfig, "GET", "/iceberg/v1/config", RouteAuth::kAnyToken},
      {RouteId::kIcebergNamespaces, "GET", "/iceberg/v1/namespaces", RouteAuth::kAnyToken},
      {RouteId::kIcebergNamespace, "GET", "/iceberg/v1/namespaces/{ns}", RouteAuth::kRead},
      {RouteId::kIcebergTables, "GET", "/iceberg/v1/namespaces/{ns}/tables", RouteAuth::kRead},
      {RouteId::kIcebergTable, "GET", "/iceberg/v1/namespaces/{ns}/tables/{table}",
       RouteAuth::kRead},
  };
  return kRoutes;
}

bool IsIcebergRoute(RouteId id) {
  switch (id) {
    case RouteId::kIcebergConfig:
    case RouteId::kIcebergNamespaces:
    case RouteId::kIcebergNamespace:
    case RouteId::kIcebergTables:
    case RouteId::kIcebergTable:
      return true;
    default:
      return false;
  }
}

RouteMatch MatchRoute(std::string_view method, std::string_view path) {
  RouteMatch match;
  static const std::vector<std::vector<std::string_view>> kPatterns = [] {
    std::vector<std::vector<std::string_view>> patterns;
    for (const RouteSpec& route : Routes()) patterns.push_back(SplitPath(route.pattern));
    return patterns;
  }();
  std::vector<std::string_view> segments = SplitPath(path);
  for (size_t route_idx = 0; route_idx < Routes().size(); ++route_idx) {
    const RouteSpec& route = Routes()[route_idx];
    std::string ns, id;
    if (!MatchPattern(kPatterns[route_idx], segments, &ns, &id)) continue;
    if (route.method == method) {
      match.kind = MatchKind::kFound;
      match.route = &route;
      match.ns = std::move(ns);
      match.id = std::move(id);
      match.allow.clear();
      return match;
    }
    match.kind = MatchKind::kMethodNotAllowed;
    if (!match.allow.empty()) match.allow += ", ";
    match.allow += route.method;
  }
  return match;
}

}  // namespace thingsdb::server
