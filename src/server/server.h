// Server: the HTTP front of thingsdb — an epoll HTTP/1.1 listener (http_listener.h) with
// worker threads, body/time limits, bearer-token auth, per-token rate limits, metrics and
// one-line JSON request logs — over a NamespaceRegistry, plus the Iceberg REST catalog's
// read routes, a background flush of the open namespaces (paced: flush_duty_cycle) and
// background WAL checkpoints of their hot tiers.
// Stop() is safe from any thread (a signal thread): it stops accepting, lets in-flight
// requests finish, then closes every namespace.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "core/status.h"
#include "server/auth.h"
#include "server/http_api.h"
#include "server/http_listener.h"
#include "server/iceberg_catalog.h"
#include "server/metrics.h"
#include "server/namespace_registry.h"
#include "server/rate_limiter.h"
#include "server/router.h"

namespace thingsdb::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;   // 0: any free port (see Server::port())
  // Workers: requests answered at once (an idle keep-alive connection holds none).
  int threads = 32;
  size_t max_connections = 4096;  // open at once; then accept waits (the backlog holds more)
  // Connections the kernel completes before the server accepts them (listen(2)'s backlog,
  // capped by net.core.somaxconn). cpp-httplib's was 5: a burst of new connections
  // overflowed it and the dropped SYNs were retried a second later.
  int listen_backlog = 1024;
  size_t max_body_bytes = 8 * 1024 * 1024;
  std::chrono::milliseconds read_timeout{5000};
  std::chrono::milliseconds write_timeout{5000};
  std::chrono::milliseconds keep_alive_timeout{2000};  // then an idle connection is closed
  size_t keep_alive_max_requests = 10000;
  std::string admin_token;       // required
  std::string auth_config_json;  // tokens and rate limits (auth.h); may be empty
  RegistryOptions registry;      // also names the warehouse the Iceberg catalog serves
  ApiLimits api;
  // Every flush_interval, MaybeFlush on each open namespace (cheap when nothing is due);
  // 0 disables the background flush.
  std::chrono::milliseconds flush_interval{30000};
  // The background flush rests after each namespace's flush (or maintenance) so that it works
  // at most this fraction of the time: when many namespaces are due at once, requests keep
  // the cores (docs/server.md Benchmark, "Flushes under load"). 1 disables the pacing.
  double flush_duty_cycle = 0.5;
  // Hot-tier WAL checkpoints off the write path: the namespaces' writer connections never
  // checkpoint inside a commit (hot::HotOptions::wal_autocheckpoint = 0, set by the server);
  // every checkpoint_interval one thread calls MaybeCheckpoint(checkpoint) on each open
  // namespace. 0 disables the thread and leaves SQLite's automatic checkpoint on instead.
  std::chrono::milliseconds checkpoint_interval{100};
  hot::CheckpointPolicy checkpoint;
  bool log_requests = false;  // one JSON line per request on log_file
  FILE* log_file = stderr;
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> Create(ServerOptions options);
  ~Server();  // Stop() and wait
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port. IOError when the address cannot be bound.
  Status Bind();
  int port() const { return port_; }
  // Serves until Stop(); then drains and closes every namespace. Call after Bind().
  Status Run();
  // Bind() and Run() on a background thread; returns once the server accepts connections.
  Status Start();
  // Thread-safe and idempotent.
  void Stop();
  // Waits for the background thread of Start() (after Stop()).
  void Wait();

  // One pass of the background flush: MaybeFlush on every open namespace whose write gate
  // has room. Returns how many namespaces flushed; errors are logged and counted.
  size_t FlushDueNamespaces();
  // One pass of the background checkpoints: MaybeCheckpoint on every open namespace. Returns
  // how many checkpointed; errors are logged and counted.
  size_t CheckpointNamespaces();

  NamespaceRegistry& registry() { return *registry_; }
  Metrics& metrics() { return metrics_; }
  int64_t in_flight() const { return in_flight_.load(); }
  bool stopping() const { return stopping_.load(); }

 private:
  struct Reply;
  explicit Server(ServerOptions options, Authenticator auth);
  // Answers one request (HttpListener's handler).
  void Handle(const HttpRequest& request, HttpResponse* response);
  // The JSON error of a request the listener refused before routing (bad head, 411, 413...).
  void HandleRefused(int status, std::string_view message, const HttpRequest& request,
                     HttpResponse* response);
  Reply Route(const HttpRequest& request);
  // Counts and logs the reply, then fills the response from it (body, type, headers).
  void Respond(const HttpRequest& request, const std::string& rid, Reply reply, double seconds,
               HttpResponse* response);
  // The client's X-Request-Id when it is short and plain, else a new one.
  std::string RequestId(const HttpRequest& request);
  // Authenticates and rate-limits; on refusal fills `reply` and returns null.
  const TokenGrant* Admit(const std::string& auth_header, Reply* reply);
  // /healthz, /readyz, /metrics, /v1/openapi.json.
  void AnswerBuiltin(const RouteSpec& route, Reply* reply);
  std::string RenderMetrics();
  // Runs `pass` every `period` until StopBackground().
  void RunEvery(std::chrono::milliseconds period, size_t (Server::*pass)());
  // FlushDueNamespaces' work on one namespace: MaybeFlush and MaybeMaintain under a write
  // slot. Returns the seconds spent on a flush or maintenance that did something.
  double FlushAndMaintain(std::shared_ptr<Namespace> ns, size_t* flushed);
  // One JSON line per background flush that moved rows or failed.
  void LogFlush(const std::string& ns, const std::string& error, double seconds,
                const engine::FlushReport* report);
  // One structured log line {"ts","level","msg","ns","ms"[,"error"][,"report"]}.
  void LogEvent(std::string_view msg, const std::string& ns, const std::string& error,
                double seconds, const std::string& report_json);
  // One JSON line per checkpoint that blocked writers or failed.
  void LogCheckpoint(const std::string& ns, const std::string& error, double seconds,
                     const hot::CheckpointReport* report);
  void StopBackground();  // wakes and joins the flush and checkpoint threads
  void LogRequest(const std::string& rid, const std::string& method, const std::string& path,
                  const Reply& reply, double seconds);

  ServerOptions options_;
  Authenticator auth_;
  RateLimiter rate_limiter_;
  Metrics metrics_;
  std::unique_ptr<NamespaceRegistry> registry_;
  std::unique_ptr<HttpApi> api_;
  std::unique_ptr<IcebergCatalog> catalog_;
  std::unique_ptr<HttpListener> listener_;  // from Bind()
  std::atomic<HttpListener*> active_listener_{nullptr};  // listener_, for Stop() on any thread
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> run_finished_{false};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<uint64_t> request_counter_{0};
  std::string request_id_prefix_;
  std::thread thread_;

  std::mutex background_mu_;
  std::condition_variable background_cv_;
  bool background_stop_ = false;  // guarded by background_mu_
  std::thread flush_thread_;
  std::thread checkpoint_thread_;
};

}  // namespace thingsdb::server
