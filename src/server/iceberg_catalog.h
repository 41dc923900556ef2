// IcebergCatalog: the read side of the Iceberg REST catalog protocol (apache/iceberg
// open-api/rest-catalog-open-api.yaml) over the server's warehouse, so that Spark, Trino,
// DuckDB or PyIceberg find every namespace's cold tables: config, list namespaces, load a
// namespace, list its tables, load a table (LoadTableResult with the table-metadata JSON
// exactly as stored). Read-only: it never creates a table, it only loads what flushes
// committed. Errors are Iceberg's {"error":{"message","type","code"}}. Authentication and
// the namespace scope are checked before (server.h). Thread-safe. docs/server.md.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "objectstore/object_store.h"
#include "server/auth.h"
#include "server/http_api.h"
#include "server/router.h"

namespace thingsdb::server {

// {"error":{"message":…,"type":…,"code":status}}
std::string IcebergErrorBody(int status, std::string_view type, std::string_view message);
// Rewrites a thingsdb error response ({"error":{"code","message"}}, e.g. from authentication)
// into the Iceberg shape, keeping status and message; one already in that shape is kept.
void ToIcebergError(ApiResponse* response);

struct IcebergCatalogOptions {
  std::string data_dir;  // the server's data directory: its namespaces are listed
  std::string cold_uri;  // the warehouse; empty: <data_dir>/warehouse (as the engine)
  // A store to use instead of cold_uri (tests); not owned, must outlive the catalog.
  ObjectStore* store = nullptr;
};

class IcebergCatalog {
 public:
  explicit IcebergCatalog(IcebergCatalogOptions options);

  // Answers an Iceberg route. `ns` and `table` are the path's segments (empty when the route
  // has none; `ns` is already a valid namespace name); `grant` filters the namespace list.
  // Never throws.
  ApiResponse Handle(const RouteSpec& route, const std::string& ns, const std::string& table,
                     const QueryParams& query, const TokenGrant& grant);

 private:
  // The warehouse store, opened on first use (so a server that never serves the catalog
  // never touches the warehouse).
  Result<ObjectStore*> Store();
  // Whether the warehouse holds a committed metadata file of ns's table `name`.
  Result<bool> TableExists(const std::string& ns, std::string_view name);
  // things and relationships, those that exist.
  Result<std::vector<std::string>> Tables(const std::string& ns);
  Result<ApiResponse> Config();
  Result<ApiResponse> ListNamespaces(const QueryParams& query, const TokenGrant& grant);
  Result<ApiResponse> LoadNamespace(const std::string& ns);
  Result<ApiResponse> ListTables(const std::string& ns);
  Result<ApiResponse> LoadTable(const std::string& ns, const std::string& table);

  const IcebergCatalogOptions options_;
  std::mutex mu_;  // guards own_store_ while it is opened
  std::unique_ptr<ObjectStore> own_store_;
};

}  // namespace thingsdb::server
