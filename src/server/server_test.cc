// End-to-end tests of the HTTP server on 127.0.0.1 with real sockets: every route, errors,
// hostile input, auth and scopes, concurrency, back-pressure and graceful shutdown.
#include "server/server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "server/auth.h"
#include "server/openapi.h"
#include "server/router.h"
#include "server/testing/raw_socket.h"

namespace thingsdb::server {
namespace {

using nlohmann::json;

constexpr char kAdmin[] = "admin-secret-token";
constexpr char kReader[] = "reader-token";
constexpr char kWriter[] = "writer-token";
constexpr char kLimited[] = "limited-token";

std::string AuthConfig() {
  json config = {{"tokens",
                  {{{"name", "reader"},
                    {"sha256", Sha256Hex(kReader)},
                    {"access", "read"},
                    {"namespaces", {"app"}}},
                   {{"name", "writer"},
                    {"sha256", Sha256Hex(kWriter)},
                    {"access", "write"},
                    {"prefixes", {"tenant-"}}},
                   {{"name", "limited"},
                    {"sha256", Sha256Hex(kLimited)},
                    {"access", "read"},
                    {"namespaces", {"app"}},
                    {"rateLimit", {{"perSecond", 0.001}, {"burst", 2}}}}}}};
  return config.dump();
}

// Percent-encodes everything but unreserved characters.
std::string Encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

json Body(const httplib::Result& res) {
  EXPECT_TRUE(res) << "no response";
  if (!res) return json();
  json parsed = json::parse(res->body, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << res->body;
  return parsed;
}

// Asserts an error response: status, the {"error":{"code","message"}} shape and the code.
void ExpectError(const httplib::Result& res, int status, const std::string& code) {
  ASSERT_TRUE(res) << "no response";
  EXPECT_EQ(res->status, status) << res->body;
  json body = json::parse(res->body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << res->body;
  ASSERT_TRUE(body.contains("error")) << res->body;
  EXPECT_EQ(body["error"]["code"], code) << res->body;
  EXPECT_TRUE(body["error"]["message"].is_string()) << res->body;
}

using testing::RawSocket;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("thingsdb_server_test_{}_{}", ::getpid(), counter_++);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (server_) {
      server_->Stop();
      server_->Wait();
      server_.reset();
    }
    std::filesystem::remove_all(dir_);
  }

  ServerOptions DefaultOptions() {
    ServerOptions options;
    options.port = 0;
    options.threads = 8;
    options.admin_token = kAdmin;
    options.auth_config_json = AuthConfig();
    options.registry.data_dir = (dir_ / "data").string();
    options.registry.store_options.read_connections = 2;
    options.max_body_bytes = 256 * 1024;
    options.read_timeout = std::chrono::milliseconds(500);
    options.keep_alive_timeout = std::chrono::milliseconds(1000);
    return options;
  }

  void StartServer(ServerOptions options) {
    auto server = Server::Create(std::move(options));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    ASSERT_TRUE(server_->Start().ok());
  }
  void StartServer() { StartServer(DefaultOptions()); }

  std::unique_ptr<httplib::Client> Client(const std::string& token = kAdmin) {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    if (!token.empty()) client->set_bearer_token_auth(token);
    client->set_connection_timeout(5);
    client->set_read_timeout(20);
    return client;
  }

  // POSTs a thing and returns its id.
  std::string PutThing(const std::string& ns, const json& thing) {
    auto res = Client()->Post(fmt::format("/v1/namespaces/{}/things", ns), thing.dump(),
                              "application/json");
    EXPECT_TRUE(res);
    if (!res) return "";
    EXPECT_EQ(res->status, 201) << res->body;
    return json::parse(res->body).value("id", "");
  }

  int64_t CountThings(const std::string& ns) {
    json req = {{"sql", "SELECT count(*) FROM things"}};
    auto res =
        Client()->Post(fmt::format("/v1/namespaces/{}/query", ns), req.dump(), "application/json");
    EXPECT_TRUE(res && res->status == 200);
    if (!res || res->status != 200) return -1;
    return json::parse(res->body)["rows"][0][0].get<int64_t>();
  }

  // Things in the namespace's hot tier (the stats route).
  int64_t HotThings(const std::string& ns) {
    auto res = Client()->Get(fmt::format("/v1/namespaces/{}/stats", ns));
    EXPECT_TRUE(res && res->status == 200);
    if (!res || res->status != 200) return -1;
    return json::parse(res->body)["things"].get<int64_t>();
  }

  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, PublicRoutesNeedNoToken) {
  StartServer();
  auto client = Client("");
  auto health = client->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto ready = client->Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  auto doc = client->Get("/v1/openapi.json");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->status, 200);
  EXPECT_EQ(Body(doc)["openapi"], "3.0.3");
  EXPECT_EQ(health->get_header_value("X-Request-Id").empty(), false);
}

TEST_F(ServerTest, ThingLifecycle) {
  StartServer();
  auto client = Client();
  auto created = client->Post("/v1/namespaces/app/things",
                              R"({"type":"user","data":{"name":"Ada","age":36},"id":"u1"})",
                              "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  json thing = Body(created);
  EXPECT_EQ(thing["id"], "u1");
  EXPECT_EQ(thing["type"], "user");
  EXPECT_EQ(thing["data"]["name"], "Ada");
  EXPECT_TRUE(thing["createdAt"].is_number_integer());

  auto got = client->Get("/v1/namespaces/app/things/u1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(Body(got), thing);

  auto replaced = client->Put("/v1/namespaces/app/things/u1", R"({"data":{"name":"Grace"}})",
                              "application/json");
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced->status, 200) << replaced->body;
  EXPECT_EQ(Body(replaced)["data"], json({{"name", "Grace"}}));

  auto patched =
      client->Patch("/v1/namespaces/app/things/u1", R"({"data":{"age":85}})", "application/json");
  ASSERT_TRUE(patched);
  EXPECT_EQ(Body(patched)["data"], json({{"name", "Grace"}, {"age", 85}}));

  auto raw_patch = client->Patch("/v1/namespaces/app/things/u1", R"({"age":null,"x":1})",
                                 "application/merge-patch+json");
  ASSERT_TRUE(raw_patch);
  EXPECT_EQ(raw_patch->status, 200) << raw_patch->body;
  EXPECT_EQ(Body(raw_patch)["data"], json({{"name", "Grace"}, {"x", 1}}));

  auto deleted = client->Delete("/v1/namespaces/app/things/u1");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200);
  EXPECT_EQ(Body(deleted)["deleted"], "u1");
  ExpectError(client->Get("/v1/namespaces/app/things/u1"), 404, "not_found");
  ExpectError(client->Delete("/v1/namespaces/app/things/u1"), 404, "not_found");
  // A duplicate id is a conflict.
  PutThing("app", {{"id", "dup"}, {"type", "t"}, {"data", json::object()}});
  ExpectError(client->Post("/v1/namespaces/app/things", R"({"id":"dup","type":"t","data":{}})",
                           "application/json"),
              409, "conflict");
}

TEST_F(ServerTest, BatchIsAllOrNothingAndNamesTheItem) {
  StartServer();
  auto client = Client();
  json bad = json::array({{{"type", "t"}, {"data", {{"n", 0}}}},
                          {{"type", "t"}, {"data", {{"n", 1}}}},
                          {{"type", "t"}, {"data", "not an object"}}});
  auto res = client->Post("/v1/namespaces/app/things", bad.dump(), "application/json");
  ExpectError(res, 400, "invalid_argument");
  EXPECT_NE(res->body.find("item 2"), std::string::npos) << res->body;

  // A relationship to a missing thing fails in the store: nothing of the batch is written.
  json dangling = json::array({{{"id", "a"}, {"type", "t"}, {"data", json::object()}},
                               {{"fromId", "a"}, {"toId", "missing"}, {"type", "knows"}}});
  res = client->Post("/v1/namespaces/app/things", dangling.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_GE(res->status, 400) << res->body;
  EXPECT_NE(res->body.find("item 1"), std::string::npos) << res->body;
  EXPECT_EQ(CountThings("app"), 0);

  json good = json::array({{{"id", "a"}, {"type", "t"}, {"data", json::object()}},
                           {{"id", "b"}, {"type", "t"}, {"data", json::object()}},
                           {{"fromId", "a"}, {"toId", "b"}, {"type", "knows"}}});
  res = client->Post("/v1/namespaces/app/things", good.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  EXPECT_EQ(Body(res)["count"], 3);
  EXPECT_EQ(CountThings("app"), 2);
  ExpectError(client->Post("/v1/namespaces/app/things", "[]", "application/json"), 400,
              "invalid_argument");
}

TEST_F(ServerTest, FindFiltersOrdersAndPages) {
  StartServer();
  for (int age = 1; age <= 5; ++age) {
    PutThing("app", {{"type", "user"}, {"data", {{"age", age}}}});
  }
  PutThing("app", {{"type", "robot"}, {"data", {{"age", 100}}}});
  auto client = Client();
  std::string path = "/v1/namespaces/app/things?type=user&where=" + Encode("$.age >= 2") +
                     "&order=" + Encode("$.age desc") + "&limit=2";
  auto res = client->Get(path);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json page = Body(res);
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["data"]["age"], 5);
  EXPECT_EQ(page["items"][1]["data"]["age"], 4);
  ASSERT_TRUE(page["next"].is_string());
  std::vector<int> ages;
  std::string cursor = page["next"];
  while (true) {
    res = client->Get(path + "&cursor=" + Encode(cursor));
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    page = Body(res);
    for (const auto& item : page["items"]) ages.push_back(item["data"]["age"]);
    if (page["next"].is_null()) break;
    cursor = page["next"];
  }
  EXPECT_EQ(ages, (std::vector<int>{3, 2}));
  // Two where conditions are ANDed.
  res = client->Get("/v1/namespaces/app/things?where=" + Encode("$.age > 1") +
                    "&where=" + Encode("$.age < 3"));
  ASSERT_TRUE(res);
  EXPECT_EQ(Body(res)["items"].size(), 1u);
  ExpectError(client->Get("/v1/namespaces/app/things?limit=abc"), 400, "invalid_argument");
  ExpectError(client->Get("/v1/namespaces/app/things?limit=0"), 400, "invalid_argument");
  ExpectError(client->Get("/v1/namespaces/app/things?where=" + Encode("age ~ 3")), 400,
              "invalid_argument");
  ExpectError(client->Get("/v1/namespaces/app/things?order=" + Encode("$.age sideways")), 400,
              "invalid_argument");
}

TEST_F(ServerTest, RelationshipsAndGraphRoutes) {
  StartServer();
  for (const char* id : {"a", "b", "c"}) {
    PutThing("g", {{"id", id}, {"type", "node"}, {"data", json::object()}});
  }
  auto client = Client();
  for (auto [from, to] : {std::pair{"a", "b"}, std::pair{"b", "c"}}) {
    json rel = {{"fromId", from}, {"toId", to}, {"type", "next"}, {"data", {{"w", 1}}}};
    auto res = client->Post("/v1/namespaces/g/relationships", rel.dump(), "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 201) << res->body;
    EXPECT_EQ(Body(res)["fromId"], from);
  }
  ExpectError(client->Post("/v1/namespaces/g/relationships",
                           R"({"fromId":"a","toId":"b","type":"next"})", "application/json"),
              409, "conflict");
  ExpectError(client->Post("/v1/namespaces/g/relationships",
                           R"({"fromId":"a","toId":"zzz","type":"next"})", "application/json"),
              404, "not_found");

  auto related = client->Get("/v1/namespaces/g/things/a/related?type=next");
  ASSERT_TRUE(related);
  ASSERT_EQ(related->status, 200) << related->body;
  json items = Body(related)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["thing"]["id"], "b");
  EXPECT_EQ(items[0]["relationship"]["toId"], "b");
  related = client->Get("/v1/namespaces/g/things/b/related?direction=both");
  EXPECT_EQ(Body(related)["items"].size(), 2u);

  auto traverse = client->Get("/v1/namespaces/g/things/a/traverse?depth=5");
  ASSERT_TRUE(traverse);
  json hits = Body(traverse)["items"];
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[1], json({{"id", "c"}, {"depth", 2}, {"parent", "b"}}));

  auto path = client->Get("/v1/namespaces/g/path?from=a&to=c&type=next&maxDepth=3");
  ASSERT_TRUE(path);
  EXPECT_EQ(Body(path)["path"], json({"a", "b", "c"}));
  ExpectError(client->Get("/v1/namespaces/g/path?from=c&to=a"), 404, "not_found");
  ExpectError(client->Get("/v1/namespaces/g/path?from=a"), 400, "invalid_argument");
  ExpectError(client->Get("/v1/namespaces/g/things/a/related?direction=up"), 400,
              "invalid_argument");

  // Delete one relationship by body, the other by query parameters.
  auto del = client->Delete("/v1/namespaces/g/relationships",
                            R"({"fromId":"a","toId":"b","type":"next"})", "application/json");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200) << del->body;
  del = client->Delete("/v1/namespaces/g/relationships?fromId=b&toId=c&type=next");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200) << del->body;
  ExpectError(client->Delete("/v1/namespaces/g/relationships?fromId=b&toId=c&type=next"), 404,
              "not_found");
  EXPECT_EQ(Body(client->Get("/v1/namespaces/g/things/a/traverse"))["items"].size(), 0u);
}

TEST_F(ServerTest, QueryRunsReadOnlySqlWithParams) {
  StartServer();
  PutThing("q", {{"id", "x"}, {"type", "t"}, {"data", {{"n", 7}}}});
  auto client = Client();
  json req = {{"sql", "SELECT id, json_extract(data,'$.n') AS n, ? AS p, ? AS q FROM things"},
              {"params", {"hello", 2.5}}};
  auto res = client->Post("/v1/namespaces/q/query", req.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json body = Body(res);
  EXPECT_EQ(body["columns"], json({"id", "n", "p", "q"}));
  EXPECT_EQ(body["rows"], json::array({json::array({"x", 7, "hello", 2.5})}));

  ExpectError(
      client->Post("/v1/namespaces/q/query", R"({"sql":"DELETE FROM things"})", "application/json"),
      400, "invalid_argument");
  ExpectError(client->Post("/v1/namespaces/q/query", R"({"sql":"SELECT ?","params":[{"a":1}]})",
                           "application/json"),
              400, "invalid_argument");
  ExpectError(client->Post("/v1/namespaces/q/query", R"({"sql":42})", "application/json"), 400,
              "invalid_argument");
  json many = {{"sql", "SELECT 1"}, {"params", json::array()}};
  for (int param_idx = 0; param_idx < 101; ++param_idx) many["params"].push_back(param_idx);
  ExpectError(client->Post("/v1/namespaces/q/query", many.dump(), "application/json"), 400,
              "limit_exceeded");
  auto plan = client->Post("/v1/namespaces/q/query",
                           R"({"sql":"SELECT * FROM things WHERE id = 'x'","explain":true})",
                           "application/json");
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->status, 200) << plan->body;
  EXPECT_FALSE(Body(plan)["plan"].empty());
  EXPECT_EQ(CountThings("q"), 1);
}

TEST_F(ServerTest, StatsIndexesAndOptimize) {
  StartServer();
  PutThing("s", {{"type", "user"}, {"data", {{"email", "a@b"}}}});
  auto client = Client();
  auto stats = client->Get("/v1/namespaces/s/stats");
  ASSERT_TRUE(stats);
  EXPECT_EQ(Body(stats)["things"], 1);

  auto add = client->Post("/v1/namespaces/s/indexes", R"({"path":"$.email"})", "application/json");
  ASSERT_TRUE(add);
  ASSERT_EQ(add->status, 201) << add->body;
  EXPECT_EQ(Body(add)["path"], "$.email");
  auto list = client->Get("/v1/namespaces/s/indexes");
  ASSERT_TRUE(list);
  ASSERT_EQ(Body(list)["items"].size(), 1u);
  ExpectError(client->Post("/v1/namespaces/s/indexes", R"({"path":"email; DROP TABLE things"})",
                           "application/json"),
              400, "invalid_argument");
  auto drop = client->Delete("/v1/namespaces/s/indexes?path=" + Encode("$.email"));
  ASSERT_TRUE(drop);
  EXPECT_EQ(drop->status, 200) << drop->body;
  EXPECT_EQ(Body(client->Get("/v1/namespaces/s/indexes"))["items"].size(), 0u);
  ExpectError(client->Delete("/v1/namespaces/s/indexes"), 400, "invalid_argument");

  auto optimize = client->Post("/v1/namespaces/s/optimize", "", "application/json");
  ASSERT_TRUE(optimize);
  EXPECT_EQ(optimize->status, 200) << optimize->body;
  EXPECT_EQ(Body(optimize)["optimized"], true);
}

TEST_F(ServerTest, MetricsCountRequestsRowsAndNamespaces) {
  StartServer();
  PutThing("m", {{"id", "x"}, {"type", "t"}, {"data", json::object()}});
  auto client = Client();
  ASSERT_EQ(client->Get("/v1/namespaces/m/things/x")->status, 200);
  ExpectError(client->Get("/v1/namespaces/m/things/nope"), 404, "not_found");
  ExpectError(Client("")->Get("/metrics"), 401, "unauthenticated");
  auto res = client->Get("/metrics");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  const std::string& text = res->body;
  for (const char* want :
       {"thingsdb_http_requests_total{route=\"POST /v1/namespaces/{ns}/things\",status=\"201\"} 1",
        "thingsdb_http_requests_total{route=\"GET "
        "/v1/namespaces/{ns}/things/{id}\",status=\"404\"} 1",
        "thingsdb_rows_written_total{namespace=\"m\"} 1",
        "thingsdb_rows_read_total{namespace=\"m\"} 1", "thingsdb_open_namespaces 1",
        "thingsdb_hot_things{namespace=\"m\"} 1", "thingsdb_errors_total{code=\"not_found\"} 1",
        "thingsdb_http_request_duration_seconds_bucket{route=\"GET "
        "/v1/namespaces/{ns}/things/{id}\",le=\"+Inf\"} 2"}) {
    EXPECT_NE(text.find(want), std::string::npos) << "missing: " << want << "\n" << text;
  }
  // The process's resident memory, read from /proc/self/statm: at least the megabytes
  // this test process already holds.
  size_t at = text.find("\nprocess_resident_memory_bytes ");
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_GT(std::stoll(text.substr(at + 31)), 1 << 20) << text;
}

TEST_F(ServerTest, MalformedRequestsGetJsonErrors) {
  StartServer();
  auto client = Client();
  const std::string things = "/v1/namespaces/app/things";
  ExpectError(client->Post(things, "{not json", "application/json"), 400, "invalid_argument");
  ExpectError(client->Post(things, "", "application/json"), 400, "invalid_argument");
  ExpectError(client->Post(things, R"({"type":1,"data":{}})", "application/json"), 400,
              "invalid_argument");
  ExpectError(client->Post(things, R"({"type":"t","data":[1]})", "application/json"), 400,
              "invalid_argument");
  ExpectError(client->Post(things, R"({"type":"t","data":{},"extra":1})", "application/json"), 400,
              "invalid_argument");
  ExpectError(
      client->Post(things, R"({"type":"t","data":{},"embedding":["x"]})", "application/json"), 400,
      "invalid_argument");
  ExpectError(client->Post(things, "42", "application/json"), 400, "invalid_argument");
  // Nesting deeper than the JSON gate allows is refused before any recursive parser.
  std::string deep(100000, '[');
  ExpectError(client->Post(things, deep, "application/json"), 400, "invalid_argument");
  ExpectError(client->Put(things + "/x", R"({"data":{},"id":"other"})", "application/json"), 400,
              "invalid_argument");
  ExpectError(client->Get("/v1/nowhere"), 404, "not_found");
  auto res = client->Put(things, "{}", "application/json");
  ExpectError(res, 405, "method_not_allowed");
  EXPECT_EQ(res->get_header_value("Allow"), "POST, GET");
  EXPECT_EQ(CountThings("app"), 0);
}

// What the HTTP listener refuses before routing is answered in the API's error shape, with a
// request id, and counted; a body-less POST without Content-Length is an empty body, answered
// at once (curl -X POST sends it so; cpp-httplib waited for its read timeout).
TEST_F(ServerTest, RequestsRefusedBeforeRoutingGetJsonErrorsAndARequestId) {
  StartServer();
  RawSocket http2(server_->port());
  ASSERT_TRUE(http2.Send("GET /healthz HTTP/2.0\r\n\r\n"));
  std::string reply = http2.ReadAll(std::chrono::milliseconds(3000));
  EXPECT_EQ(reply.rfind("HTTP/1.1 505", 0), 0u) << reply;
  EXPECT_NE(reply.find("X-Request-Id: "), std::string::npos) << reply;
  EXPECT_NE(reply.find("\"code\":\"http_version_not_supported\""), std::string::npos) << reply;
  // Refused after its headers were read: the client's own request id comes back.
  RawSocket too_big(server_->port());
  ASSERT_TRUE(too_big.Send(
      "POST /v1/namespaces/app/things HTTP/1.1\r\nX-Request-Id: probe-1\r\n"
      "Content-Length: 999999999\r\n\r\n"));
  reply = too_big.ReadAll(std::chrono::milliseconds(3000));
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
  EXPECT_NE(reply.find("X-Request-Id: probe-1\r\n"), std::string::npos) << reply;

  RawSocket huge_head(server_->port());
  ASSERT_TRUE(huge_head.Send("GET /healthz HTTP/1.1\r\nX-Big: " + std::string(20000, 'b') +
                             "\r\n\r\n"));
  reply = huge_head.ReadAll(std::chrono::milliseconds(3000));
  EXPECT_EQ(reply.rfind("HTTP/1.1 431", 0), 0u) << reply.substr(0, 200);
  EXPECT_NE(reply.find("X-Request-Id: "), std::string::npos);

  PutThing("app", {{"id", "x"}, {"type", "t"}, {"data", json::object()}});
  RawSocket flush(server_->port());
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(flush.Send(fmt::format(
      "POST /v1/namespaces/app/flush HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n"
      "Connection: close\r\n\r\n",
      kAdmin)));
  reply = flush.ReadAll(std::chrono::milliseconds(3000));
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000));

  auto metrics = Client()->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("thingsdb_errors_total{code=\"http_version_not_supported\"} 1"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("route=\"unrouted\",status=\"431\"} 1"), std::string::npos);
}

TEST_F(ServerTest, BodyOverTheLimitIs413) {
  StartServer();
  std::string huge = R"({"type":"t","data":{"s":")" + std::string(300 * 1024, 'x') + "\"}}";
  auto res = Client()->Post("/v1/namespaces/app/things", huge, "application/json");
  ExpectError(res, 413, "payload_too_large");
  // A row over the store's limit (under the body limit) is 413 too, from the store.
  ServerOptions options = DefaultOptions();
  server_->Stop();
  server_->Wait();
  options.registry.store_options.limits.max_row_bytes = 1024;
  StartServer(options);
  std::string big = R"({"type":"t","data":{"s":")" + std::string(4096, 'x') + "\"}}";
  ExpectError(Client()->Post("/v1/namespaces/app/things", big, "application/json"), 413,
              "limit_exceeded");
  EXPECT_EQ(CountThings("app"), 0);
}

TEST_F(ServerTest, ChunkedBodiesAreRefusedUnread) {
  StartServer();
  RawSocket sock(server_->port());
  ASSERT_TRUE(sock.connected());
  std::string chunk(4096, 'x');
  std::string request = fmt::format(
      "POST /v1/namespaces/app/things HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n"
      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
      kAdmin);
  ASSERT_TRUE(sock.Send(request));
  // Far more than the body limit, chunk after chunk: the server must not buffer it.
  for (int chunk_idx = 0; chunk_idx < 100; ++chunk_idx) {
    if (!sock.Send(fmt::format("{:x}\r\n{}\r\n", chunk.size(), chunk))) break;
  }
  std::string reply = sock.ReadAll(std::chrono::milliseconds(3000));
  EXPECT_EQ(reply.rfind("HTTP/1.1 411", 0), 0u) << reply.substr(0, 200);
  EXPECT_NE(reply.find("length_required"), std::string::npos);
  EXPECT_EQ(CountThings("app"), 0);
}

TEST_F(ServerTest, TokensAndScopes) {
  StartServer();
  PutThing("app", {{"id", "x"}, {"type", "t"}, {"data", json::object()}});
  const std::string app_thing = "/v1/namespaces/app/things/x";
  auto res = Client("")->Get(app_thing);
  ExpectError(res, 401, "unauthenticated");
  EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer");
  ExpectError(Client("wrong")->Get(app_thing), 401, "unauthenticated");
  httplib::Headers basic = {{"Authorization", "Basic YTpi"}};
  ExpectError(Client("")->Get(app_thing, basic), 401, "unauthenticated");

  // reader: read "app" only.
  EXPECT_EQ(Client(kReader)->Get(app_thing)->status, 200);
  ExpectError(Client(kReader)->Delete(app_thing), 403, "permission_denied");
  ExpectError(Client(kReader)->Get("/v1/namespaces/other/things/x"), 403, "permission_denied");
  json query = {{"sql", "SELECT 1"}};
  EXPECT_EQ(
      Client(kReader)->Post("/v1/namespaces/app/query", query.dump(), "application/json")->status,
      200);
  // writer: read and write every "tenant-*" namespace, nothing else.
  auto created = Client(kWriter)->Post("/v1/namespaces/tenant-1/things",
                                       R"({"type":"t","data":{}})", "application/json");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201) << created->body;
  ExpectError(Client(kWriter)->Get(app_thing), 403, "permission_denied");
  ExpectError(Client(kWriter)->Post("/v1/namespaces/tenant/things", R"({"type":"t","data":{}})",
                                    "application/json"),
              403, "permission_denied");
  EXPECT_EQ(CountThings("app"), 1);
}

TEST_F(ServerTest, RateLimitAnswers429WithRetryAfter) {
  StartServer();
  auto client = Client(kLimited);
  EXPECT_EQ(client->Get("/v1/namespaces/app/stats")->status, 200);
  EXPECT_EQ(client->Get("/v1/namespaces/app/stats")->status, 200);
  auto res = client->Get("/v1/namespaces/app/stats");
  ExpectError(res, 429, "rate_limited");
  EXPECT_GE(std::stoi(res->get_header_value("Retry-After")), 1);
  // Other tokens have their own buckets.
  EXPECT_EQ(Client(kReader)->Get("/v1/namespaces/app/stats")->status, 200);
}

TEST_F(ServerTest, HostileNamespaceNamesNeverLeaveTheDataDirectory) {
  StartServer();
  auto client = Client();
  // Whether or not a layer decodes %2F, the name is refused: as an invalid name (400) or as
  // a path that no route matches (404).
  for (std::string path :
       {"/v1/namespaces/..%2F..%2Fetc/things/x", "/v1/namespaces/..%2Fescape/stats",
        "/v1/namespaces/../stats", "/v1/namespaces/%2E%2E/stats", "/v1/namespaces/..%252F/stats"}) {
    auto res = client->Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_TRUE(res->status == 400 || res->status == 404) << path << " " << res->status;
    EXPECT_TRUE(Body(res).contains("error")) << path;
  }
  auto escape = client->Post("/v1/namespaces/..%2Fescape/things", R"({"type":"t","data":{}})",
                             "application/json");
  ASSERT_TRUE(escape);
  EXPECT_TRUE(escape->status == 400 || escape->status == 404) << escape->status;
  ExpectError(client->Get("/v1/namespaces/a%00b/stats"), 400, "invalid_argument");
  ExpectError(client->Get("/v1/namespaces/..%5Cx/stats"), 400, "invalid_argument");
  ExpectError(client->Get("/v1/namespaces/.hidden/stats"), 400, "invalid_argument");
  ExpectError(client->Get("/v1/namespaces/" + std::string(65, 'a') + "/stats"), 400,
              "invalid_argument");
  EXPECT_EQ(client->Get("/v1/namespaces/" + std::string(64, 'a') + "/stats")->status, 200);
  // Only the valid namespace made a directory, and only under the data directory.
  std::set<std::string> entries;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    entries.insert(entry.path().filename().string());
  }
  EXPECT_EQ(entries, std::set<std::string>{"data"});
  std::set<std::string> namespaces;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ / "data")) {
    namespaces.insert(entry.path().filename().string());
  }
  // The namespace and the default warehouse (<data>/warehouse), which holds only its tables.
  EXPECT_EQ(namespaces, (std::set<std::string>{std::string(64, 'a'), "warehouse"}));
  std::set<std::string> cold;
  for (const auto& entry : std::filesystem::directory_iterator(dir_ / "data" / "warehouse")) {
    cold.insert(entry.path().filename().string());
  }
  EXPECT_EQ(cold, std::set<std::string>{std::string(64, 'a')});
}

TEST_F(ServerTest, ClientsThatStallOrVanishDoNotHurtTheServer) {
  StartServer();
  PutThing("app", {{"id", "keep"}, {"type", "t"}, {"data", {{"v", 1}}}});
  std::string body = R"({"type":"t","data":{"v":2}})";
  {
    // Promises a body, sends half of it and disconnects.
    RawSocket sock(server_->port());
    ASSERT_TRUE(sock.connected());
    ASSERT_TRUE(sock.Send(fmt::format(
        "POST /v1/namespaces/app/things HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n"
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        kAdmin, body.size(), body.substr(0, body.size() / 2))));
  }
  // Sends half the headers and stalls past the read timeout: the server hangs up.
  RawSocket stalled(server_->port());
  ASSERT_TRUE(stalled.connected());
  ASSERT_TRUE(stalled.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  // Meanwhile the server answers others.
  EXPECT_EQ(Client()->Get("/v1/namespaces/app/things/keep")->status, 200);
  auto start = std::chrono::steady_clock::now();
  std::string got = stalled.ReadAll(std::chrono::milliseconds(5000));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(4000))
      << "the read timeout did not close the stalled connection";
  EXPECT_EQ(got.find("200 OK"), std::string::npos) << got;
  // Garbage instead of HTTP.
  RawSocket garbage(server_->port());
  static const char kGarbage[] = "\x16\x03\x01\x00\xff garbage\r\n\r\n";
  ASSERT_TRUE(garbage.Send(std::string_view(kGarbage, sizeof(kGarbage) - 1)));
  std::string reply = garbage.ReadAll(std::chrono::milliseconds(2000));
  EXPECT_EQ(reply.find("200 OK"), std::string::npos);
  // The half-sent thing was not written; the old one is intact.
  EXPECT_EQ(CountThings("app"), 1);
  auto kept = Client()->Get("/v1/namespaces/app/things/keep");
  ASSERT_TRUE(kept);
  EXPECT_EQ(Body(kept)["data"]["v"], 1);
}

TEST_F(ServerTest, ABurstOfNewConnectionsWaitsInTheBacklogUndropped) {
  ServerOptions options = DefaultOptions();
  options.threads = 1;
  options.max_connections = 2;
  options.keep_alive_timeout = std::chrono::milliseconds(5000);
  StartServer(options);
  // Two keep-alive connections are all the server takes: the accept loop waits for room and
  // every further connection waits in the kernel's backlog.
  RawSocket holder(server_->port());
  ASSERT_TRUE(holder.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  char buf[512];
  ASSERT_GT(::recv(holder.fd(), buf, sizeof(buf), 0), 0);
  RawSocket queued(server_->port());
  RawSocket in_hand(server_->port());  // in the backlog
  ASSERT_TRUE(queued.connected() && in_hand.connected());
  // A burst of new connections must complete their handshakes in the kernel's backlog
  // rather than lose their SYNs (cpp-httplib's default backlog of 5 dropped all but a few,
  // and each dropped client waited a second for its retry).
  constexpr int kBurst = 64;
  std::vector<int> fds;
  for (int i = 0; i < kBurst; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ASSERT_TRUE(rc == 0 || errno == EINPROGRESS) << std::strerror(errno);
    fds.push_back(fd);
  }
  std::set<int> established;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(800);
  while (static_cast<int>(established.size()) < kBurst &&
         std::chrono::steady_clock::now() < deadline) {
    std::vector<pollfd> pending;
    for (int fd : fds) {
      if (!established.count(fd)) pending.push_back({fd, POLLOUT, 0});
    }
    ::poll(pending.data(), pending.size(), 50);
    for (const pollfd& p : pending) {
      int err = 0;
      socklen_t len = sizeof(err);
      if ((p.revents & POLLOUT) && ::getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
          err == 0) {
        established.insert(p.fd);
      }
    }
  }
  // A dropped SYN is retried after 1 s, so 800 ms tells the two apart.
  EXPECT_EQ(static_cast<int>(established.size()), kBurst)
      << "connections dropped by the listen backlog";
  // Every one of them is then served once the worker is free.
  std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  for (int fd : fds) {
    int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    EXPECT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
  }
  holder.Close();
  queued.Close();
  in_hand.Close();
  int served = 0;
  for (int fd : fds) {
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    std::string reply;
    ssize_t got;
    while ((got = ::recv(fd, buf, sizeof(buf), 0)) > 0) reply.append(buf, static_cast<size_t>(got));
    if (reply.rfind("HTTP/1.1 200", 0) == 0) ++served;
    ::close(fd);
  }
  EXPECT_EQ(served, kBurst);
}

TEST_F(ServerTest, APortInUseIsAnErrorNotASharedPort) {
  StartServer();
  ServerOptions second = DefaultOptions();
  second.port = server_->port();
  second.registry.data_dir = (dir_ / "data2").string();
  auto other = Server::Create(std::move(second));
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  Status started = (*other)->Start();
  EXPECT_FALSE(started.ok()) << "a second server bound a port in use";
  EXPECT_NE(started.ToString().find(std::to_string(server_->port())), std::string::npos)
      << started.ToString();
}

TEST_F(ServerTest, ConcurrentWritersToOneAndManyNamespaces) {
  ServerOptions options = DefaultOptions();
  options.registry.max_pending_writes = 64;
  StartServer(options);
  constexpr int kThreads = 6;
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      auto client = Client();
      client->set_keep_alive(true);
      for (int item = 0; item < kPerThread; ++item) {
        std::string ns = item % 2 ? "shared" : fmt::format("own-{}", thread_idx);
        json thing = {{"type", "t"}, {"data", {{"thread", thread_idx}, {"item", item}}}};
        auto res = client->Post(fmt::format("/v1/namespaces/{}/things", ns), thing.dump(),
                                "application/json");
        if (!res || res->status != 201) failures++;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  int per_own = (kPerThread + 1) / 2;
  EXPECT_EQ(CountThings("shared"), kThreads * (kPerThread - per_own));
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    EXPECT_EQ(CountThings(fmt::format("own-{}", thread_idx)), per_own);
  }
}

TEST_F(ServerTest, FullWriteQueueAnswers503WithRetryAfter) {
  ServerOptions options = DefaultOptions();
  options.registry.max_pending_writes = 2;
  StartServer(options);
  auto ns = server_->registry().Acquire("busy");
  ASSERT_TRUE(ns.ok());
  // Two writers hold the namespace's write places.
  auto slot1 = (*ns)->AcquireWriteSlot();
  auto slot2 = (*ns)->AcquireWriteSlot();
  ASSERT_TRUE(slot1.ok() && slot2.ok());
  auto res =
      Client()->Post("/v1/namespaces/busy/things", R"({"type":"t","data":{}})", "application/json");
  ExpectError(res, 503, "busy");
  EXPECT_EQ(res->get_header_value("Retry-After"), "1");
  // Reads and other namespaces are not held back.
  EXPECT_EQ(Client()->Get("/v1/namespaces/busy/stats")->status, 200);
  PutThing("free", {{"type", "t"}, {"data", json::object()}});
  // Once a place is free, writes go through again.
  { auto released = std::move(slot1); }
  res =
      Client()->Post("/v1/namespaces/busy/things", R"({"type":"t","data":{}})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201) << res->body;
}

TEST_F(ServerTest, OpenNamespacesStayUnderTheCap) {
  ServerOptions options = DefaultOptions();
  options.registry.max_open = 2;
  StartServer(options);
  for (int ns_idx = 0; ns_idx < 5; ++ns_idx) {
    PutThing(fmt::format("n{}", ns_idx), {{"id", "x"}, {"type", "t"}, {"data", {{"i", ns_idx}}}});
    EXPECT_LE(server_->registry().OpenCount(), 2u);
  }
  for (int ns_idx = 0; ns_idx < 5; ++ns_idx) {
    auto res = Client()->Get(fmt::format("/v1/namespaces/n{}/things/x", ns_idx));
    ASSERT_TRUE(res);
    EXPECT_EQ(Body(res)["data"]["i"], ns_idx);
  }
  EXPECT_LE(server_->registry().OpenCount(), 2u);
}

TEST_F(ServerTest, GracefulShutdownFinishesRequestsInFlight) {
  StartServer();
  PutThing("app", {{"id", "x"}, {"type", "t"}, {"data", json::object()}});
  // A query slow enough to be in flight when Stop() is called.
  json slow = {{"sql",
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 3000000) "
                "SELECT count(*) FROM c"}};
  httplib::Result slow_res{nullptr, httplib::Error::Unknown};
  std::thread slow_thread([&] {
    slow_res = Client()->Post("/v1/namespaces/app/query", slow.dump(), "application/json");
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server_->in_flight() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_EQ(server_->in_flight(), 1);
  server_->Stop();
  server_->Wait();
  slow_thread.join();
  ASSERT_TRUE(slow_res) << "the request in flight was cut off";
  EXPECT_EQ(slow_res->status, 200) << slow_res->body;
  EXPECT_EQ(Body(slow_res)["rows"][0][0], 3000000);
  EXPECT_EQ(server_->registry().OpenCount(), 0u);
  // No longer accepting.
  auto after = Client()->Get("/healthz");
  EXPECT_FALSE(after);
  // The data survived: a new server over the same directory reads it.
  server_.reset();
  StartServer();
  EXPECT_EQ(Client()->Get("/v1/namespaces/app/things/x")->status, 200);
}

// /readyz says 503 once shutdown has begun, on a keep-alive connection opened before it,
// while a write that was in flight still completes.
TEST_F(ServerTest, ReadyzIs503WhileShuttingDownAndInFlightWritesFinish) {
  ServerOptions options = DefaultOptions();
  options.max_body_bytes = 8 << 20;
  // The probe's connection waits across Stop().
  options.keep_alive_timeout = std::chrono::milliseconds(5000);
  StartServer(options);
  auto probe = Client("");
  probe->set_keep_alive(true);
  auto ready = probe->Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  // A batch large enough to be in flight when Stop() is called.
  json batch = json::array();
  for (int idx = 0; idx < 10000; ++idx) {
    batch.push_back({{"id", fmt::format("w{}", idx)}, {"type", "t"}, {"data", {{"n", idx}}}});
  }
  httplib::Result write_res{nullptr, httplib::Error::Unknown};
  std::thread write_thread([&] {
    write_res = Client()->Post("/v1/namespaces/app/things", batch.dump(), "application/json");
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (server_->in_flight() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_EQ(server_->in_flight(), 1);
  server_->Stop();
  auto draining = probe->Get("/readyz");
  ExpectError(draining, 503, "unavailable");
  if (draining) {
    EXPECT_EQ(draining->get_header_value("Connection"), "close");
    EXPECT_EQ(draining->get_header_value("Retry-After"), "1");
  }
  server_->Wait();
  write_thread.join();
  ASSERT_TRUE(write_res) << "the write in flight was cut off";
  EXPECT_EQ(write_res->status, 201) << write_res->body;
  EXPECT_EQ(Body(write_res)["count"], 10000);
  server_.reset();
  StartServer();
  EXPECT_EQ(CountThings("app"), 10000);
}

int64_t WalFileBytes(const std::filesystem::path& db) {
  std::error_code ec;
  auto size = std::filesystem::file_size(db.string() + "-wal", ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

// The server's writers never checkpoint; one pass of the background checkpoints copies a
// namespace's WAL once it reaches the threshold, and the next commit starts the WAL over.
TEST_F(ServerTest, CheckpointPassCopiesTheWalOffTheWritePath) {
  ServerOptions options = DefaultOptions();
  options.checkpoint_interval = std::chrono::hours(1);  // only the explicit passes below
  options.checkpoint.wal_bytes = 256 << 10;
  options.checkpoint.max_wal_bytes = 64 << 20;
  StartServer(options);
  auto ns = server_->registry().Acquire("app");
  ASSERT_TRUE(ns.ok());
  hot::HotStore& hot = (*ns)->store().hot();
  EXPECT_EQ(hot.options().wal_autocheckpoint, 0);
  EXPECT_EQ(server_->CheckpointNamespaces(), 0u) << "nothing is due yet";
  int idx = 0;
  while (hot.WalBytes() < options.checkpoint.wal_bytes) {
    PutThing("app", {{"id", fmt::format("t{}", idx)}, {"type", "t"}, {"data", {{"n", idx}}}});
    ASSERT_LT(++idx, 5000);
  }
  EXPECT_EQ(server_->CheckpointNamespaces(), 1u);
  PutThing("app", {{"id", "after"}, {"type", "t"}, {"data", json::object()}});
  EXPECT_LT(hot.WalBytes(), options.checkpoint.wal_bytes) << "the WAL started over";
  auto metrics = Client()->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("thingsdb_wal_checkpoints_total{mode=\"passive\"} 1"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("thingsdb_wal_checkpoints_total{mode=\"blocking\"} 0"),
            std::string::npos);
  EXPECT_EQ(CountThings("app"), idx + 1);
}

// Under a write loop the background thread keeps the WAL bounded; closing the namespaces
// empties it, and every row is there after a restart.
TEST_F(ServerTest, BackgroundCheckpointsKeepTheWalBounded) {
  ServerOptions options = DefaultOptions();
  options.checkpoint_interval = std::chrono::milliseconds(5);
  options.checkpoint.wal_bytes = 256 << 10;
  options.checkpoint.max_wal_bytes = 2 << 20;
  StartServer(options);
  auto acquired = server_->registry().Acquire("app");
  ASSERT_TRUE(acquired.ok());
  std::shared_ptr<Namespace> ns = std::move(*acquired);
  hot::HotStore& hot = ns->store().hot();
  std::filesystem::path db = dir_ / "data" / "app" / "hot.db";
  constexpr int kThings = 1200;  // over 15 MB of WAL frames without checkpoints
  int64_t largest = 0;
  for (int idx = 0; idx < kThings; ++idx) {
    // Writes wait while the WAL is at the cap, so the bound holds however slowly the
    // checkpoint thread is scheduled; it must bring the WAL down on its own.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (hot.WalBytes() >= options.checkpoint.max_wal_bytes &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_LT(hot.WalBytes(), options.checkpoint.max_wal_bytes) << "no checkpoint within 60 s";
    PutThing("app", {{"id", fmt::format("t{}", idx)},
                     {"type", "t"},
                     {"data", {{"n", idx}, {"pad", std::string(1000, 'x')}}}});
    largest = std::max(largest, WalFileBytes(db));
  }
  // A few commits may land between a checkpoint's read of the WAL and its report.
  EXPECT_LE(largest, options.checkpoint.max_wal_bytes + (1 << 20));
  auto metrics = Client()->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->body.find("thingsdb_wal_checkpoints_total{mode=\"passive\"} 0"),
            std::string::npos)
      << "the background thread checkpointed";
  EXPECT_NE(metrics->body.find("thingsdb_wal_checkpoint_errors_total 0"), std::string::npos);
  ns.reset();  // else the namespace stays open past shutdown
  server_->Stop();
  server_->Wait();
  EXPECT_EQ(WalFileBytes(db), 0) << "closing the namespace empties its WAL";
  server_.reset();
  StartServer();
  EXPECT_EQ(CountThings("app"), kThings);
  EXPECT_EQ(Body(Client()->Get("/v1/namespaces/app/things/t1199"))["data"]["n"], 1199);
}

// Expects an Iceberg REST error: status, {"error":{"message","type","code"}} with `type`.
void ExpectIcebergError(const httplib::Result& res, int status, const std::string& type) {
  ASSERT_TRUE(res) << "no response";
  EXPECT_EQ(res->status, status) << res->body;
  json body = json::parse(res->body, nullptr, false);
  ASSERT_TRUE(body.is_object() && body.contains("error")) << res->body;
  EXPECT_EQ(body["error"]["type"], type) << res->body;
  EXPECT_EQ(body["error"]["code"], status) << res->body;
  EXPECT_TRUE(body["error"]["message"].is_string()) << res->body;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A thing flushed to the cold tier stays readable, updatable and deletable over HTTP, and
// the flush is one namespace snapshot.
TEST_F(ServerTest, FlushMovesRowsToTheColdTierAndTheyStayVisible) {
  StartServer();
  auto client = Client();
  PutThing("app", {{"id", "u1"}, {"type", "user"}, {"data", {{"name", "Ada"}}}});
  PutThing("app", {{"id", "u2"}, {"type", "user"}, {"data", {{"name", "Bob"}}}});
  json got_before = Body(client->Get("/v1/namespaces/app/things/u1"));
  auto rel = client->Post("/v1/namespaces/app/relationships",
                          R"({"fromId":"u1","toId":"u2","type":"knows"})", "application/json");
  ASSERT_TRUE(rel);
  ASSERT_EQ(rel->status, 201) << rel->body;

  auto flushed = client->Post("/v1/namespaces/app/flush", R"({"all":true})", "application/json");
  ASSERT_TRUE(flushed);
  ASSERT_EQ(flushed->status, 200) << flushed->body;
  json report = Body(flushed);
  EXPECT_EQ(report["things"], 2);
  EXPECT_EQ(report["relationships"], 1);
  EXPECT_EQ(report["nsSnapshotId"], 1);
  EXPECT_FALSE(report["flushId"].get<std::string>().empty());
  EXPECT_GT(report["bytes"].get<int64_t>(), 0);
  EXPECT_EQ(HotThings("app"), 0) << "the rows left the hot tier";
  EXPECT_EQ(CountThings("app"), 2) << "SQL sees both tiers";

  // get reads the cold tier.
  auto got = client->Get("/v1/namespaces/app/things/u1");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200) << got->body;
  EXPECT_EQ(Body(got), got_before);
  // No body: rows older than 5 minutes only, so nothing moves and no snapshot is added.
  auto empty = client->Post("/v1/namespaces/app/flush", "", "application/json");
  ASSERT_TRUE(empty);
  ASSERT_EQ(empty->status, 200) << empty->body;
  EXPECT_EQ(Body(empty)["flushId"], "");
  EXPECT_EQ(Body(empty)["things"], 0);
  // update copies the cold thing back into the hot tier.
  auto patched =
      client->Patch("/v1/namespaces/app/things/u1", R"({"data":{"age":36}})", "application/json");
  ASSERT_TRUE(patched);
  EXPECT_EQ(patched->status, 200) << patched->body;
  EXPECT_EQ(Body(patched)["data"], json({{"name", "Ada"}, {"age", 36}}));
  EXPECT_EQ(HotThings("app"), 1);
  EXPECT_EQ(CountThings("app"), 2);
  // relate reaches a cold endpoint.
  PutThing("app", {{"id", "u3"}, {"type", "user"}, {"data", json::object()}});
  auto rel2 = client->Post("/v1/namespaces/app/relationships",
                           R"({"fromId":"u3","toId":"u2","type":"knows"})", "application/json");
  ASSERT_TRUE(rel2);
  EXPECT_EQ(rel2->status, 201) << rel2->body;
  // A batch naming a cold thing's id is a conflict, as a single put is; nothing is written.
  auto batch = client->Post(
      "/v1/namespaces/app/things",
      R"([{"id":"u4","type":"user","data":{}},{"id":"u2","type":"user","data":{}}])",
      "application/json");
  ExpectError(batch, 409, "conflict");
  EXPECT_NE(batch->body.find("item 1: thing 'u2' already exists"), std::string::npos)
      << batch->body;
  ExpectError(client->Get("/v1/namespaces/app/things/u4"), 404, "not_found");
  // A batch may relate a new thing to a cold one, as relate does.
  auto batch_rel = client->Post(
      "/v1/namespaces/app/things",
      R"([{"id":"u5","type":"user","data":{}},{"fromId":"u5","toId":"u2","type":"knows"}])",
      "application/json");
  ASSERT_TRUE(batch_rel);
  EXPECT_EQ(batch_rel->status, 201) << batch_rel->body;
  auto u5_related = client->Get("/v1/namespaces/app/things/u5/related?type=knows");
  ASSERT_TRUE(u5_related);
  EXPECT_NE(u5_related->body.find("\"u2\""), std::string::npos) << u5_related->body;
  // delete reaches a cold thing.
  auto deleted = client->Delete("/v1/namespaces/app/things/u2");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200) << deleted->body;
  ExpectError(client->Get("/v1/namespaces/app/things/u2"), 404, "not_found");

  auto snapshots = client->Get("/v1/namespaces/app/snapshots");
  ASSERT_TRUE(snapshots);
  ASSERT_EQ(snapshots->status, 200) << snapshots->body;
  json items = Body(snapshots)["items"];
  ASSERT_EQ(items.size(), 1u) << snapshots->body;
  EXPECT_EQ(items[0]["flushId"], report["flushId"]);
  EXPECT_EQ(items[0]["flushedRows"], 3);
  EXPECT_EQ(items[0]["thingsSnapshotId"], report["thingsSnapshotId"]);

  // SQL over both tiers now, and as of the flush's snapshot (before the update and delete).
  json now = {{"sql", "SELECT id, json_extract(data, '$.age') FROM things ORDER BY id"}};
  EXPECT_EQ(Body(client->Post("/v1/namespaces/app/query", now.dump(), "application/json"))["rows"],
            json::array({json::array({"u1", 36}), json::array({"u3", nullptr}),
                         json::array({"u5", nullptr})}));
  json then = now;
  then["snapshot"] = report["nsSnapshotId"];
  auto old = client->Post("/v1/namespaces/app/query", then.dump(), "application/json");
  ASSERT_TRUE(old);
  ASSERT_EQ(old->status, 200) << old->body;
  EXPECT_EQ(Body(old)["rows"],
            json::array({json::array({"u1", nullptr}), json::array({"u2", nullptr})}));
  then["snapshot"] = 999999;
  ExpectError(client->Post("/v1/namespaces/app/query", then.dump(), "application/json"), 404,
              "not_found");
  then["snapshot"] = "1";
  ExpectError(client->Post("/v1/namespaces/app/query", then.dump(), "application/json"), 400,
              "invalid_argument");

  ExpectError(client->Post("/v1/namespaces/app/flush", R"({"all":"yes"})", "application/json"), 400,
              "invalid_argument");
  ExpectError(client->Post("/v1/namespaces/app/flush", R"({"minAgeMs":-1})", "application/json"),
              400, "invalid_argument");
  ExpectError(client->Post("/v1/namespaces/app/flush", R"({"every":true})", "application/json"),
              400, "invalid_argument");
  ExpectError(client->Post("/v1/namespaces/app/flush", "[]", "application/json"), 400,
              "invalid_argument");
  // Flushing needs write scope; the snapshots read scope.
  ExpectError(Client(kReader)->Post("/v1/namespaces/app/flush", "", "application/json"), 403,
              "permission_denied");
  EXPECT_EQ(Client(kReader)->Get("/v1/namespaces/app/snapshots")->status, 200);
  ExpectError(Client(kReader)->Get("/v1/namespaces/other/snapshots"), 403, "permission_denied");

  auto metrics = client->Get("/metrics");
  ASSERT_TRUE(metrics);
  for (const char* want : {"thingsdb_flushes_total{trigger=\"api\"} 2",
                           "thingsdb_flushed_rows_total{trigger=\"api\"} 3",
                           "thingsdb_flush_errors_total{trigger=\"api\"} 0",
                           "thingsdb_flush_duration_seconds_count{trigger=\"api\"} 2"}) {
    EXPECT_NE(metrics->body.find(want), std::string::npos) << "missing: " << want;
  }
  EXPECT_EQ(metrics->body.find("thingsdb_flushed_bytes_total{trigger=\"api\"} 0"),
            std::string::npos);
}

// The background flush moves a namespace's rows once a threshold is crossed, and leaves a
// namespace under every threshold alone.
TEST_F(ServerTest, BackgroundFlushMovesDueNamespaces) {
  ServerOptions options = DefaultOptions();
  options.flush_interval = std::chrono::milliseconds(50);
  options.registry.flush_max_rows = 2;
  StartServer(options);
  auto client = Client();
  PutThing("calm", {{"id", "c1"}, {"type", "t"}, {"data", json::object()}});
  PutThing("busy", {{"id", "b1"}, {"type", "t"}, {"data", {{"n", 1}}}});
  PutThing("busy", {{"id", "b2"}, {"type", "t"}, {"data", {{"n", 2}}}});
  json items;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    items = Body(client->Get("/v1/namespaces/busy/snapshots"))["items"];
    // The snapshot is committed before the flush deletes the rows it moved from the hot tier.
    if (!items.empty() && HotThings("busy") == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(items.size(), 1u) << "no background flush within 30 s";
  EXPECT_EQ(items[0]["flushedRows"], 2);
  EXPECT_EQ(HotThings("busy"), 0);
  EXPECT_EQ(Body(client->Get("/v1/namespaces/busy/things/b2"))["data"]["n"], 2);
  EXPECT_EQ(Body(client->Get("/v1/namespaces/calm/snapshots"))["items"].size(), 0u);
  EXPECT_EQ(HotThings("calm"), 1);
  EXPECT_EQ(server_->FlushDueNamespaces(), 0u) << "nothing is due any more";
  auto metrics = client->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("thingsdb_flushes_total{trigger=\"background\"} 1"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("thingsdb_flushed_rows_total{trigger=\"background\"} 2"),
            std::string::npos);
}

// The background flush rests after each namespace's flush so that it works at most
// flush_duty_cycle of the time: a pass over three due namespaces at a duty cycle of 1/4 lasts
// at least four times the flushes' own time (as measured by the flush metrics).
TEST_F(ServerTest, BackgroundFlushRestsToItsDutyCycle) {
  ServerOptions options = DefaultOptions();
  options.flush_interval = std::chrono::milliseconds(0);  // only the explicit pass below
  options.flush_duty_cycle = 0.25;
  options.registry.flush_max_rows = 2;
  StartServer(options);
  for (std::string ns : {"d1", "d2", "d3"}) {
    for (int idx = 0; idx < 3; ++idx) PutThing(ns, {{"type", "t"}, {"data", {{"i", idx}}}});
  }
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(server_->FlushDueNamespaces(), 3u);
  double pass = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto metrics = Client()->Get("/metrics");
  ASSERT_TRUE(metrics);
  const std::string sum_label = "thingsdb_flush_duration_seconds_sum{trigger=\"background\"} ";
  size_t at = metrics->body.find(sum_label);
  ASSERT_NE(at, std::string::npos) << metrics->body;
  double flushing = std::stod(metrics->body.substr(at + sum_label.size()));
  EXPECT_GT(flushing, 0);
  EXPECT_GE(pass, 4 * flushing * 0.99) << "flushing " << flushing << " s, pass " << pass << " s";
  EXPECT_EQ(HotThings("d1") + HotThings("d2") + HotThings("d3"), 0);
}

TEST_F(ServerTest, IcebergCatalogServesTheColdTables) {
  StartServer();
  auto client = Client();
  auto config = client->Get("/iceberg/v1/config");
  ASSERT_TRUE(config);
  ASSERT_EQ(config->status, 200) << config->body;
  EXPECT_TRUE(Body(config)["defaults"].is_object());
  EXPECT_TRUE(Body(config)["overrides"].is_object());
  EXPECT_FALSE(Body(config)["overrides"].contains("prefix"));
  EXPECT_EQ(Body(client->Get("/iceberg/v1/namespaces")), json({{"namespaces", json::array()}}));

  PutThing("app", {{"id", "u1"}, {"type", "user"}, {"data", {{"name", "Ada"}}}});
  ASSERT_EQ(client->Post("/v1/namespaces/app/flush", R"({"all":true})", "application/json")->status,
            200);
  PutThing("tenant-a", {{"id", "x"}, {"type", "t"}, {"data", json::object()}});
  // A hot-only namespace (say, written by an older CLI) has no cold tables: not listed.
  std::filesystem::path data = dir_ / "data";
  std::filesystem::create_directories(data / "legacy");
  std::ofstream(data / "legacy" / "hot.db") << "";

  EXPECT_EQ(Body(client->Get("/iceberg/v1/namespaces")),
            json({{"namespaces", {{"app"}, {"tenant-a"}}}}));
  auto page = Body(client->Get("/iceberg/v1/namespaces?pageSize=1"));
  EXPECT_EQ(page["namespaces"], json({{"app"}}));
  ASSERT_TRUE(page["next-page-token"].is_string()) << page;
  auto page2 = Body(client->Get("/iceberg/v1/namespaces?pageSize=1&pageToken=" +
                                page["next-page-token"].get<std::string>()));
  EXPECT_EQ(page2, json({{"namespaces", {{"tenant-a"}}}}));
  EXPECT_EQ(Body(client->Get("/iceberg/v1/namespaces?parent=app")),
            json({{"namespaces", json::array()}}));
  ExpectIcebergError(client->Get("/iceberg/v1/namespaces?parent=ghost"), 404,
                     "NoSuchNamespaceException");
  ExpectIcebergError(client->Get("/iceberg/v1/namespaces?pageSize=0"), 400, "BadRequestException");

  EXPECT_EQ(Body(client->Get("/iceberg/v1/namespaces/app")),
            json({{"namespace", {"app"}}, {"properties", json::object()}}));
  EXPECT_EQ(Body(client->Get("/iceberg/v1/namespaces/app/tables")),
            json({{"identifiers",
                   {{{"namespace", {"app"}}, {"name", "things"}},
                    {{"namespace", {"app"}}, {"name", "relationships"}}}}}));

  auto loaded = client->Get("/iceberg/v1/namespaces/app/tables/things");
  ASSERT_TRUE(loaded);
  ASSERT_EQ(loaded->status, 200) << loaded->body;
  json result = Body(loaded);
  std::string location = result["metadata-location"];
  ASSERT_EQ(location.rfind("file://", 0), 0u) << location;
  std::filesystem::path file = location.substr(7);
  EXPECT_EQ(file.parent_path(), std::filesystem::canonical(data / "warehouse/app/things/metadata"));
  // The metadata is the stored file's JSON, and it is the version with the flush's snapshot.
  EXPECT_EQ(result["metadata"], json::parse(ReadFile(file)));
  EXPECT_NE(loaded->body.find(ReadFile(file)), std::string::npos) << "not embedded verbatim";
  EXPECT_TRUE(result["metadata"]["current-snapshot-id"].is_number_integer());
  EXPECT_EQ(result["config"], json::object());
  EXPECT_EQ(Client(kReader)->Get("/iceberg/v1/namespaces/app/tables/relationships")->status, 200);

  // Absent namespaces and tables: 404 in Iceberg's shape, and nothing is created.
  ExpectIcebergError(client->Get("/iceberg/v1/namespaces/ghost"), 404, "NoSuchNamespaceException");
  ExpectIcebergError(client->Get("/iceberg/v1/namespaces/legacy/tables"), 404,
                     "NoSuchNamespaceException");
  ExpectIcebergError(client->Get("/iceberg/v1/namespaces/ghost/tables/things"), 404,
                     "NoSuchNamespaceException");
  ExpectIcebergError(client->Get("/iceberg/v1/namespaces/app/tables/nope"), 404,
                     "NoSuchTableException");
  ExpectIcebergError(client->Get("/iceberg/v1/namespaces/a%1Fb/tables"), 404,
                     "NoSuchNamespaceException");
  EXPECT_FALSE(std::filesystem::exists(data / "ghost"));
  EXPECT_FALSE(std::filesystem::exists(data / "warehouse" / "ghost"));
  EXPECT_FALSE(std::filesystem::exists(data / "warehouse" / "legacy"));
  // HEAD answers existence without a body.
  EXPECT_EQ(client->Head("/iceberg/v1/namespaces/app")->status, 200);
  EXPECT_EQ(client->Head("/iceberg/v1/namespaces/app/tables/things")->status, 200);
  EXPECT_EQ(client->Head("/iceberg/v1/namespaces/ghost")->status, 404);
  // Writes are not part of this catalog.
  ExpectIcebergError(
      client->Post("/iceberg/v1/namespaces", R"({"namespace":["n"]})", "application/json"), 405,
      "UnsupportedOperationException");
  ExpectIcebergError(client->Get("/iceberg/v1/nothing"), 404, "NotFoundException");

  // Auth: the same tokens; a scoped token sees only its namespaces.
  ExpectIcebergError(Client("")->Get("/iceberg/v1/config"), 401, "NotAuthorizedException");
  ExpectIcebergError(Client("wrong")->Get("/iceberg/v1/namespaces"), 401, "NotAuthorizedException");
  EXPECT_EQ(Body(Client(kReader)->Get("/iceberg/v1/namespaces")),
            json({{"namespaces", {{"app"}}}}));
  ExpectIcebergError(Client(kReader)->Get("/iceberg/v1/namespaces/tenant-a/tables/things"), 403,
                     "NotAuthorizedException");
  ExpectIcebergError(Client(kReader)->Get("/iceberg/v1/namespaces?parent=tenant-a"), 404,
                     "NoSuchNamespaceException");
  EXPECT_EQ(Body(Client(kWriter)->Get("/iceberg/v1/namespaces")),
            json({{"namespaces", {{"tenant-a"}}}}));
}

TEST_F(ServerTest, EveryDocumentedRouteIsServed) {
  StartServer();
  json doc = json::parse(OpenApiDocument());
  auto client = Client();
  int checked = 0;
  for (const auto& [pattern, methods] : doc["paths"].items()) {
    std::string path = pattern;
    for (auto [param, value] :
         {std::pair{"{ns}", "openapi"}, std::pair{"{id}", "x"}, std::pair{"{table}", "things"}}) {
      size_t pos = path.find(param);
      if (pos != std::string::npos) path.replace(pos, std::string(param).size(), value);
    }
    for (const auto& [method, op] : methods.items()) {
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(c));
      httplib::Request req;
      req.method = upper;
      req.path = path;
      req.headers = {{"Authorization", std::string("Bearer ") + kAdmin}};
      auto res = client->send(req);
      ASSERT_TRUE(res) << upper << " " << path;
      json body = json::parse(res->body, nullptr, false);
      bool unrouted = res->status == 405 || (res->status == 404 && body.is_object() &&
                                             body["error"]["message"] == "no such route");
      if (pattern.rfind("/iceberg/", 0) == 0) {
        // The catalog's errors are Iceberg's ErrorModel; "openapi" has no cold tables yet.
        EXPECT_TRUE(res->status == 200 ||
                    (res->status == 404 && body["error"]["type"] == "NoSuchNamespaceException"))
            << upper << " " << path << " -> " << res->status << " " << res->body;
      }
      EXPECT_FALSE(unrouted) << upper << " " << path << " -> " << res->status << " " << res->body;
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(Routes().size()));
}

}  // namespace
}  // namespace thingsdb::server
