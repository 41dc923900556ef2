// `thingsdb serve`: the HTTP server over the data directory (docs/server.md). SIGTERM or
// SIGINT stops accepting, drains the requests in flight and closes every namespace.
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "cli/context.h"
#include "core/json.h"
#include "server/server.h"

namespace thingsdb::cli {
namespace {

struct ServeArgs {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string token;
  std::string config;
  int threads = 32;
  size_t max_open = 256;
  size_t max_body_bytes = 8 * 1024 * 1024;
  int64_t flush_interval_s = 30;
  double flush_duty = 0.5;
  int64_t flush_max_rows = 10000;
  int64_t flush_max_age_s = 300;
  int64_t checkpoint_ms = 100;
  int64_t checkpoint_wal_mb = 4;
  int64_t cache_kib = 2048;
  bool quiet = false;
};

// Connections and every open namespace's SQLite files are descriptors; a shell's default
// soft limit (1024 on Debian) is below what --max-open namespaces and many clients need, so
// the soft limit is raised to the hard one. Returns the limit in force.
uint64_t RaiseOpenFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return static_cast<uint64_t>(limit.rlim_cur);
}

Status RunServe(const Context& ctx, const ServeArgs& args) {
  server::ServerOptions options;
  options.host = args.host;
  options.port = args.port;
  options.threads = args.threads;
  options.max_body_bytes = args.max_body_bytes;
  options.registry.data_dir = ctx.data_dir;
  options.registry.max_open = args.max_open;
  options.registry.cold_uri = ctx.cold_uri;
  if (args.flush_interval_s < 0 || args.flush_max_rows < 1 || args.flush_max_age_s < 0) {
    return Status::InvalidArgument(
        "--flush-interval and --flush-max-age must be >= 0 and --flush-max-rows >= 1");
  }
  options.flush_interval = std::chrono::seconds(args.flush_interval_s);
  if (!(args.flush_duty >= 0.05 && args.flush_duty <= 1.0)) {
    return Status::InvalidArgument(
        fmt::format("--flush-duty must be between 0.05 and 1 (got {})", args.flush_duty));
  }
  options.flush_duty_cycle = args.flush_duty;
  if (args.checkpoint_ms < 0) return Status::InvalidArgument("--checkpoint-ms must be >= 0");
  if (args.checkpoint_wal_mb < 1 || args.checkpoint_wal_mb > 1024) {
    return Status::InvalidArgument(fmt::format(
        "--checkpoint-wal-mb must be between 1 and 1024 (got {})", args.checkpoint_wal_mb));
  }
  options.checkpoint_interval = std::chrono::milliseconds(args.checkpoint_ms);
  options.checkpoint.wal_bytes = args.checkpoint_wal_mb << 20;
  options.checkpoint.max_wal_bytes =
      std::max(options.checkpoint.max_wal_bytes, 16 * options.checkpoint.wal_bytes);
  if (args.cache_kib < 64 || args.cache_kib > (1 << 20)) {
    return Status::InvalidArgument(
        fmt::format("--cache-kib must be between 64 and 1048576 (got {})", args.cache_kib));
  }
  options.registry.store_options.cache_size_kib = args.cache_kib;
  options.registry.flush_max_rows = args.flush_max_rows;
  options.registry.flush_max_age_ms = args.flush_max_age_s * 1000;
  options.log_requests = !args.quiet;
  options.admin_token = args.token;
  bool generated = false;
  if (options.admin_token.empty()) {
    ASSIGN_OR_RETURN(options.admin_token, server::GenerateToken());
    generated = true;
  }
  const std::string admin_token = options.admin_token;
  if (!args.config.empty()) {
    ASSIGN_OR_RETURN(options.auth_config_json, ReadInput(args.config));
  }

  // Signals go to one thread that calls Stop(); every other thread (made after this) has
  // them blocked.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  uint64_t open_files = RaiseOpenFileLimit();
  ASSIGN_OR_RETURN(auto server, server::Server::Create(std::move(options)));
  RETURN_IF_ERROR(server->Bind());
  if (generated) {
    fmt::print(stderr, "thingsdb serve: admin token (generated, shown once): {}\n", admin_token);
  }
  fmt::print(stderr,
             "{{\"level\":\"info\",\"msg\":\"listening\",\"host\":{},\"port\":{},\"data\":{},"
             "\"cold\":{},\"open_files\":{}}}\n",
             JsonString(args.host), server->port(), JsonString(ctx.data_dir),
             JsonString(ctx.cold_uri.empty() ? ctx.data_dir + "/warehouse" : ctx.cold_uri),
             open_files);
  std::fflush(stderr);

  std::atomic<bool> done{false};
  std::thread signal_thread([&] {
    timespec period{0, 200 * 1000 * 1000};
    while (!done.load()) {
      int sig = sigtimedwait(&signals, nullptr, &period);
      if (sig == SIGINT || sig == SIGTERM) {
        fmt::print(stderr, "{{\"level\":\"info\",\"msg\":\"shutting down\",\"signal\":{}}}\n", sig);
        server->Stop();
        return;
      }
    }
  });
  Status st = server->Run();
  done = true;
  signal_thread.join();
  fmt::print(stderr, "{{\"level\":\"info\",\"msg\":\"stopped\"}}\n");
  return st;
}

}  // namespace

void RegisterServe(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = AddCommand(app, ctx, "serve", "Serve every namespace over HTTP (docs/server.md)",
                             [&ctx, args] { return RunServe(ctx, *args); });
  cmd->add_option("--host", args->host, "Address to listen on (default 127.0.0.1)");
  cmd->add_option("--port", args->port, "Port (default 8080; 0 picks a free one)");
  cmd->add_option("--token", args->token,
                  "Admin bearer token (env THINGSDB_TOKEN); generated if absent")
      ->envname("THINGSDB_TOKEN");
  cmd->add_option("--config", args->config, "JSON file of scoped tokens and rate limits");
  cmd->add_option("--threads", args->threads,
                  "Worker threads: requests answered at once; connections hold none (default 32)");
  cmd->add_option("--max-open", args->max_open, "Namespaces kept open at most (default 256)");
  cmd->add_option("--max-body", args->max_body_bytes,
                  "Largest request body in bytes (default 8 MiB)");
  cmd->add_option("--flush-interval", args->flush_interval_s,
                  "Seconds between background flush checks of the open namespaces (default 30; "
                  "0: off)");
  cmd->add_option("--flush-duty", args->flush_duty,
                  "Fraction of the time the background flush may work; it rests after each "
                  "namespace's flush (default 0.5; 1: no rest)");
  cmd->add_option("--flush-max-rows", args->flush_max_rows,
                  "Flush a namespace once its hot tier holds this many things (default 10000)");
  cmd->add_option("--flush-max-age", args->flush_max_age_s,
                  "Flush a namespace once its oldest hot thing is this many seconds old "
                  "(default 300)");
  cmd->add_option("--checkpoint-ms", args->checkpoint_ms,
                  "Milliseconds between background WAL checkpoint checks of the open namespaces "
                  "(default 100; 0: SQLite checkpoints inside commits instead)");
  cmd->add_option("--checkpoint-wal-mb", args->checkpoint_wal_mb,
                  "Checkpoint a namespace's WAL from this many MiB (default 4; a blocking "
                  "checkpoint from 16 times as many, at least 64)");
  cmd->add_option("--cache-kib", args->cache_kib,
                  "SQLite page cache of each of a namespace's 4 connections, in KiB (default "
                  "2048): at most --max-open x 4 x this, plus a running flush's 64 MiB");
  cmd->add_flag("--quiet", args->quiet, "No per-request log lines");
}

}  // namespace thingsdb::cli
