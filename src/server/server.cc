#include "server/server.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <random>

#include "core/json.h"
#include "server/openapi.h"
#include "server/router.h"

namespace thingsdb::server {
namespace {

// The process's resident set in bytes (/proc/self/statm's second field, in pages), or 0.
int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0, resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return 0;
  return resident_pages * ::sysconf(_SC_PAGESIZE);
}

// A client's X-Request-Id when it is short and plain, else "".
std::string ClientRequestId(std::string_view value) {
  if (value.empty() || value.size() > 64) return "";
  for (char c : value) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    if (!ok) return "";
  }
  return std::string(value);
}

std::string_view CodeForHttpStatus(int status) {
  switch (status) {
    case 400:
      return "invalid_argument";
    case 401:
      return "unauthenticated";
    case 403:
      return "permission_denied";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 408:
      return "request_timeout";
    case 411:
      return "length_required";
    case 413:
      return "payload_too_large";
    case 429:
      return "rate_limited";
    case 431:
      return "request_header_fields_too_large";
    case 503:
      return "unavailable";
    case 505:
      return "http_version_not_supported";
    default:
      return status >= 500 ? "internal" : "invalid_argument";
  }
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct Server::Reply {
  ApiResponse api;
  std::string content_type = "application/json";
  std::string route = "unmatched";  // metrics label
  std::string allow;                // for 405
  std::string token;                // the grant's name, for logs
  std::string ns;
};

Result<std::unique_ptr<Server>> Server::Create(ServerOptions options) {
  ASSIGN_OR_RETURN(Authenticator auth,
                   Authenticator::Create(options.admin_token, options.auth_config_json));
  if (options.threads < 1) return Status::InvalidArgument("threads must be at least 1");
  return std::unique_ptr<Server>(new Server(std::move(options), std::move(auth)));
}

Server::Server(ServerOptions options, Authenticator auth)
    : options_(std::move(options)), auth_(std::move(auth)) {
  // With the checkpoint thread, commits never checkpoint (their fsyncs were the write tail).
  if (options_.checkpoint_interval.count() > 0) {
    options_.registry.store_options.wal_autocheckpoint = 0;
  }
  registry_ = std::make_unique<NamespaceRegistry>(options_.registry);
  api_ = std::make_unique<HttpApi>(registry_.get(), &metrics_, options_.api);
  IcebergCatalogOptions catalog;
  catalog.data_dir = options_.registry.data_dir;
  catalog.cold_uri = options_.registry.cold_uri;
  catalog_ = std::make_unique<IcebergCatalog>(std::move(catalog));
  std::random_device random;
  request_id_prefix_ = fmt::format("{:08x}", random());
  if (options_.flush_interval.count() > 0) {
    flush_thread_ =
        std::thread([this] { RunEvery(options_.flush_interval, &Server::FlushDueNamespaces); });
  }
  if (options_.checkpoint_interval.count() > 0) {
    checkpoint_thread_ = std::thread(
        [this] { RunEvery(options_.checkpoint_interval, &Server::CheckpointNamespaces); });
  }
}

Server::~Server() {
  Stop();
  Wait();
  StopBackground();
  registry_->CloseAll();
}

std::string Server::RequestId(const HttpRequest& request) {
  std::string rid = ClientRequestId(request.Header("X-Request-Id"));
  if (rid.empty()) rid = fmt::format("{}-{:x}", request_id_prefix_, request_counter_.fetch_add(1));
  return rid;
}

void Server::Handle(const HttpRequest& request, HttpResponse* response) {
  auto start = std::chrono::steady_clock::now();
  in_flight_.fetch_add(1);
  std::string rid = RequestId(request);
  Reply reply;
  try {
    reply = Route(request);
  } catch (const std::exception& e) {
    reply.api = ErrorResponse(Status::Internal(e.what()), false);
  }
  // Iceberg REST clients read errors as {"error":{"message","type","code"}}.
  if (request.path.rfind("/iceberg/", 0) == 0) ToIcebergError(&reply.api);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Respond(request, rid, std::move(reply), seconds, response);
  in_flight_.fetch_sub(1);
}

void Server::HandleRefused(int status, std::string_view message, const HttpRequest& request,
                           HttpResponse* response) {
  std::string_view code = CodeForHttpStatus(status);
  Reply reply;
  reply.route = "unrouted";
  reply.api.status = status;
  reply.api.error_code = std::string(code);
  reply.api.body = ErrorBody(code, message);
  Respond(request, RequestId(request), std::move(reply), 0, response);
}

void Server::Respond(const HttpRequest& request, const std::string& rid, Reply reply,
                     double seconds, HttpResponse* response) {
  metrics_.ObserveRequest(reply.route, reply.api.status, seconds);
  if (!reply.api.error_code.empty()) metrics_.CountError(reply.api.error_code);
  LogRequest(rid, request.method, request.path, reply, seconds);
  response->status = reply.api.status;
  response->body = std::move(reply.api.body);
  response->content_type = std::move(reply.content_type);
  response->headers.emplace_back("X-Request-Id", rid);
  if (reply.api.retry_after_seconds > 0) {
    response->headers.emplace_back("Retry-After", std::to_string(reply.api.retry_after_seconds));
  }
  if (!reply.allow.empty()) response->headers.emplace_back("Allow", reply.allow);
  if (reply.api.status == 401) response->headers.emplace_back("WWW-Authenticate", "Bearer");
  if (stopping_) response->close = true;
}

Server::Reply Server::Route(const HttpRequest& request) {
  const std::string& method = request.method;
  const QueryParams& query = request.query;
  Reply reply;
  // HEAD is GET without the body (the listener drops it): the Iceberg catalog's existence checks.
  RouteMatch match = MatchRoute(method == "HEAD" ? "GET" : method, request.path);
  if (match.kind == MatchKind::kNotFound) {
    reply.api = ErrorResponse(Status::NotFound("no such route"), false);
    return reply;
  }
  if (match.kind == MatchKind::kMethodNotAllowed) {
    reply.api.status = 405;
    reply.api.error_code = "method_not_allowed";
    reply.api.body =
        ErrorBody("method_not_allowed",
                  fmt::format("{} is not allowed here (allowed: {})", method, match.allow));
    reply.allow = match.allow;
    return reply;
  }
  const RouteSpec& route = *match.route;
  reply.route = fmt::format("{} {}", route.method, route.pattern);
  if (route.auth == RouteAuth::kPublic) {
    AnswerBuiltin(route, &reply);
    return reply;
  }
  const TokenGrant* grant = Admit(std::string(request.Header("Authorization")), &reply);
  if (!grant) return reply;
  if (route.auth == RouteAuth::kAnyToken) {
    if (IsIcebergRoute(route.id)) {
      reply.api = catalog_->Handle(route, "", "", query, *grant);
    } else {
      AnswerBuiltin(route, &reply);
    }
    return reply;
  }
  Status valid = ValidateNamespaceName(match.ns);
  if (!valid.ok() && IsIcebergRoute(route.id)) {
    // A name no namespace can have (an Iceberg multi-level name, say) does not exist.
    reply.api = ErrorResponse(Status::NotFound(valid.message()), false);
    reply.api.body = IcebergErrorBody(404, "NoSuchNamespaceException", valid.message());
    return reply;
  }
  if (!valid.ok()) {
    reply.api = ErrorResponse(valid, false);
    return reply;
  }
  reply.ns = match.ns;
  Access access = route.auth == RouteAuth::kWrite ? Access::kWrite : Access::kRead;
  Status allowed = Authenticator::Authorize(*grant, match.ns, access);
  if (!allowed.ok()) {
    reply.api = ErrorResponse(allowed, false);
    return reply;
  }
  if (IsIcebergRoute(route.id)) {
    reply.api = catalog_->Handle(route, match.ns, match.id, query, *grant);
    return reply;
  }
  ApiRequest call;
  call.route = &route;
  call.ns = std::move(match.ns);
  call.id = std::move(match.id);
  call.query = &query;
  call.body = request.body;
  call.content_type = request.Header("Content-Type");
  reply.api = api_->Handle(call);
  return reply;
}

const TokenGrant* Server::Admit(const std::string& auth_header, Reply* reply) {
  auto grant = auth_.Authenticate(auth_header);
  if (!grant.ok()) {
    reply->api = ErrorResponse(grant.status(), false);
    return nullptr;
  }
  reply->token = (*grant)->name;
  int retry = rate_limiter_.TryAcquire((*grant)->name, (*grant)->rate_limit,
                                       std::chrono::steady_clock::now());
  if (retry > 0) {
    reply->api.status = 429;
    reply->api.error_code = "rate_limited";
    reply->api.body =
        ErrorBody("rate_limited", fmt::format("token '{}' is over its rate limit", (*grant)->name));
    reply->api.retry_after_seconds = retry;
    return nullptr;
  }
  return *grant;
}

void Server::AnswerBuiltin(const RouteSpec& route, Reply* reply) {
  switch (route.id) {
    case RouteId::kHealthz:
      reply->api.body = "{\"status\":\"ok\"}";
      break;
    case RouteId::kReadyz:
      if (stopping_) {
        // A request already read is still served while draining; readiness says go away.
        reply->api.status = 503;
        reply->api.error_code = "unavailable";
        reply->api.body = ErrorBody("unavailable", "the server is shutting down");
        reply->api.retry_after_seconds = 1;
      } else {
        reply->api.body = "{\"status\":\"ready\"}";
      }
      break;
    case RouteId::kMetrics:
      reply->api.body = RenderMetrics();
      reply->content_type = "text/plain; version=0.0.4";
      break;
    case RouteId::kOpenApi:
      reply->api.body = OpenApiDocument();
      break;
    default:
      reply->api = ErrorResponse(Status::Internal("route without a handler"), false);
      break;
  }
}

std::string Server::RenderMetrics() {
  ServerGauges gauges;
  gauges.in_flight = in_flight_.load();
  gauges.resident_bytes = ResidentBytes();
  std::vector<std::shared_ptr<Namespace>> open = registry_->OpenNamespaces();
  gauges.open_namespaces = static_cast<int64_t>(open.size());
  for (const auto& ns : open) {
    NamespaceGauge gauge;
    gauge.ns = ns->name();
    gauge.pending_writes = ns->pending_writes();
    auto stats = ns->CachedStats(options_.api.stats_cache_age);
    if (stats.ok()) {
      gauge.hot_things = stats->things;
      gauge.hot_relationships = stats->relationships;
      gauge.hot_bytes = stats->database_bytes + stats->wal_bytes;
    }
    gauges.namespaces.push_back(std::move(gauge));
  }
  return metrics_.Render(gauges);
}

void Server::LogRequest(const std::string& rid, const std::string& method, const std::string& path,
                        const Reply& reply, double seconds) {
  if (!options_.log_requests || !options_.log_file) return;
  std::string line =
      fmt::format("{{\"ts\":{},\"level\":\"{}\",\"msg\":\"request\",\"rid\":", NowMs(),
                  reply.api.status >= 500 ? "error" : "info");
  AppendJsonString(line, rid);
  line += ",\"method\":";
  AppendJsonString(line, method);
  line += ",\"path\":";
  AppendJsonString(line, path);
  line += ",\"route\":";
  AppendJsonString(line, reply.route);
  line += fmt::format(",\"status\":{},\"ms\":{:.3f}", reply.api.status, seconds * 1000);
  if (!reply.ns.empty()) {
    line += ",\"ns\":";
    AppendJsonString(line, reply.ns);
  }
  if (!reply.token.empty()) {
    line += ",\"token\":";
    AppendJsonString(line, reply.token);
  }
  if (!reply.api.error_code.empty()) {
    line += ",\"error\":";
    AppendJsonString(line, reply.api.error_code);
  }
  line += "}\n";
  std::fwrite(line.data(), 1, line.size(), options_.log_file);
}

Status Server::Bind() {
  if (listener_) return Status::InvalidArgument("the server is already bound");
  HttpListenerOptions http;
  http.host = options_.host;
  http.port = options_.port;
  http.threads = options_.threads;
  http.max_connections = options_.max_connections;
  http.listen_backlog = options_.listen_backlog;
  http.max_body_bytes = options_.max_body_bytes;
  http.read_timeout = options_.read_timeout;
  http.write_timeout = options_.write_timeout;
  http.keep_alive_timeout = options_.keep_alive_timeout;
  http.keep_alive_max_requests = options_.keep_alive_max_requests;
  ASSIGN_OR_RETURN(
      listener_,
      HttpListener::Bind(
          std::move(http),
          [this](const HttpRequest& request, HttpResponse* response) {
            Handle(request, response);
          },
          [this](int status, std::string_view message, const HttpRequest& request,
                 HttpResponse* response) { HandleRefused(status, message, request, response); }));
  port_ = listener_->port();
  active_listener_ = listener_.get();
  if (stopping_) listener_->Stop();
  return Status::OK();
}

Status Server::Run() {
  if (!listener_) return Status::InvalidArgument("Run() before Bind()");
  listener_->Run();  // returns once every connection is answered and closed
  StopBackground();
  registry_->CloseAll();
  run_finished_ = true;
  return Status::OK();
}

Status Server::Start() {
  RETURN_IF_ERROR(Bind());
  thread_ = std::thread([this] { (void)Run(); });
  while (!listener_->running() && !stopping_ && !run_finished_) std::this_thread::yield();
  return Status::OK();
}

void Server::Stop() {
  stopping_ = true;
  if (HttpListener* listener = active_listener_.load()) listener->Stop();
  {
    std::lock_guard<std::mutex> lock(background_mu_);
    background_stop_ = true;
  }
  background_cv_.notify_all();
}

void Server::StopBackground() {
  {
    std::lock_guard<std::mutex> lock(background_mu_);
    background_stop_ = true;
  }
  background_cv_.notify_all();
  if (flush_thread_.joinable()) flush_thread_.join();
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
}

void Server::RunEvery(std::chrono::milliseconds period, size_t (Server::*pass)()) {
  std::unique_lock<std::mutex> lock(background_mu_);
  while (!background_stop_) {
    background_cv_.wait_for(lock, period, [this] { return background_stop_; });
    if (background_stop_) break;
    lock.unlock();
    (void)(this->*pass)();
    lock.lock();
  }
}

size_t Server::FlushDueNamespaces() {
  size_t flushed = 0;
  std::vector<std::shared_ptr<Namespace>> open = registry_->OpenNamespaces();
  for (std::shared_ptr<Namespace>& held : open) {
    if (stopping_) break;
    // Let go of each namespace once checked, so the registry may close it again.
    double worked = FlushAndMaintain(std::move(held), &flushed);
    // Paced: after work that took `worked` seconds, rest so that the thread is busy at most
    // flush_duty_cycle of the time, leaving the cores to requests while many namespaces flush.
    if (worked > 0 && options_.flush_duty_cycle < 1.0) {
      auto rest = std::chrono::duration<double>(worked * (1.0 / options_.flush_duty_cycle - 1.0));
      std::unique_lock<std::mutex> lock(background_mu_);
      background_cv_.wait_for(lock, std::min(rest, std::chrono::duration<double>(5.0)),
                              [this] { return background_stop_; });
    }
  }
  return flushed;
}

double Server::FlushAndMaintain(std::shared_ptr<Namespace> ns, size_t* flushed) {
  // A flush is a write: it takes one of the namespace's write places, or skips this round
  // when the gate is full.
  auto slot = ns->AcquireWriteSlot();
  if (!slot.ok()) return 0;
  double worked = 0;
  auto start = std::chrono::steady_clock::now();
  auto report = ns->store().MaybeFlush();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!report.ok()) {
    metrics_.CountFlushError("background");
    LogFlush(ns->name(), report.status().ToString(), seconds, nullptr);
  } else if (report->has_value()) {
    const engine::FlushReport& done = **report;
    metrics_.ObserveFlush("background", done.things + done.relationships, done.bytes, seconds);
    LogFlush(ns->name(), "", seconds, &done);
    ++*flushed;
    worked += seconds;
  }
  // The engine's scheduled compaction, snapshot expiry and orphan removal (its own
  // interval, EngineOptions::maintenance_interval_ms; nothing when not due).
  start = std::chrono::steady_clock::now();
  auto maintained = ns->store().MaybeMaintain();
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!maintained.ok()) {
    LogEvent("maintenance", ns->name(), maintained.status().ToString(), seconds, "");
  } else if (maintained->has_value()) {
    LogEvent("maintenance", ns->name(), "", seconds, (*maintained)->ToJson());
    worked += seconds;
  }
  return worked;
}

size_t Server::CheckpointNamespaces() {
  size_t checkpointed = 0;
  std::vector<std::shared_ptr<Namespace>> open = registry_->OpenNamespaces();
  for (std::shared_ptr<Namespace>& held : open) {
    // Let go of each namespace once checked, so the registry may close it again (closing
    // empties its WAL).
    std::shared_ptr<Namespace> ns = std::move(held);
    if (stopping_) break;
    auto start = std::chrono::steady_clock::now();
    auto report = ns->store().hot().MaybeCheckpoint(options_.checkpoint);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!report.ok()) {
      metrics_.CountCheckpointError();
      LogCheckpoint(ns->name(), report.status().ToString(), seconds, nullptr);
      continue;
    }
    if (report->passes == 0 && !report->blocking) continue;
    metrics_.ObserveCheckpoint(report->blocking, seconds);
    if (report->blocking) LogCheckpoint(ns->name(), "", seconds, &*report);
    ++checkpointed;
  }
  return checkpointed;
}

void Server::LogCheckpoint(const std::string& ns, const std::string& error, double seconds,
                           const hot::CheckpointReport* report) {
  if (!options_.log_file) return;
  std::string line =
      fmt::format("{{\"ts\":{},\"level\":\"{}\",\"msg\":\"checkpoint\",\"ns\":", NowMs(),
                  error.empty() ? "info" : "error");
  AppendJsonString(line, ns);
  line += fmt::format(",\"ms\":{:.3f}", seconds * 1000);
  if (!error.empty()) {
    line += ",\"error\":";
    AppendJsonString(line, error);
  }
  if (report) {
    line += fmt::format(",\"blocking\":{},\"complete\":{},\"passes\":{},\"walFrames\":{}",
                        report->blocking, report->complete, report->passes, report->wal_frames);
  }
  line += "}\n";
  std::fwrite(line.data(), 1, line.size(), options_.log_file);
}

void Server::LogFlush(const std::string& ns, const std::string& error, double seconds,
                      const engine::FlushReport* report) {
  LogEvent("flush", ns, error, seconds, report ? report->ToJson() : "");
}

void Server::LogEvent(std::string_view msg, const std::string& ns, const std::string& error,
                      double seconds, const std::string& report_json) {
  if (!options_.log_file) return;
  std::string line = fmt::format("{{\"ts\":{},\"level\":\"{}\",\"msg\":\"{}\",\"ns\":", NowMs(),
                                 error.empty() ? "info" : "error", msg);
  AppendJsonString(line, ns);
  line += fmt::format(",\"ms\":{:.3f}", seconds * 1000);
  if (!error.empty()) {
    line += ",\"error\":";
    AppendJsonString(line, error);
  }
  if (!report_json.empty()) line += ",\"report\":" + report_json;
  line += "}\n";
  std::fwrite(line.data(), 1, line.size(), options_.log_file);
}

void Server::Wait() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace thingsdb::server
