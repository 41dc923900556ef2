// The OpenAPI 3.0 document of the HTTP API, served at /v1/openapi.json. It is written by
// hand (summaries, parameters, bodies, error responses); router_test checks that its paths
// and methods are exactly the router's routes.
#pragma once

#include <string>

namespace thingsdb::server {

// The document as JSON text. Built once; thread-safe.
const std::string& OpenApiDocument();

}  // namespace thingsdb::server
