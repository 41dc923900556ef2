// Router: the HTTP API's route table — a method and a path pattern such as
// "/v1/namespaces/{ns}/things/{id}" — and matching of a decoded request path against it.
// Routes under /iceberg/v1/ are the read side of the Iceberg REST catalog (iceberg_catalog.h).
// The table is static and immutable (thread-safe); openapi.h describes the same routes and
// router_test checks that the two agree.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace thingsdb::server {

enum class RouteId {
  kHealthz,
  kReadyz,
  kMetrics,
  kOpenApi,
  kThingsCreate,
  kThingsFind,
  kThingGet,
  kThingReplace,
  kThingPatch,
  kThingDelete,
  kRelationshipCreate,
  kRelationshipDelete,
  kRelated,
  kTraverse,
  kPath,
  kQuery,
  kStats,
  kIndexesList,
  kIndexAdd,
  kIndexDrop,
  kOptimize,
  kFlush,
  kSnapshots,
  kIcebergConfig,
  kIcebergNamespaces,
  kIcebergNamespace,
  kIcebergTables,
  kIcebergTable,
};

// The routes of the Iceberg REST catalog (answered by IcebergCatalog, errors in its shape).
bool IsIcebergRoute(RouteId id);

// What a route needs from the caller's token.
enum class RouteAuth {
  kPublic,    // no token
  kAnyToken,  // any valid token (e.g. /metrics)
  kRead,      // read scope on {ns}
  kWrite,     // write scope on {ns}
};

struct RouteSpec {
  RouteId id;
  std::string_view method;  // "GET", "POST", ...
  // Segments; "{ns}", "{id}" and "{table}" match one non-empty segment.
  std::string_view pattern;
  RouteAuth auth;
};

// Every route the server serves.
const std::vector<RouteSpec>& Routes();

enum class MatchKind { kFound, kNotFound, kMethodNotAllowed };

struct RouteMatch {
  MatchKind kind = MatchKind::kNotFound;
  const RouteSpec* route = nullptr;
  std::string ns;     // the {ns} segment, when the pattern has one
  std::string id;     // the {id} (or {table}) segment, when the pattern has one
  std::string allow;  // for kMethodNotAllowed: the methods the path accepts ("GET, POST")
};

// Matches an already percent-decoded path. A path whose pattern exists under another method
// is kMethodNotAllowed.
RouteMatch MatchRoute(std::string_view method, std::string_view path);

}  // namespace thingsdb::server
