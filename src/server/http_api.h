// HttpApi: the JSON API of one namespace's routes, independent of the HTTP library: a
// matched route, its path and query parameters and the body in; a status and a JSON body
// out. Authentication and rate limits happen before (server.h); this class checks inputs,
// takes a namespace from the registry (and a write slot for writes) and calls its engine:
// get, update, delete, relate, query (SQL), flush and snapshots see both tiers, the rest
// the hot tier.
// Thread-safe. Error bodies are {"error":{"code","message"}}; the status mapping is in
// docs/server.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/status.h"
#include "server/metrics.h"
#include "server/namespace_registry.h"
#include "server/router.h"

namespace thingsdb::server {

using QueryParams = std::multimap<std::string, std::string>;

struct ApiRequest {
  const RouteSpec* route = nullptr;
  std::string ns;
  std::string id;
  const QueryParams* query = nullptr;  // decoded query parameters; never null
  std::string_view body;
  std::string_view content_type;
};

struct ApiResponse {
  int status = 200;
  std::string body;
  std::string error_code;       // "" on success; the error's code otherwise
  int retry_after_seconds = 0;  // > 0: send Retry-After
};

struct ApiLimits {
  size_t max_batch_items = 10000;
  int64_t max_find_limit = 1000;
  int64_t max_related_limit = 10000;
  int64_t max_traverse_limit = 100000;
  int max_depth = 16;  // traverse depth and path maxDepth
  std::chrono::milliseconds stats_cache_age{10000};
};

// {"error":{"code":…,"message":…}}
std::string ErrorBody(std::string_view code, std::string_view message);
// The HTTP status and error code for a failed Status. LimitExceeded is 413 on routes that
// write (a row or the namespace is too large) and 400 on routes that read (SQL limits).
ApiResponse ErrorResponse(const Status& status, bool write_route);

class HttpApi {
 public:
  HttpApi(NamespaceRegistry* registry, Metrics* metrics, ApiLimits limits = {});

  // Handles a route whose pattern has {ns}. Never throws.
  ApiResponse Handle(const ApiRequest& request);

 private:
  struct Call;
  ApiResponse Dispatch(Call& call);
  Result<ApiResponse> CreateThings(Call& call);
  Result<ApiResponse> FindThings(Call& call);
  Result<ApiResponse> GetThing(Call& call);
  Result<ApiResponse> UpdateThing(Call& call, bool merge);
  Result<ApiResponse> DeleteThing(Call& call);
  Result<ApiResponse> CreateRelationship(Call& call);
  Result<ApiResponse> DeleteRelationship(Call& call);
  Result<ApiResponse> Related(Call& call);
  Result<ApiResponse> Traverse(Call& call);
  Result<ApiResponse> Path(Call& call);
  Result<ApiResponse> Query(Call& call);
  Result<ApiResponse> Stats(Call& call);
  Result<ApiResponse> ListIndexes(Call& call);
  Result<ApiResponse> AddIndex(Call& call);
  Result<ApiResponse> DropIndex(Call& call);
  Result<ApiResponse> Optimize(Call& call);
  Result<ApiResponse> Flush(Call& call);
  Result<ApiResponse> Snapshots(Call& call);

  NamespaceRegistry* registry_;
  Metrics* metrics_;
  ApiLimits limits_;
};

}  // namespace thingsdb::server
