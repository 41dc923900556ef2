#include "server/iceberg_catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <exception>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cold/cold_schema.h"
#include "cold/warehouse.h"
#include "core/json.h"
#include "iceberg/table_paths.h"
#include "objectstore/object_store_uri.h"
#include "server/namespace_registry.h"

namespace thingsdb::server {
namespace {

using nlohmann::json;

constexpr std::string_view kNoSuchNamespace = "NoSuchNamespaceException";
constexpr std::string_view kNoSuchTable = "NoSuchTableException";

ApiResponse IcebergError(int status, std::string_view type, std::string_view message) {
  ApiResponse response;
  response.status = status;
  response.error_code = status == 404   ? "not_found"
                        : status == 400 ? "invalid_argument"
                                        : "internal";
  response.body = IcebergErrorBody(status, type, message);
  return response;
}

// The Iceberg error for a failed Status.
ApiResponse IcebergErrorFor(const Status& status) {
  ApiResponse generic = ErrorResponse(status, false);
  ToIcebergError(&generic);
  return generic;
}

std::string_view TypeForStatus(int status) {
  switch (status) {
    case 400:
      return "BadRequestException";
    case 401:
    case 403:
      return "NotAuthorizedException";
    case 404:
      return "NotFoundException";
    case 405:
    case 406:
      return "UnsupportedOperationException";
    case 429:
    case 503:
      return "SlowDownException";
    default:
      return status >= 500 ? "InternalServerError" : "BadRequestException";
  }
}

ApiResponse Ok(std::string body) {
  ApiResponse response;
  response.body = std::move(body);
  return response;
}

std::string NamespaceJson(std::string_view ns) {
  std::string out = "[";
  AppendJsonString(out, ns);
  return out + "]";
}

constexpr std::string_view kTableNames[] = {"things", "relationships"};

bool IsTableName(std::string_view name) {
  return std::find(std::begin(kTableNames), std::end(kTableNames), name) != std::end(kTableNames);
}

const std::string* QueryValue(const QueryParams& query, const std::string& key) {
  auto it = query.find(key);
  return it == query.end() ? nullptr : &it->second;
}

}  // namespace

std::string IcebergErrorBody(int status, std::string_view type, std::string_view message) {
  std::string out = "{\"error\":{\"message\":";
  AppendJsonString(out, message);
  out += ",\"type\":";
  AppendJsonString(out, type);
  out += fmt::format(",\"code\":{}}}}}", status);
  return out;
}

void ToIcebergError(ApiResponse* response) {
  if (response->status < 400) return;
  json body = json::parse(response->body, nullptr, false);
  std::string message = fmt::format("HTTP {}", response->status);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    const json& error = body["error"];
    if (error.contains("type") && error["type"].is_string()) return;  // already Iceberg's
    if (error.contains("message") && error["message"].is_string()) {
      message = error["message"].get<std::string>();
    }
  }
  response->body = IcebergErrorBody(response->status, TypeForStatus(response->status), message);
}

IcebergCatalog::IcebergCatalog(IcebergCatalogOptions options) : options_(std::move(options)) {}

ApiResponse IcebergCatalog::Handle(const RouteSpec& route, const std::string& ns,
                                   const std::string& table, const QueryParams& query,
                                   const TokenGrant& grant) {
  Result<ApiResponse> result = Status::Internal("route not handled");
  try {
    switch (route.id) {
      case RouteId::kIcebergConfig:
        result = Config();
        break;
      case RouteId::kIcebergNamespaces:
        result = ListNamespaces(query, grant);
        break;
      case RouteId::kIcebergNamespace:
        result = LoadNamespace(ns);
        break;
      case RouteId::kIcebergTables:
        result = ListTables(ns);
        break;
      case RouteId::kIcebergTable:
        result = LoadTable(ns, table);
        break;
      default:
        break;
    }
  } catch (const std::exception& e) {
    result = Status::Internal(fmt::format("unexpected error: {}", e.what()));
  }
  if (!result.ok()) return IcebergErrorFor(result.status());
  return std::move(result).value();
}

Result<ObjectStore*> IcebergCatalog::Store() {
  if (options_.store) return options_.store;
  std::lock_guard<std::mutex> lock(mu_);
  if (!own_store_) {
    std::string uri = options_.cold_uri.empty()
                          ? (std::filesystem::path(options_.data_dir) / "warehouse").string()
                          : options_.cold_uri;
    auto opened = OpenObjectStore(uri);
    if (!opened.ok()) {
      return opened.status().WithContext(fmt::format("opening the warehouse '{}'", uri));
    }
    own_store_ = std::move(*opened);
  }
  return own_store_.get();
}

Result<bool> IcebergCatalog::TableExists(const std::string& ns, std::string_view name) {
  ASSIGN_OR_RETURN(ObjectStore * store, Store());
  // Keys as cold::Warehouse names them; a committed table has a metadata file v<N>.
  iceberg::TablePaths paths(fmt::format("{}/{}", ns, name), "");
  ASSIGN_OR_RETURN(auto objects, store->List(paths.MetadataPrefix()));
  for (const ObjectInfo& object : objects) {
    if (iceberg::TablePaths::ParseMetadataVersion(object.key)) return true;
  }
  return false;
}

Result<std::vector<std::string>> IcebergCatalog::Tables(const std::string& ns) {
  std::vector<std::string> out;
  for (std::string_view name : kTableNames) {
    ASSIGN_OR_RETURN(bool exists, TableExists(ns, name));
    if (exists) out.emplace_back(name);
  }
  return out;
}

Result<ApiResponse> IcebergCatalog::Config() {
  // No prefix: every route is /iceberg/v1/… and one server is one warehouse.
  return Ok(
      "{\"defaults\":{},\"overrides\":{},\"endpoints\":["
      "\"GET /v1/{prefix}/namespaces\","
      "\"GET /v1/{prefix}/namespaces/{namespace}\","
      "\"HEAD /v1/{prefix}/namespaces/{namespace}\","
      "\"GET /v1/{prefix}/namespaces/{namespace}/tables\","
      "\"GET /v1/{prefix}/namespaces/{namespace}/tables/{table}\","
      "\"HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}\"]}");
}

Result<ApiResponse> IcebergCatalog::ListNamespaces(const QueryParams& query,
                                                   const TokenGrant& grant) {
  // Namespaces are one level: the children of an existing namespace are none.
  if (const std::string* parent = QueryValue(query, "parent"); parent && !parent->empty()) {
    bool exists = ValidateNamespaceName(*parent).ok() &&
                  Authenticator::Authorize(grant, *parent, Access::kRead).ok();
    if (exists) {
      ASSIGN_OR_RETURN(auto tables, Tables(*parent));
      exists = !tables.empty();
    }
    if (!exists) {
      return IcebergError(404, kNoSuchNamespace,
                          fmt::format("namespace '{}' does not exist", *parent));
    }
    return Ok("{\"namespaces\":[]}");
  }
  int64_t page_size = 0;  // 0: all
  if (const std::string* text = QueryValue(query, "pageSize")) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), page_size);
    if (ec != std::errc() || end != text->data() + text->size() || page_size < 1) {
      return IcebergError(400, "BadRequestException", "pageSize must be a positive integer");
    }
  }
  const std::string* after = QueryValue(query, "pageToken");
  // The namespaces of this server (directories with hot.db), in name order.
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.data_dir, ec)) {
    std::string name = entry.path().filename().string();
    if (!ValidateNamespaceName(name).ok()) continue;
    if (!std::filesystem::exists(entry.path() / "hot.db")) continue;
    names.push_back(std::move(name));
  }
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Status::IOError(
        fmt::format("cannot list the data directory '{}': {}", options_.data_dir, ec.message()));
  }
  std::sort(names.begin(), names.end());
  // One more than a page is looked up, to know whether another page follows.
  std::vector<std::string> listed;
  for (const std::string& name : names) {
    if (page_size > 0 && static_cast<int64_t>(listed.size()) > page_size) break;
    if (after && !after->empty() && name <= *after) continue;
    if (!Authenticator::Authorize(grant, name, Access::kRead).ok()) continue;
    ASSIGN_OR_RETURN(auto tables, Tables(name));
    if (!tables.empty()) listed.push_back(name);
  }
  bool more = page_size > 0 && static_cast<int64_t>(listed.size()) > page_size;
  if (more) listed.resize(static_cast<size_t>(page_size));
  std::string out = "{\"namespaces\":[";
  for (size_t name_idx = 0; name_idx < listed.size(); ++name_idx) {
    if (name_idx) out += ",";
    out += NamespaceJson(listed[name_idx]);
  }
  out += "]";
  if (more) {
    out += ",\"next-page-token\":";
    AppendJsonString(out, listed.back());
  }
  return Ok(out + "}");
}

Result<ApiResponse> IcebergCatalog::LoadNamespace(const std::string& ns) {
  ASSIGN_OR_RETURN(auto tables, Tables(ns));
  if (tables.empty()) {
    return IcebergError(404, kNoSuchNamespace,
                        fmt::format("namespace '{}' has no cold tables", ns));
  }
  return Ok("{\"namespace\":" + NamespaceJson(ns) + ",\"properties\":{}}");
}

Result<ApiResponse> IcebergCatalog::ListTables(const std::string& ns) {
  ASSIGN_OR_RETURN(auto tables, Tables(ns));
  if (tables.empty()) {
    return IcebergError(404, kNoSuchNamespace,
                        fmt::format("namespace '{}' has no cold tables", ns));
  }
  std::string out = "{\"identifiers\":[";
  for (size_t table_idx = 0; table_idx < tables.size(); ++table_idx) {
    if (table_idx) out += ",";
    out += "{\"namespace\":" + NamespaceJson(ns) + ",\"name\":";
    AppendJsonString(out, tables[table_idx]);
    out += "}";
  }
  return Ok(out + "]}");
}

Result<ApiResponse> IcebergCatalog::LoadTable(const std::string& ns, const std::string& table) {
  ASSIGN_OR_RETURN(auto tables, Tables(ns));
  if (tables.empty()) {
    return IcebergError(404, kNoSuchNamespace,
                        fmt::format("namespace '{}' has no cold tables", ns));
  }
  if (!IsTableName(table) || std::find(tables.begin(), tables.end(), table) == tables.end()) {
    return IcebergError(
        404, kNoSuchTable,
        fmt::format("namespace '{}' has no table '{}' (tables: things, relationships)", ns, table));
  }
  ASSIGN_OR_RETURN(ObjectStore * store, Store());
  cold::Warehouse warehouse(*store);
  cold::TableKind kind =
      table == "things" ? cold::TableKind::kThings : cold::TableKind::kRelationships;
  auto loaded = warehouse.Open(ns, kind);
  if (!loaded.ok()) {
    if (loaded.status().IsNotFound()) {
      return IcebergError(404, kNoSuchTable,
                          fmt::format("table '{}.{}' does not exist", ns, table));
    }
    return loaded.status().WithContext(fmt::format("loading table '{}.{}'", ns, table));
  }
  const iceberg::Table& loaded_table = **loaded;
  // The metadata file of the version just loaded: immutable, so these bytes are that version.
  std::string key = loaded_table.metadata_key();
  ASSIGN_OR_RETURN(std::string metadata, store->Get(key));
  if (!json::accept(metadata)) {
    return Status::Corruption(
        fmt::format("table '{}.{}': metadata file '{}' is not JSON", ns, table, key));
  }
  std::string out = "{\"metadata-location\":";
  AppendJsonString(out, loaded_table.paths().ToLocation(key));
  out += ",\"metadata\":";
  out += metadata;
  out += ",\"config\":{}}";
  return Ok(std::move(out));
}

}  // namespace thingsdb::server
