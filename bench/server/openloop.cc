// Open-loop load generator for `thingsdb serve`: sends requests at a fixed rate and measures
// each one's latency from the time it was *scheduled*, not the time it was sent (as wrk2 and
// vegeta do), so a stalled server — or a paused machine — is charged for every request it held
// back. wrk (closed loop) measures the server at saturation; this measures latency at a given
// throughput, which is what a target like "20K GETs/s with p99 < 10 ms" asks.
//
// One thread per keep-alive connection; connection c sends at t0 + (c + j * C) / rate, so the C
// connections together send `rate` requests per second, evenly spaced. A request whose turn
// comes while its connection is still busy waits, and the wait counts in its latency.
//
// The requests are those of mixed.lua: GET /v1/namespaces/bench-N/things/tK (N < namespaces,
// K < things, seeded by run.sh) and POST of one new thing, 20% POSTs in mode "mixed".
// Prints one JSON line: target and achieved rate, p50/p90/p99/p99.9/max ms, errors.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string token;
  std::string mode = "mixed";
  double rate = 20000;
  double seconds = 60;
  int connections = 16;
  int namespaces = 100;
  int things = 100;
  int write_percent = 20;
};

int64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void SleepUntil(int64_t ns) {
  timespec ts{};
  ts.tv_sec = ns / 1'000'000'000;
  ts.tv_nsec = ns % 1'000'000'000;
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "openloop: %s\n", message.c_str());
  std::exit(2);
}

int Connect(const Options& o) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  if (inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) Die("--host must be an IPv4 address: " + o.host);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval timeout{10, 0};  // a response that takes 10 s is a socket error
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  return fd;
}

bool SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Reads one HTTP/1.1 response with a Content-Length body. Returns its status, or -1 when the
// connection failed; `keep` is false when the server asked to close the connection.
int ReadResponse(int fd, std::string& buf, bool& keep) {
  buf.clear();
  size_t header_end = std::string::npos;
  char chunk[16384];
  while (header_end == std::string::npos) {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    buf.append(chunk, static_cast<size_t>(n));
    header_end = buf.find("\r\n\r\n");
  }
  if (buf.compare(0, 5, "HTTP/") != 0 || buf.size() < 12) return -1;
  int status = std::atoi(buf.c_str() + 9);
  std::string head = buf.substr(0, header_end);
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char ch) { return std::tolower(ch); });
  if (head.find("transfer-encoding: chunked") != std::string::npos) Die("chunked responses are not supported");
  size_t length = 0;
  if (auto at = head.find("content-length:"); at != std::string::npos) {
    length = std::strtoull(head.c_str() + at + 15, nullptr, 10);
  }
  keep = head.find("connection: close") == std::string::npos;
  size_t want = header_end + 4 + length;
  while (buf.size() < want) {
    ssize_t n = recv(fd, chunk, std::min(sizeof chunk, want - buf.size()), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    buf.append(chunk, static_cast<size_t>(n));
  }
  return status;
}

struct ConnResult {
  std::vector<int64_t> latency_ns;  // one per completed request, from its scheduled time
  int64_t max_wake_lag_ns = 0;      // how late the thread woke for a send (a busy machine)
  int64_t non_2xx = 0;
  int64_t socket_errors = 0;
};

void RunConnection(const Options& o, int index, int64_t t0, int64_t t_end, ConnResult& out) {
  std::mt19937_64 rng(0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(index + 1) ^ static_cast<uint64_t>(t0));
  const std::string host_header = "Host: " + o.host + ":" + std::to_string(o.port) + "\r\n";
  const std::string auth = "Authorization: Bearer " + o.token + "\r\n";
  const double interval_ns = 1e9 * o.connections / o.rate;
  const int64_t start = t0 + static_cast<int64_t>(1e9 * index / o.rate);
  int fd = Connect(o);
  std::string request, response;
  int64_t posted = 0;
  out.latency_ns.reserve(static_cast<size_t>(o.rate / o.connections * o.seconds * 1.05) + 16);
  for (int64_t j = 0;; ++j) {
    const int64_t scheduled = start + static_cast<int64_t>(interval_ns * static_cast<double>(j));
    if (scheduled >= t_end) break;
    if (NowNs() < scheduled) {  // idle until its turn: how late did this thread wake up?
      SleepUntil(scheduled);
      out.max_wake_lag_ns = std::max(out.max_wake_lag_ns, NowNs() - scheduled);
    }
    const auto ns = std::to_string(rng() % static_cast<uint64_t>(o.namespaces));
    const bool post = o.mode == "post" || (o.mode == "mixed" && static_cast<int>(rng() % 100) < o.write_percent);
    if (post) {
      std::string body = "{\"type\":\"event\",\"data\":{\"n\":" + std::to_string(++posted) + ",\"conn\":" +
                         std::to_string(index) + ",\"source\":\"openloop\",\"ok\":true}}";
      request = "POST /v1/namespaces/bench-" + ns + "/things HTTP/1.1\r\n" + host_header + auth +
                "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    } else {
      request = "GET /v1/namespaces/bench-" + ns + "/things/t" + std::to_string(rng() % static_cast<uint64_t>(o.things)) +
                " HTTP/1.1\r\n" + host_header + auth + "\r\n";
    }
    bool keep = true;
    int status = -1;
    if (fd >= 0 && SendAll(fd, request)) status = ReadResponse(fd, response, keep);
    if (status < 0) {
      ++out.socket_errors;
      if (fd >= 0) close(fd);
      fd = Connect(o);
      continue;
    }
    out.latency_ns.push_back(NowNs() - scheduled);
    if (status < 200 || status >= 300) ++out.non_2xx;
    if (!keep) {
      close(fd);
      fd = Connect(o);
    }
  }
  if (fd >= 0) close(fd);
}

double Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t at = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return static_cast<double>(sorted[std::min(at, sorted.size() - 1)]) / 1e6;
}

void Usage() {
  std::fprintf(stderr,
               "usage: thingsdb_openloop --port N [--host 127.0.0.1] [--token T] [--mode get|post|mixed]\n"
               "                         [--rate R] [--seconds S] [--connections C] [--namespaces N]\n"
               "                         [--things K] [--write-percent P]\n"
               "Sends R requests/s for S seconds over C keep-alive connections (one thread each) and\n"
               "prints latency percentiles measured from each request's scheduled time.\n");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      Usage();
      return 0;
    }
    if (i + 1 >= argc) {
      Usage();
      Die("missing value after " + arg);
    }
    std::string value = argv[++i];
    auto number = [&](double lo) {
      char* end = nullptr;
      double v = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0' || !(v >= lo)) Die(arg + " must be a number >= " + std::to_string(lo) + ", got '" + value + "'");
      return v;
    };
    if (arg == "--host") o.host = value;
    else if (arg == "--port") o.port = static_cast<int>(number(1));
    else if (arg == "--token") o.token = value;
    else if (arg == "--mode") o.mode = value;
    else if (arg == "--rate") o.rate = number(1);
    else if (arg == "--seconds") o.seconds = number(0.1);
    else if (arg == "--connections") o.connections = static_cast<int>(number(1));
    else if (arg == "--namespaces") o.namespaces = static_cast<int>(number(1));
    else if (arg == "--things") o.things = static_cast<int>(number(1));
    else if (arg == "--write-percent") o.write_percent = static_cast<int>(number(0));
    else {
      Usage();
      Die("unknown option " + arg);
    }
  }
  if (o.port == 0) Die("--port is required");
  if (o.mode != "get" && o.mode != "post" && o.mode != "mixed") Die("--mode must be get, post or mixed, got '" + o.mode + "'");

  std::vector<ConnResult> results(static_cast<size_t>(o.connections));
  std::vector<std::thread> threads;
  const int64_t t0 = NowNs() + 200'000'000;  // connections open before the first send
  const int64_t t_end = t0 + static_cast<int64_t>(o.seconds * 1e9);
  for (int c = 0; c < o.connections; ++c) {
    threads.emplace_back(RunConnection, std::cref(o), c, t0, t_end, std::ref(results[static_cast<size_t>(c)]));
  }
  for (auto& t : threads) t.join();
  const double elapsed = static_cast<double>(NowNs() - t0) / 1e9;

  std::vector<int64_t> all;
  int64_t non_2xx = 0, socket_errors = 0, max_lag = 0;
  for (auto& r : results) {
    all.insert(all.end(), r.latency_ns.begin(), r.latency_ns.end());
    non_2xx += r.non_2xx;
    socket_errors += r.socket_errors;
    max_lag = std::max(max_lag, r.max_wake_lag_ns);
  }
  std::sort(all.begin(), all.end());
  std::printf(
      "{\"mode\":\"%s\",\"client\":\"openloop\",\"target_per_s\":%.0f,\"requests\":%zu,\"seconds\":%.2f,"
      "\"requests_per_s\":%.0f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,"
      "\"client_max_wake_lag_ms\":%.3f,\"non_2xx\":%lld,\"socket_errors\":%lld}\n",
      o.mode.c_str(), o.rate, all.size(), elapsed, static_cast<double>(all.size()) / elapsed, Percentile(all, 50),
      Percentile(all, 90), Percentile(all, 99), Percentile(all, 99.9), all.empty() ? 0.0 : static_cast<double>(all.back()) / 1e6,
      static_cast<double>(max_lag) / 1e6, static_cast<long long>(non_2xx), static_cast<long long>(socket_errors));
  return 0;
}
