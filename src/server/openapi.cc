#include "server/openapi.h"

#include <nlohmann/json.hpp>

namespace thingsdb::server {
namespace {

using nlohmann::json;

json Ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

json JsonContent(const json& schema) { return {{"application/json", {{"schema", schema}}}}; }

json QueryParam(const std::string& name, const std::string& type, const std::string& description,
                bool required = false) {
  return {{"name", name},
          {"in", "query"},
          {"required", required},
          {"description", description},
          {"schema", {{"type", type}}}};
}

json PathParam(const std::string& name, const std::string& description) {
  return {{"name", name},
          {"in", "path"},
          {"required", true},
          {"description", description},
          {"schema", {{"type", "string"}}}};
}

json ErrorResponses(std::initializer_list<int> codes, const char* error = "Error") {
  json out = json::object();
  for (int code : codes) {
    out[std::to_string(code)] = {{"$ref", std::string("#/components/responses/") + error}};
  }
  return out;
}

// One operation: a summary, its success response and the errors it can return.
json Operation(const std::string& summary, int status, const json& schema,
               std::initializer_list<int> errors, json params = json::array(),
               const json& body = nullptr, bool secured = true) {
  json op = {{"summary", summary}, {"parameters", std::move(params)}};
  op["responses"] = ErrorResponses(errors);
  op["responses"][std::to_string(status)] = {{"description", "success"},
                                             {"content", JsonContent(schema)}};
  if (!body.is_null()) op["requestBody"] = {{"required", true}, {"content", JsonContent(body)}};
  if (!secured) op["security"] = json::array();
  return op;
}

// An operation of the Iceberg REST catalog: its errors are Iceberg's ErrorModel.
json IcebergOperation(const std::string& summary, const json& schema,
                      std::initializer_list<int> errors, json params = json::array()) {
  json op = Operation(summary, 200, schema, {}, std::move(params));
  op["responses"].update(ErrorResponses(errors, "IcebergError"));
  return op;
}

json Schemas() {
  json thing = {
      {"type", "object"},
      {"properties",
       {{"id", {{"type", "string"}}},
        {"type", {{"type", "string"}}},
        {"data", {{"type", "object"}}},
        {"embedding", {{"type", "array"}, {"items", {{"type", "number"}}}, {"nullable", true}}},
        {"createdAt", {{"type", "integer"}, {"description", "ms since the epoch"}}},
        {"updatedAt", {{"type", "integer"}}}}}};
  json new_thing = {{"type", "object"},
                    {"required", {"type", "data"}},
                    {"properties",
                     {{"id", {{"type", "string"}}},
                      {"type", {{"type", "string"}}},
                      {"data", {{"type", "object"}}},
                      {"embedding", {{"type", "array"}, {"items", {{"type", "number"}}}}}}}};
  json relationship = {{"type", "object"},
                       {"properties",
                        {{"id", {{"type", "string"}}},
                         {"fromId", {{"type", "string"}}},
                         {"toId", {{"type", "string"}}},
                         {"type", {{"type", "string"}}},
                         {"data", {{"type", "object"}, {"nullable", true}}},
                         {"createdAt", {{"type", "integer"}}}}}};
  json new_relationship = {{"type", "object"},
                           {"required", {"fromId", "toId", "type"}},
                           {"properties",
                            {{"fromId", {{"type", "string"}}},
                             {"toId", {{"type", "string"}}},
                             {"type", {{"type", "string"}}},
                             {"data", {{"type", "object"}}}}}};
  json error = {{"type", "object"},
                {"required", {"error"}},
                {"properties",
                 {{"error",
                   {{"type", "object"},
                    {"required", {"code", "message"}},
                    {"properties",
                     {{"code",
                       {{"type", "string"},
                        {"description",
                         "not_found, invalid_argument, conflict, limit_exceeded, busy, "
                         "unauthenticated, permission_denied, payload_too_large, "
                         "rate_limited, unavailable, method_not_allowed, internal"}}},
                      {"message", {{"type", "string"}}}}}}}}}};
  json index = {{"type", "object"},
                {"properties",
                 {{"path", {{"type", "string"}}},
                  {"index", {{"type", "string"}}},
                  {"createdAt", {{"type", "integer"}}}}}};
  json iceberg_error = {
      {"type", "object"},
      {"required", {"error"}},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"required", {"message", "type", "code"}},
          {"properties",
           {{"message", {{"type", "string"}}},
            {"type",
             {{"type", "string"},
              {"description",
               "NoSuchNamespaceException, NoSuchTableException, BadRequestException, "
               "NotAuthorizedException, UnsupportedOperationException, SlowDownException, "
               "InternalServerError"}}},
            {"code", {{"type", "integer"}, {"description", "the HTTP status"}}}}}}}}}};
  return {{"Thing", thing},
          {"NewThing", new_thing},
          {"Relationship", relationship},
          {"NewRelationship", new_relationship},
          {"Error", error},
          {"IcebergError", iceberg_error},
          {"Index", index}};
}

json ItemsOf(const json& item, bool with_next = false) {
  json schema = {{"type", "object"},
                 {"properties", {{"items", {{"type", "array"}, {"items", item}}}}}};
  if (with_next) {
    schema["properties"]["next"] = {{"type", "string"},
                                    {"nullable", true},
                                    {"description", "cursor of the next page; null on the last"}};
  }
  return schema;
}

json FlushReportSchema() {
  json integer = {{"type", "integer"}};
  json nullable = {{"type", "integer"}, {"nullable", true}};
  return {{"type", "object"},
          {"properties",
           {{"flushId", {{"type", "string"}, {"description", "empty when nothing was due"}}},
            {"cutoff", integer},
            {"things", integer},
            {"relationships", integer},
            {"coldDeletes", integer},
            {"files", integer},
            {"bytes", integer},
            {"ms", integer},
            {"nsSnapshotId", integer},
            {"thingsSnapshotId", nullable},
            {"relationshipsSnapshotId", nullable}}}};
}

json SnapshotSchema() {
  json integer = {{"type", "integer"}};
  json nullable = {{"type", "integer"}, {"nullable", true}};
  return {{"type", "object"},
          {"properties",
           {{"nsSnapshotId", integer},
            {"flushId", {{"type", "string"}}},
            {"thingsSnapshotId", nullable},
            {"relationshipsSnapshotId", nullable},
            {"committedAt", integer},
            {"cutoff", integer},
            {"flushedRows", integer}}}};
}

// Flush and snapshots of a namespace.
void TierPaths(json& paths, const json& ns) {
  json flush_body = {
      {"type", "object"},
      {"properties",
       {{"all", {{"type", "boolean"}, {"description", "flush every row, however young"}}},
        {"minAgeMs",
         {{"type", "integer"},
          {"description", "rows younger than this stay hot (default 300000)"}}}}}};
  paths["/v1/namespaces/{ns}/flush"]["post"] = Operation(
      "Move rows older than minAgeMs (or every row) to the cold Iceberg tables; one namespace "
      "snapshot. The body is optional",
      200, FlushReportSchema(), {400, 401, 403, 429, 503}, {ns}, flush_body);
  paths["/v1/namespaces/{ns}/flush"]["post"]["requestBody"]["required"] = false;
  paths["/v1/namespaces/{ns}/snapshots"]["get"] =
      Operation("The namespace snapshots (one per flush), oldest first", 200,
                ItemsOf(SnapshotSchema()), {400, 401, 403, 429, 503}, {ns});
}

// The read side of the Iceberg REST catalog (apache/iceberg open-api/rest-catalog-open-api.yaml).
void IcebergPaths(json& paths) {
  const json ns = PathParam("ns", "a thingsdb namespace (one level)");
  const json table = PathParam("table", "things or relationships");
  const json any = {{"type", "object"}};
  json identifier = {{"type", "array"}, {"items", {{"type", "string"}}}};
  paths["/iceberg/v1/config"]["get"] = IcebergOperation(
      "Catalog configuration: defaults, overrides (no prefix) and the endpoints served",
      {{"type", "object"},
       {"properties", {{"defaults", any}, {"overrides", any}, {"endpoints", {{"type", "array"}}}}}},
      {401, 429, 503}, {QueryParam("warehouse", "string", "ignored: one warehouse")});
  paths["/iceberg/v1/namespaces"]["get"] = IcebergOperation(
      "Namespaces of this server with cold tables that the token may read, by name",
      {{"type", "object"},
       {"properties",
        {{"namespaces", {{"type", "array"}, {"items", identifier}}},
         {"next-page-token", {{"type", "string"}, {"nullable", true}}}}}},
      {400, 401, 404, 429, 503},
      {QueryParam("parent", "string", "namespaces are one level: children of one are none"),
       QueryParam("pageToken", "string", "the previous page's next-page-token"),
       QueryParam("pageSize", "integer", "at most this many (default: all)")});
  paths["/iceberg/v1/namespaces/{ns}"]["get"] = IcebergOperation(
      "A namespace that has cold tables",
      {{"type", "object"}, {"properties", {{"namespace", identifier}, {"properties", any}}}},
      {401, 403, 404, 429, 503}, {ns});
  paths["/iceberg/v1/namespaces/{ns}/tables"]["get"] = IcebergOperation(
      "The namespace's cold tables (things, relationships)",
      {{"type", "object"},
       {"properties",
        {{"identifiers",
          {{"type", "array"},
           {"items",
            {{"type", "object"},
             {"properties", {{"namespace", identifier}, {"name", {{"type", "string"}}}}}}}}}}}},
      {401, 403, 404, 429, 503}, {ns});
  paths["/iceberg/v1/namespaces/{ns}/tables/{table}"]["get"] = IcebergOperation(
      "LoadTableResult: the current table metadata exactly as stored and its location",
      {{"type", "object"},
       {"properties",
        {{"metadata-location", {{"type", "string"}}}, {"metadata", any}, {"config", any}}}},
      {401, 403, 404, 429, 503}, {ns, table});
}

json Paths() {
  const json ns = PathParam("ns", "namespace: letters, digits, _ and -, 1 to 64 characters");
  const json id = PathParam("id", "id of a thing");
  const json any = {{"type", "object"}};
  const json direction = QueryParam("direction", "string", "out (default), in or both");
  json paths;

  paths["/healthz"]["get"] = Operation("Liveness: 200 while the process runs", 200, any, {},
                                       json::array(), nullptr, false);
  paths["/readyz"]["get"] = Operation("Readiness: 200 when serving, 503 while shutting down", 200,
                                      any, {503}, json::array(), nullptr, false);
  paths["/metrics"]["get"] = Operation("Prometheus metrics (text format 0.0.4); any valid token",
                                       200, {{"type", "string"}}, {401});
  paths["/metrics"]["get"]["responses"]["200"]["content"] = {
      {"text/plain", {{"schema", {{"type", "string"}}}}}};
  paths["/v1/openapi.json"]["get"] =
      Operation("This document", 200, any, {}, json::array(), nullptr, false);

  const std::string things = "/v1/namespaces/{ns}/things";
  paths[things]["post"] = Operation(
      "Create one thing (an object) or write a batch (an array of things and relationships) in "
      "one transaction, all or nothing; an error names the item index",
      201,
      {{"oneOf",
        {Ref("Thing"),
         {{"type", "object"},
          {"properties", {{"ids", {{"type", "array"}}}, {"count", {{"type", "integer"}}}}}}}}},
      {400, 401, 403, 404, 409, 413, 429, 503}, {ns},
      {{"oneOf", {Ref("NewThing"), {{"type", "array"}, {"items", any}}}}});
  paths[things]["get"] =
      Operation("Find things by type and JSON-path conditions, a page at a time", 200,
                ItemsOf(Ref("Thing"), true), {400, 401, 403, 429, 503},
                {ns,
                 QueryParam("type", "string", "only things of this type"),
                 {{"name", "where"},
                  {"in", "query"},
                  {"required", false},
                  {"description", "'PATH OP JSON_VALUE', e.g. '$.age >= 21'; repeatable"},
                  {"schema", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                  {"style", "form"},
                  {"explode", true}},
                 QueryParam("order", "string", "'PATH [asc|desc]'"),
                 QueryParam("limit", "integer", "page size, 1 to 1000 (default 100)"),
                 QueryParam("cursor", "string", "the previous page's next")});

  const std::string thing = things + "/{id}";
  paths[thing]["get"] =
      Operation("Get a thing", 200, Ref("Thing"), {400, 401, 403, 404, 429, 503}, {ns, id});
  json update_body = {{"type", "object"},
                      {"required", {"data"}},
                      {"properties",
                       {{"data", {{"type", "object"}}},
                        {"embedding", {{"type", "array"}, {"items", {{"type", "number"}}}}}}}};
  paths[thing]["put"] =
      Operation("Replace a thing's data (and optionally its embedding)", 200, Ref("Thing"),
                {400, 401, 403, 404, 413, 429, 503}, {ns, id}, update_body);
  paths[thing]["patch"] = Operation(
      "Merge-patch a thing's data (RFC 7396): body {\"data\":patch}, or the patch itself with "
      "Content-Type application/merge-patch+json",
      200, Ref("Thing"), {400, 401, 403, 404, 413, 429, 503}, {ns, id}, update_body);
  paths[thing]["delete"] = Operation("Delete a thing and its relationships", 200, any,
                                     {400, 401, 403, 404, 429, 503}, {ns, id});

  const std::string rels = "/v1/namespaces/{ns}/relationships";
  paths[rels]["post"] =
      Operation("Create a relationship fromId -[type]-> toId", 201, Ref("Relationship"),
                {400, 401, 403, 404, 409, 413, 429, 503}, {ns}, Ref("NewRelationship"));
  paths[rels]["delete"] =
      Operation("Delete a relationship, named by a body {fromId,toId,type} or by query parameters",
                200, any, {400, 401, 403, 404, 429, 503},
                {ns, QueryParam("fromId", "string", "when there is no body"),
                 QueryParam("toId", "string", "when there is no body"),
                 QueryParam("type", "string", "when there is no body")});

  json related_item = {
      {"type", "object"},
      {"properties", {{"relationship", Ref("Relationship")}, {"thing", Ref("Thing")}}}};
  paths[thing + "/related"]["get"] =
      Operation("Things one hop away", 200, ItemsOf(related_item), {400, 401, 403, 404, 429, 503},
                {ns, id, QueryParam("type", "string", "only relationships of this type"), direction,
                 QueryParam("limit", "integer", "at most this many (default 1000, max 10000)")});
  json hit = {{"type", "object"},
              {"properties",
               {{"id", {{"type", "string"}}},
                {"depth", {{"type", "integer"}}},
                {"parent", {{"type", "string"}}}}}};
  paths[thing + "/traverse"]["get"] = Operation(
      "Breadth-first walk, nearest first", 200, ItemsOf(hit), {400, 401, 403, 404, 429, 503},
      {ns, id, QueryParam("type", "string", "follow only this type"), direction,
       QueryParam("depth", "integer", "hops, 1 to 16 (default 3)"),
       QueryParam("limit", "integer", "stop after this many (default 1000, max 100000)")});
  paths["/v1/namespaces/{ns}/path"]["get"] = Operation(
      "A shortest path as the ids along it", 200,
      {{"type", "object"},
       {"properties", {{"path", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}},
      {400, 401, 403, 404, 429, 503},
      {ns, QueryParam("from", "string", "start id", true),
       QueryParam("to", "string", "end id", true),
       QueryParam("type", "string", "follow only this type"), direction,
       QueryParam("maxDepth", "integer", "give up after this many hops, 1 to 16 (default 6)")});

  json query_body = {
      {"type", "object"},
      {"required", {"sql"}},
      {"properties",
       {{"sql", {{"type", "string"}, {"description", "one read-only statement, at most 100 KB"}}},
        {"params", {{"type", "array"}, {"description", "JSON scalars bound to ?, at most 100"}}},
        {"explain", {{"type", "boolean"}, {"description", "return the query plan instead"}}},
        {"snapshot",
         {{"type", "integer"},
          {"description",
           "a namespace (or table) snapshot id: the cold tier as of that flush"}}}}}};
  json query_result = {{"type", "object"},
                       {"properties",
                        {{"columns", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                         {"rows", {{"type", "array"}, {"items", {{"type", "array"}}}}},
                         {"plan", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}};
  paths["/v1/namespaces/{ns}/query"]["post"] =
      Operation("Read-only SQL over both tiers with bound parameters (read scope)", 200,
                query_result, {400, 401, 403, 404, 429, 503}, {ns}, query_body);
  paths["/v1/namespaces/{ns}/stats"]["get"] =
      Operation("Counts, sizes, bytes per thing and projected capacity", 200, any,
                {400, 401, 403, 429, 503}, {ns});
  const std::string indexes = "/v1/namespaces/{ns}/indexes";
  paths[indexes]["get"] =
      Operation("List JSON indexes", 200, ItemsOf(Ref("Index")), {400, 401, 403, 429, 503}, {ns});
  paths[indexes]["post"] = Operation("Index json_extract(data, path)", 201, Ref("Index"),
                                     {400, 401, 403, 409, 429, 503}, {ns},
                                     {{"type", "object"},
                                      {"required", {"path"}},
                                      {"properties", {{"path", {{"type", "string"}}}}}});
  paths[indexes]["delete"] =
      Operation("Drop the index on a path", 200, any, {400, 401, 403, 404, 429, 503},
                {ns, QueryParam("path", "string", "the indexed JSON path", true)});
  paths["/v1/namespaces/{ns}/optimize"]["post"] =
      Operation("ANALYZE, PRAGMA optimize, incremental vacuum, WAL checkpoint", 200, any,
                {400, 401, 403, 429, 503}, {ns});
  TierPaths(paths, ns);
  IcebergPaths(paths);
  return paths;
}

json Document() {
  json doc;
  doc["openapi"] = "3.0.3";
  doc["info"] = {{"title", "thingsdb HTTP API"},
                 {"version", "0.1.0"},
                 {"description",
                  "Things and relationships in many namespaces. Every error is "
                  "{\"error\":{\"code\",\"message\"}}. See docs/server.md."}};
  doc["paths"] = Paths();
  doc["components"]["schemas"] = Schemas();
  doc["components"]["responses"]["Error"] = {{"description", "an error"},
                                             {"content", JsonContent(Ref("Error"))}};
  doc["components"]["responses"]["IcebergError"] = {
      {"description", "an Iceberg REST error (IcebergErrorResponse)"},
      {"content", JsonContent(Ref("IcebergError"))}};
  doc["components"]["securitySchemes"]["bearer"] = {{"type", "http"}, {"scheme", "bearer"}};
  doc["security"] = json::array({{{"bearer", json::array()}}});
  return doc;
}

}  // namespace

const std::string& OpenApiDocument() {
  static const std::string kDocument = Document().dump(1);
  return kDocument;
}

}  // namespace thingsdb::server
