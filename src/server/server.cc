#include "server/server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <random>

#include "core/json.h"
#include "server/openapi.h"
#include "server/router.h"

namespace thingsdb::server {
namespace {

// httplib's ThreadPool queues without bound; this one makes the accept loop wait when
// `max_queued` connections are already waiting, so memory stays flat under overload (the
// kernel's listen backlog holds the rest).
class BoundedThreadPool : public httplib::TaskQueue {
 public:
  BoundedThreadPool(size_t threads, size_t max_queued) : max_queued_(max_queued) {
    for (size_t thread_idx = 0; thread_idx < threads; ++thread_idx) {
      threads_.emplace_back([this] { Work(); });
    }
  }
  ~BoundedThreadPool() override = default;

  void enqueue(std::function<void()> fn) override {
    std::unique_lock<std::mutex> lock(mu_);
    space_.wait(lock, [this] { return jobs_.size() < max_queued_ || shutdown_; });
    jobs_.push_back(std::move(fn));
    work_.notify_one();
  }

  // Runs every queued job, then joins the workers.
  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      shutdown_ = true;
    }
    work_.notify_all();
    space_.notify_all();
    for (auto& thread : threads_) thread.join();
  }

 private:
  void Work() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_.wait(lock, [this] { return !jobs_.empty() || shutdown_; });
        if (jobs_.empty()) return;
        fn = std::move(jobs_.front());
        jobs_.pop_front();
        space_.notify_one();
      }
      fn();
    }
  }

  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable work_;
  std::condition_variable space_;
  std::deque<std::function<void()>> jobs_;
  bool shutdown_ = false;
  std::vector<std::thread> threads_;
};

// The process's resident set in bytes (/proc/self/statm's second field, in pages), or 0.
int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0, resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return 0;
  return resident_pages * ::sysconf(_SC_PAGESIZE);
}

// A client's X-Request-Id when it is short and plain, else "".
std::string ClientRequestId(const std::string& value) {
  if (value.empty() || value.size() > 64) return "";
  for (char c : value) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    if (!ok) return "";
  }
  return value;
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
    case 413:
      return "payload_too_large";
    case 429:
      return "rate_limited";
    case 503:
      return "unavailable";
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
  http_ = std::make_unique<httplib::Server>();
  Install();
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

void Server::Install() {
  httplib::Server& http = *http_;
  http.set_tcp_nodelay(true);  // else every response waits ~40 ms on delayed ACKs
  // Replaces httplib's default (SO_REUSEPORT, which let a second server bind the same port
  // and take half its connections): SO_REUSEADDR only, and the socket is remembered so
  // that Bind() can raise its listen backlog.
  http.set_socket_options([this](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_socket_ = sock;
  });
  size_t threads = static_cast<size_t>(options_.threads);
  size_t max_queued = options_.max_queued_connections;
  http.new_task_queue = [threads, max_queued] {
    return new BoundedThreadPool(threads, max_queued);
  };
  http.set_payload_max_length(options_.max_body_bytes);
  http.set_read_timeout(options_.read_timeout);
  http.set_write_timeout(options_.write_timeout);
  http.set_keep_alive_timeout(options_.keep_alive_timeout_seconds);
  http.set_keep_alive_max_count(options_.keep_alive_max_requests);

  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    auto start = std::chrono::steady_clock::now();
    in_flight_.fetch_add(1);
    std::string rid = ClientRequestId(req.get_header_value("X-Request-Id"));
    if (rid.empty())
      rid = fmt::format("{}-{:x}", request_id_prefix_, request_counter_.fetch_add(1));
    Reply reply;
    try {
      reply = Route(req.method, req.path, req.get_header_value("Authorization"), req.params,
                    req.body, req.get_header_value("Content-Type"));
    } catch (const std::exception& e) {
      reply.api = ErrorResponse(Status::Internal(e.what()), false);
    }
    // Iceberg REST clients read errors as {"error":{"message","type","code"}}.
    if (req.path.rfind("/iceberg/", 0) == 0) ToIcebergError(&reply.api);
    res.status = reply.api.status;
    res.set_content(std::move(reply.api.body), reply.content_type.c_str());
    res.set_header("X-Request-Id", rid);
    if (reply.api.retry_after_seconds > 0) {
      res.set_header("Retry-After", std::to_string(reply.api.retry_after_seconds));
    }
    if (!reply.allow.empty()) res.set_header("Allow", reply.allow);
    if (reply.api.status == 401) res.set_header("WWW-Authenticate", "Bearer");
    if (stopping_) res.set_header("Connection", "close");
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics_.ObserveRequest(reply.route, reply.api.status, seconds);
    if (!reply.api.error_code.empty()) metrics_.CountError(reply.api.error_code);
    LogRequest(rid, req.method, req.path, reply, seconds);
    in_flight_.fetch_sub(1);
  };
  http.Get(".*", handler);
  http.Post(".*", httplib::Server::Handler(handler));
  http.Put(".*", httplib::Server::Handler(handler));
  http.Patch(".*", httplib::Server::Handler(handler));
  http.Delete(".*", httplib::Server::Handler(handler));
  // cpp-httplib 0.11 applies the body limit only to Content-Length bodies; a chunked body
  // would grow without bound, so it is refused before any of it is read.
  http.set_pre_routing_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) {
        if (!req.has_header("Transfer-Encoding")) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        res.status = 411;
        res.set_header("Connection", "close");
        res.set_content(
            ErrorBody("length_required", "chunked bodies are not accepted; send Content-Length"),
            "application/json");
        metrics_.ObserveRequest("unrouted", 411, 0);
        metrics_.CountError("length_required");
        return httplib::Server::HandlerResponse::Handled;
      }));
  // Errors httplib answers itself (body too large, unparsable request): same JSON shape.
  http.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                     httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string_view code = CodeForHttpStatus(res.status);
    std::string message = res.status == 413
                              ? fmt::format("the body exceeds {} bytes", options_.max_body_bytes)
                              : fmt::format("HTTP {}", res.status);
    res.set_content(ErrorBody(code, message), "application/json");
    metrics_.ObserveRequest("unrouted", res.status, 0);
    metrics_.CountError(code);
    Reply reply;
    reply.api.status = res.status;
    reply.api.error_code = std::string(code);
    LogRequest("-", req.method, req.path, reply, 0);
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(ErrorBody("internal", "unexpected exception"), "application/json");
      });
}

Server::Reply Server::Route(const std::string& method, const std::string& path,
                            const std::string& auth_header,
                            const std::multimap<std::string, std::string>& query,
                            const std::string& body, const std::string& content_type) {
  Reply reply;
  // HEAD is GET without the body (httplib drops it): the Iceberg catalog's existence checks.
  RouteMatch match = MatchRoute(method == "HEAD" ? "GET" : method, path);
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
  const TokenGrant* grant = Admit(auth_header, &reply);
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
  ApiRequest request;
  request.route = &route;
  request.ns = std::move(match.ns);
  request.id = std::move(match.id);
  request.query = &query;
  request.body = body;
  request.content_type = content_type;
  reply.api = api_->Handle(request);
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
  if (options_.port == 0) {
    int port = http_->bind_to_any_port(options_.host);
    if (port <= 0) return Status::IOError(fmt::format("cannot bind {}:0", options_.host));
    port_ = port;
  } else {
    if (!http_->bind_to_port(options_.host, options_.port)) {
      return Status::IOError(fmt::format("cannot bind {}:{} (in use, or not an address of this host)",
                                         options_.host, options_.port));
    }
    port_ = options_.port;
  }
  // httplib listened with a backlog of 5; listen(2) again on the same socket raises it.
  if (listen_socket_ >= 0 && ::listen(listen_socket_, options_.listen_backlog) != 0) {
    return Status::IOError(fmt::format("cannot set the listen backlog of {}:{} to {}: {}",
                                       options_.host, port_, options_.listen_backlog,
                                       std::strerror(errno)));
  }
  return Status::OK();
}

Status Server::Run() {
  bool ok = stopping_ ? true : http_->listen_after_bind();
  // listen_after_bind returns after the worker pool ran every accepted connection.
  StopBackground();
  registry_->CloseAll();
  run_finished_ = true;
  if (!ok && !stopping_) return Status::IOError("the HTTP server stopped unexpectedly");
  return Status::OK();
}

Status Server::Start() {
  RETURN_IF_ERROR(Bind());
  thread_ = std::thread([this] { (void)Run(); });
  while (!http_->is_running() && !stopping_ && !run_finished_) std::this_thread::yield();
  if (run_finished_ && !stopping_) return Status::IOError("the HTTP server failed to start");
  return Status::OK();
}

void Server::Stop() {
  stopping_ = true;
  http_->stop();
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
    // Let go of each namespace once checked, so the registry may close it again.
    std::shared_ptr<Namespace> ns = std::move(held);
    if (stopping_) break;
    // A flush is a write: it takes one of the namespace's write places, or skips this
    // round when the gate is full.
    auto slot = ns->AcquireWriteSlot();
    if (!slot.ok()) continue;
    auto start = std::chrono::steady_clock::now();
    auto report = ns->store().MaybeFlush();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!report.ok()) {
      metrics_.CountFlushError("background");
      LogFlush(ns->name(), report.status().ToString(), seconds, nullptr);
    } else if (report->has_value()) {
      const engine::FlushReport& done = **report;
      metrics_.ObserveFlush("background", done.things + done.relationships, done.bytes, seconds);
      LogFlush(ns->name(), "", seconds, &done);
      ++flushed;
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
    }
  }
  return flushed;
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
