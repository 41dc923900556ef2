// Open-loop load generator for `thingsdb serve`: sends requests at a fixed rate and measures
// each one's latency from the time it was *scheduled*, not the time it was sent (as wrk2 and
// vegeta do), so a stalled server — or a paused machine — is charged for every request it held
// back. wrk (closed loop) measures the server at saturation; this measures latency at a given
// throughput, which is what a target like "20K GETs/s with p99 < 10 ms" asks.
//
// Schedule: request i is due at t0 + i / rate. When it is due it goes to an idle keep-alive
// connection; when none is idle it waits in a FIFO and goes to the next connection that frees
// up, and the wait counts in its latency (from its scheduled time to the last byte of its
// response). One event loop per thread (--threads, default 1: the client should take as little
// CPU as it can from the server it measures on the same machine): epoll over non-blocking
// TCP_NODELAY sockets, sleeping in epoll_pwait2 until the next request is due or a socket is
// ready; a loop that wakes late sends every request that is due and records how late it was
// (client_max_wake_lag_ms). With N threads, thread t owns connections c ≡ t (mod N) and
// requests i ≡ t (mod N).
//
// Responses are parsed as HTTP/1.1 (status line, headers, a Content-Length, chunked or
// close-delimited body; they may come in several reads). A failed connect, read or write, an
// EOF in the middle of a response or a response that takes more than 10 s counts as a socket
// error; the request is dropped and the connection reopened (a connection that fails to
// reopen retries every 50 ms, an error each time). A response with `Connection: close`
// reopens the connection without an error. After the last scheduled request the loop waits
// up to 15 s for the answers (or until every connection is down), then counts what is left
// as socket errors.
//
// The requests are those of mixed.lua: GET /v1/namespaces/bench-N/things/tK (N < namespaces,
// K < things, seeded by run.sh) and POST of one new thing, 20% POSTs in mode "mixed".
// Prints one JSON line: target and achieved rate, p50/p90/p99/p99.9/max ms, errors.
// POSIX and Linux (epoll) calls and the C++ standard library only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

constexpr int64_t kResponseTimeoutNs = 10'000'000'000;  // a response that takes 10 s is a socket error
constexpr int64_t kTickNs = 50'000'000;                  // timeouts and reconnects are checked this often
constexpr int64_t kDrainNs = 15'000'000'000;             // after the last send, wait this long for answers

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string token;
  std::string mode = "mixed";
  double rate = 20000;
  double seconds = 60;
  int connections = 16;
  int threads = 1;
  int namespaces = 100;
  int things = 100;
  int write_percent = 20;
};

int64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "openloop: %s\n", message.c_str());
  std::exit(2);
}

sockaddr_in Address(const Options& o) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  if (inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) Die("--host must be an IPv4 address: " + o.host);
  return addr;
}

// A non-blocking TCP_NODELAY socket with connect() started. Returns the fd and sets `done`
// when the connection is already up (usual on loopback); -1 with errno set when it failed.
int StartConnect(const sockaddr_in& addr, bool& done) {
  done = false;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
    done = true;
    return fd;
  }
  if (errno == EINPROGRESS) return fd;
  int saved = errno;
  close(fd);
  errno = saved;
  return -1;
}

int SocketError(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

// The first connections, before the clock starts: a server that is not there is an error.
int ConnectOrDie(const Options& o, const sockaddr_in& addr) {
  bool done = false;
  int fd = StartConnect(addr, done);
  int err = fd < 0 ? errno : 0;
  if (fd >= 0 && !done) {
    pollfd p{fd, POLLOUT, 0};
    int n = poll(&p, 1, 5000);
    err = n == 0 ? ETIMEDOUT : n < 0 ? errno : SocketError(fd);
  }
  if (err != 0) {
    if (fd >= 0) close(fd);
    Die("cannot connect to " + o.host + ":" + std::to_string(o.port) + ": " + std::strerror(err) +
        " (is `thingsdb serve` running on that port?)");
  }
  return fd;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

bool IContains(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (IEquals(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Incremental parser of one HTTP/1.x response held in a buffer that grows as reads arrive.
struct ResponseParser {
  enum class Result { kIncomplete, kComplete, kBad };
  enum class Body { kLength, kChunked, kUntilClose };

  size_t head_start = 0;  // where the response's status line starts in the buffer
  size_t scanned = 0;     // where to resume looking for the end of the head
  size_t body_start = 0;
  bool head_done = false;
  int status = 0;
  bool close = false;  // the server closes the connection after this response
  Body body = Body::kLength;
  size_t length = 0;
  size_t end = 0;  // with kComplete: the response's size in the buffer

  void Reset() { *this = ResponseParser{}; }

  Result Parse(const std::string& buf) {
    while (!head_done) {
      size_t at = buf.find("\r\n\r\n", scanned);
      if (at == std::string::npos) {
        scanned = buf.size() < 3 ? 0 : buf.size() - 3;
        return buf.size() > 65536 ? Result::kBad : Result::kIncomplete;
      }
      if (!ParseHead(std::string_view(buf).substr(0, at + 2))) return Result::kBad;
      body_start = at + 4;
      if (status >= 100 && status < 200) {  // an interim response (100 Continue): skip it
        head_start = scanned = body_start;
        continue;
      }
      head_done = true;
    }
    switch (body) {
      case Body::kLength:
        if (buf.size() - body_start < length) return Result::kIncomplete;
        end = body_start + length;
        return Result::kComplete;
      case Body::kChunked:
        return ParseChunks(buf);
      case Body::kUntilClose:
        return Result::kIncomplete;  // complete at EOF
    }
    return Result::kBad;
  }

  // The head from head_start (status line and headers, each line ending in CRLF).
  bool ParseHead(std::string_view all) {
    std::string_view head = all.substr(head_start);
    size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    // "HTTP/1.1 200 OK"
    if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || line[8] != ' ') return false;
    if (std::from_chars(line.data() + 9, line.data() + 12, status).ptr != line.data() + 12) return false;
    bool http10 = line.substr(5, 3) == "1.0";
    bool keep_alive_header = false;
    bool has_length = false, chunked = false;
    close = false;
    for (head.remove_prefix(eol + 2); !head.empty();) {
      eol = head.find("\r\n");
      line = head.substr(0, eol);
      head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) return false;
      std::string_view name = Trim(line.substr(0, colon)), value = Trim(line.substr(colon + 1));
      if (IEquals(name, "content-length")) {
        if (std::from_chars(value.data(), value.data() + value.size(), length).ptr != value.data() + value.size()) return false;
        has_length = true;
      } else if (IEquals(name, "transfer-encoding")) {
        chunked = IContains(value, "chunked");
      } else if (IEquals(name, "connection")) {
        if (IContains(value, "close")) close = true;
        if (IContains(value, "keep-alive")) keep_alive_header = true;
      }
    }
    if (http10 && !keep_alive_header) close = true;
    if (chunked) {
      body = Body::kChunked;
    } else if (has_length) {
      body = Body::kLength;
    } else if (status == 204 || status == 304 || (status >= 100 && status < 200)) {
      body = Body::kLength;
      length = 0;
    } else {
      body = Body::kUntilClose;
      close = true;
    }
    return true;
  }

  // Chunks from body_start: "<hex size>[;ext]\r\n<data>\r\n" ... "0\r\n" [trailers] "\r\n".
  Result ParseChunks(const std::string& buf) {
    size_t at = body_start;
    for (;;) {
      size_t eol = buf.find("\r\n", at);
      if (eol == std::string::npos) return Result::kIncomplete;
      size_t size = 0;
      auto [ptr, ec] = std::from_chars(buf.data() + at, buf.data() + eol, size, 16);
      if (ec != std::errc() || ptr == buf.data() + at) return Result::kBad;
      at = eol + 2;
      if (size == 0) break;
      if (buf.size() < at + size + 2) return Result::kIncomplete;
      if (buf.compare(at + size, 2, "\r\n") != 0) return Result::kBad;
      at += size + 2;
    }
    for (;;) {  // trailers, up to the empty line
      size_t eol = buf.find("\r\n", at);
      if (eol == std::string::npos) return Result::kIncomplete;
      bool empty = eol == at;
      at = eol + 2;
      if (empty) break;
    }
    end = at;
    return Result::kComplete;
  }
};

void AppendInt(std::string& s, uint64_t v) {
  char digits[24];
  auto [ptr, ec] = std::to_chars(digits, digits + sizeof digits, v);
  s.append(digits, ptr);
}

struct Result {
  std::vector<int64_t> latency_ns;  // one per completed request, from its scheduled time
  int64_t max_wake_lag_ns = 0;      // how late the loop released a due request (a busy machine)
  int64_t non_2xx = 0;
  int64_t socket_errors = 0;
};

// One event loop: its connections and every `stride`-th request of the global schedule.
class Loop {
 public:
  Loop(const Options& o, const sockaddr_in& addr, int first, int stride, int64_t t0, int64_t t_end,
       std::vector<std::pair<int, int>> conns, Result& out)
      : o_(o), addr_(addr), first_(first), stride_(stride), t0_(t0), t_end_(t_end), out_(out),
        rng_(0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(first + 1) ^ static_cast<uint64_t>(t0)) {
    ns_per_request_ = 1e9 / o.rate;
    post_only_ = o.mode == "post";
    mixed_ = o.mode == "mixed";
    host_header_ = "Host: " + o.host + ":" + std::to_string(o.port) + "\r\n";
    auth_header_ = "Authorization: Bearer " + o.token + "\r\n";
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) Die(std::string("epoll_create1: ") + std::strerror(errno));
    conns_.resize(conns.size());
    for (size_t k = 0; k < conns.size(); ++k) {
      Conn& c = conns_[k];
      c.index = conns[k].first;
      c.fd = conns[k].second;
      c.out.reserve(512);
      c.in.reserve(4096);
      Watch(c, EPOLLIN, EPOLL_CTL_ADD);
      SetIdle(c);
    }
    int64_t expected = static_cast<int64_t>(o.rate * o.seconds / stride) + 16;
    out_.latency_ns.reserve(static_cast<size_t>(expected));
  }

  ~Loop() {
    for (Conn& c : conns_) {
      if (c.fd >= 0) close(c.fd);
    }
    close(epoll_);
  }

  void Run() {
    std::vector<epoll_event> events(std::max<size_t>(64, conns_.size()));
    int64_t now = NowNs();
    int64_t next_tick = now + kTickNs;
    for (;;) {
      // Release every request that is due; the first one released is the latest.
      if (Due(released_) <= now && Due(released_) < t_end_) {
        out_.max_wake_lag_ns = std::max(out_.max_wake_lag_ns, now - Due(released_));
        do ++released_;
        while (Due(released_) <= now && Due(released_) < t_end_);
      }
      // Hand them out in order, one to each idle connection; the rest wait.
      while (sent_ < released_ && !idle_.empty()) {
        auto [k, generation] = idle_.front();
        idle_.pop_front();
        Conn& c = conns_[static_cast<size_t>(k)];
        if (c.state == State::kIdle && c.generation == generation) Send(c, sent_++);
      }
      const bool schedule_done = Due(released_) >= t_end_;
      if (schedule_done && sent_ == released_ && busy_ == 0) break;
      if (schedule_done && (now >= t_end_ + kDrainNs || (busy_ == 0 && AllDown()))) {
        out_.socket_errors += (released_ - sent_) + busy_;  // never answered, or never sent
        break;
      }
      if (now >= next_tick) {
        Tick(now);
        next_tick = now + kTickNs;
      }
      int64_t wake = next_tick;
      if (!schedule_done) wake = std::min(wake, Due(released_));
      if (schedule_done) wake = std::min(wake, t_end_ + kDrainNs);
      int64_t wait = std::max<int64_t>(0, wake - now);
      timespec timeout{static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
      int n = epoll_pwait2(epoll_, events.data(), static_cast<int>(events.size()), &timeout, nullptr);
      if (n < 0 && errno != EINTR) Die(std::string("epoll_pwait2: ") + std::strerror(errno));
      for (int e = 0; e < n; ++e) Handle(conns_[events[static_cast<size_t>(e)].data.u64], events[static_cast<size_t>(e)].events);
      now = NowNs();
    }
  }

 private:
  enum class State { kDown, kConnecting, kIdle, kBusy };

  struct Conn {
    int index = 0;  // the connection's number among all threads' (the POST bodies' "conn")
    int fd = -1;
    State state = State::kDown;
    uint32_t generation = 0;  // tells a stale entry of idle_ from a current one
    uint32_t watching = 0;    // the epoll events registered
    int64_t since = 0;        // when the request was sent / the connect started / the retry is due
    int64_t scheduled = 0;    // the request in flight: its scheduled time
    std::string out;          // the request in flight; out_sent of its bytes are sent
    size_t out_sent = 0;
    std::string in;  // the response read so far
    ResponseParser parser;
  };

  // Every connection failed to reconnect (the server is gone): what waits will not be sent.
  bool AllDown() const {
    return std::all_of(conns_.begin(), conns_.end(), [](const Conn& c) { return c.state == State::kDown; });
  }

  int64_t Due(int64_t k) const {
    return t0_ + static_cast<int64_t>(static_cast<double>(first_ + k * stride_) * ns_per_request_);
  }

  void Watch(Conn& c, uint32_t events, int op) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = static_cast<uint64_t>(&c - conns_.data());
    if (epoll_ctl(epoll_, op, c.fd, &ev) != 0) Die(std::string("epoll_ctl: ") + std::strerror(errno));
    c.watching = events;
  }

  void SetIdle(Conn& c) {
    c.state = State::kIdle;
    ++c.generation;
    idle_.emplace_back(static_cast<int>(&c - conns_.data()), c.generation);
  }

  // Closes the connection and opens a new one; `error` counts a socket error (and drops the
  // request in flight).
  void Reopen(Conn& c, bool error) {
    if (error) ++out_.socket_errors;
    if (c.state == State::kBusy) --busy_;
    if (c.fd >= 0) close(c.fd);  // also removes it from the epoll set
    c.fd = -1;
    c.in.clear();
    c.out.clear();
    bool done = false;
    c.fd = StartConnect(addr_, done);
    c.since = NowNs();
    if (c.fd < 0) {
      ++out_.socket_errors;
      c.state = State::kDown;  // Tick() tries again
      return;
    }
    if (done) {
      Watch(c, EPOLLIN, EPOLL_CTL_ADD);
      SetIdle(c);
    } else {
      c.state = State::kConnecting;
      Watch(c, EPOLLOUT, EPOLL_CTL_ADD);
    }
  }

  // Response timeouts, stuck connects and reconnects of connections that are down.
  void Tick(int64_t now) {
    for (Conn& c : conns_) {
      if (c.state == State::kDown && now - c.since >= kTickNs) Reopen(c, false);
      else if ((c.state == State::kBusy || c.state == State::kConnecting) && now - c.since >= kResponseTimeoutNs) {
        if (c.state == State::kConnecting) {
          ++out_.socket_errors;
          close(c.fd);
          c.fd = -1;
          c.state = State::kDown;
          c.since = now;
        } else {
          Reopen(c, true);
        }
      }
    }
  }

  void BuildRequest(Conn& c, int64_t k) {
    const uint64_t i = static_cast<uint64_t>(first_ + k * stride_);
    std::string& r = c.out;
    r.clear();
    const uint64_t ns = rng_() % static_cast<uint64_t>(o_.namespaces);
    const bool post = post_only_ || (mixed_ && static_cast<int>(rng_() % 100) < o_.write_percent);
    if (post) {
      body_.clear();
      body_ += "{\"type\":\"event\",\"data\":{\"n\":";
      AppendInt(body_, i + 1);
      body_ += ",\"conn\":";
      AppendInt(body_, static_cast<uint64_t>(c.index));
      body_ += ",\"source\":\"openloop\",\"ok\":true}}";
      r += "POST /v1/namespaces/bench-";
      AppendInt(r, ns);
      r += "/things HTTP/1.1\r\n";
      r += host_header_;
      r += auth_header_;
      r += "Content-Type: application/json\r\nContent-Length: ";
      AppendInt(r, body_.size());
      r += "\r\n\r\n";
      r += body_;
    } else {
      r += "GET /v1/namespaces/bench-";
      AppendInt(r, ns);
      r += "/things/t";
      AppendInt(r, rng_() % static_cast<uint64_t>(o_.things));
      r += " HTTP/1.1\r\n";
      r += host_header_;
      r += auth_header_;
      r += "\r\n";
    }
  }

  void Send(Conn& c, int64_t k) {
    BuildRequest(c, k);
    c.state = State::kBusy;
    ++busy_;
    c.scheduled = Due(k);
    c.since = NowNs();
    c.out_sent = 0;
    c.in.clear();
    c.parser.Reset();
    Flush(c);
  }

  // Sends what is left of the request: all of it in one send() unless the socket is full.
  void Flush(Conn& c) {
    while (c.out_sent < c.out.size()) {
      ssize_t n = send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!(c.watching & EPOLLOUT)) Watch(c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
        return;
      }
      Reopen(c, true);
      return;
    }
    if (c.watching & EPOLLOUT) Watch(c, EPOLLIN, EPOLL_CTL_MOD);
  }

  void Handle(Conn& c, uint32_t events) {
    if (c.fd < 0) return;
    if (c.state == State::kConnecting) {
      if (int err = SocketError(c.fd); err != 0) {
        ++out_.socket_errors;
        close(c.fd);
        c.fd = -1;
        c.state = State::kDown;
        c.since = NowNs();
        return;
      }
      Watch(c, EPOLLIN, EPOLL_CTL_MOD);
      SetIdle(c);
      return;
    }
    if ((events & EPOLLOUT) && c.state == State::kBusy && c.out_sent < c.out.size()) {
      Flush(c);
      if (c.state != State::kBusy) return;
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) Read(c);
  }

  void Read(Conn& c) {
    ssize_t n = recv(c.fd, scratch_, sizeof scratch_, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      Reopen(c, c.state == State::kBusy);  // a reset of an idle connection loses nothing
      return;
    }
    if (n == 0) {  // EOF
      if (c.state != State::kBusy) {
        Reopen(c, false);  // the server closed an idle keep-alive connection
      } else if (c.parser.head_done && c.parser.body == ResponseParser::Body::kUntilClose) {
        c.parser.end = c.in.size();
        Complete(c);
      } else {
        Reopen(c, true);  // EOF before the response was complete
      }
      return;
    }
    if (c.state != State::kBusy) {  // bytes nobody asked for
      Reopen(c, true);
      return;
    }
    c.in.append(scratch_, static_cast<size_t>(n));
    switch (c.parser.Parse(c.in)) {
      case ResponseParser::Result::kIncomplete:
        return;
      case ResponseParser::Result::kBad:
        Reopen(c, true);
        return;
      case ResponseParser::Result::kComplete:
        Complete(c);
        return;
    }
  }

  void Complete(Conn& c) {
    out_.latency_ns.push_back(NowNs() - c.scheduled);
    if (c.parser.status < 200 || c.parser.status >= 300) ++out_.non_2xx;
    if (c.parser.close) {
      Reopen(c, false);
      return;
    }
    if (c.parser.end != c.in.size()) {  // more than one response to one request
      Reopen(c, true);
      return;
    }
    if (c.watching & EPOLLOUT) Watch(c, EPOLLIN, EPOLL_CTL_MOD);  // answered before fully sent
    --busy_;
    SetIdle(c);
  }

  const Options& o_;
  const sockaddr_in addr_;
  const int first_;
  const int stride_;
  const int64_t t0_;
  const int64_t t_end_;
  Result& out_;
  std::mt19937_64 rng_;
  double ns_per_request_ = 0;
  bool post_only_ = false;
  bool mixed_ = false;
  std::string host_header_, auth_header_, body_;
  int epoll_ = -1;
  std::vector<Conn> conns_;
  std::deque<std::pair<int, uint32_t>> idle_;  // FIFO: every connection gets its turn
  int64_t released_ = 0;  // requests of this loop that are due (local numbering)
  int64_t sent_ = 0;      // of those, handed to a connection
  int64_t busy_ = 0;      // connections with a request in flight
  char scratch_[65536];
};

double Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t at = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return static_cast<double>(sorted[std::min(at, sorted.size() - 1)]) / 1e6;
}

void Usage(FILE* to) {
  std::fprintf(to,
               "usage: thingsdb_openloop --port N [--host 127.0.0.1] [--token T] [--mode get|post|mixed]\n"
               "                         [--rate R] [--seconds S] [--connections C] [--threads N]\n"
               "                         [--namespaces NS] [--things K] [--write-percent P]\n"
               "Sends R requests/s (default 20000) for S seconds (default 60) to `thingsdb serve`, request i\n"
               "at t0 + i/R whatever the server does, over C keep-alive connections (default 16) driven by\n"
               "N epoll threads (default 1). A request that is due while every connection is busy waits\n"
               "for the next free one. Latency counts from each request's scheduled time to the end of\n"
               "its response.\n"
               "  --mode get    GET /v1/namespaces/bench-<0..NS-1>/things/t<0..K-1> (things run.sh seeds)\n"
               "  --mode post   POST /v1/namespaces/bench-<0..NS-1>/things, a small JSON thing\n"
               "  --mode mixed  P%% POSTs (default 20), the rest GETs (default mode)\n"
               "  --token T     sent as 'Authorization: Bearer T'\n"
               "Prints one JSON line: mode, client, target_per_s, requests (completed), seconds,\n"
               "requests_per_s, p50_ms, p90_ms, p99_ms, p999_ms, max_ms, client_max_wake_lag_ms (how late\n"
               "the client released a due request), non_2xx, socket_errors (failed connects, reads or\n"
               "writes, EOF mid-response, responses slower than 10 s). Exits 2 on bad options or when\n"
               "the server cannot be reached at the start.\n");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      Usage(stdout);
      return 0;
    }
    if (i + 1 >= argc) {
      Usage(stderr);
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
    else if (arg == "--threads") o.threads = static_cast<int>(number(1));
    else if (arg == "--namespaces") o.namespaces = static_cast<int>(number(1));
    else if (arg == "--things") o.things = static_cast<int>(number(1));
    else if (arg == "--write-percent") o.write_percent = static_cast<int>(number(0));
    else {
      Usage(stderr);
      Die("unknown option " + arg);
    }
  }
  if (o.port == 0) Die("--port is required");
  if (o.port > 65535) Die("--port must be at most 65535");
  if (o.mode != "get" && o.mode != "post" && o.mode != "mixed") Die("--mode must be get, post or mixed, got '" + o.mode + "'");
  o.threads = std::min(o.threads, o.connections);  // every thread owns a connection

  const sockaddr_in addr = Address(o);
  std::vector<std::vector<std::pair<int, int>>> owned(static_cast<size_t>(o.threads));  // (number, fd)
  for (int c = 0; c < o.connections; ++c) owned[static_cast<size_t>(c % o.threads)].emplace_back(c, ConnectOrDie(o, addr));

  std::vector<Result> results(static_cast<size_t>(o.threads));
  std::vector<std::thread> threads;
  const int64_t t0 = NowNs() + 50'000'000;  // the threads are up before the first send
  const int64_t t_end = t0 + static_cast<int64_t>(o.seconds * 1e9);
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&o, &addr, &owned, &results, t, t0, t_end] {
      Loop loop(o, addr, t, o.threads, t0, t_end, std::move(owned[static_cast<size_t>(t)]), results[static_cast<size_t>(t)]);
      loop.Run();
    });
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
