#include "server/router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "server/openapi.h"

namespace thingsdb::server {
namespace {

using nlohmann::json;

TEST(RouterTest, MatchesPatternsAndExtractsParameters) {
  RouteMatch match = MatchRoute("GET", "/v1/namespaces/app/things/abc/related");
  ASSERT_EQ(match.kind, MatchKind::kFound);
  EXPECT_EQ(match.route->id, RouteId::kRelated);
  EXPECT_EQ(match.ns, "app");
  EXPECT_EQ(match.id, "abc");
  match = MatchRoute("PATCH", "/v1/namespaces/app/things/abc");
  ASSERT_EQ(match.kind, MatchKind::kFound);
  EXPECT_EQ(match.route->id, RouteId::kThingPatch);
  EXPECT_EQ(MatchRoute("GET", "/v1/namespaces//things").kind, MatchKind::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/v1/namespaces/app/things/").kind, MatchKind::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "/v1/namespaces/a/b/things").kind, MatchKind::kNotFound);
  EXPECT_EQ(MatchRoute("GET", "").kind, MatchKind::kNotFound);
  match = MatchRoute("GET", "/iceberg/v1/namespaces/app/tables/things");
  ASSERT_EQ(match.kind, MatchKind::kFound);
  EXPECT_EQ(match.route->id, RouteId::kIcebergTable);
  EXPECT_TRUE(IsIcebergRoute(match.route->id));
  EXPECT_EQ(match.ns, "app");
  EXPECT_EQ(match.id, "things");
  EXPECT_FALSE(IsIcebergRoute(MatchRoute("POST", "/v1/namespaces/app/flush").route->id));
  EXPECT_EQ(MatchRoute("GET", "/iceberg/v1/namespaces/app/tables/").kind, MatchKind::kNotFound);
  match = MatchRoute("PUT", "/v1/namespaces/app/indexes");
  EXPECT_EQ(match.kind, MatchKind::kMethodNotAllowed);
  EXPECT_EQ(match.allow, "GET, POST, DELETE");
}

// The OpenAPI document and the router describe exactly the same (method, path) pairs.
TEST(RouterTest, OpenApiDocumentListsExactlyTheRoutes) {
  json doc = json::parse(OpenApiDocument());
  ASSERT_EQ(doc["openapi"], "3.0.3");
  std::set<std::string> documented;
  for (const auto& [path, methods] : doc["paths"].items()) {
    for (const auto& [method, op] : methods.items()) {
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(c));
      documented.insert(upper + " " + path);
      EXPECT_TRUE(op.contains("summary")) << upper << " " << path;
      EXPECT_TRUE(op.contains("responses")) << upper << " " << path;
    }
  }
  std::set<std::string> served;
  for (const RouteSpec& route : Routes()) {
    served.insert(std::string(route.method) + " " + std::string(route.pattern));
  }
  EXPECT_EQ(documented, served);
  EXPECT_EQ(served.size(), Routes().size()) << "a route is listed twice";
  // Every path parameter named in a pattern is declared in the operation.
  for (const RouteSpec& route : Routes()) {
    std::string method(route.method);
    for (char& c : method) c = static_cast<char>(std::tolower(c));
    const json& op = doc["paths"][std::string(route.pattern)][method];
    for (const char* param : {"ns", "id", "table"}) {
      if (route.pattern.find(std::string("{") + param + "}") == std::string_view::npos) continue;
      bool declared = false;
      for (const auto& p : op["parameters"]) declared |= p["name"] == param && p["in"] == "path";
      EXPECT_TRUE(declared) << route.pattern << " lacks path parameter " << param;
    }
  }
}

}  // namespace
}  // namespace thingsdb::server
