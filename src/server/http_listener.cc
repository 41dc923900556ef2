#include "server/http_listener.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/text.h"

namespace thingsdb::server {
namespace {

constexpr int64_t kClaimed = -1;  // Connection::deadline: the sweeper closes it
constexpr size_t kMaxHeaders = 100;
constexpr size_t kReadChunk = 16 * 1024;
// A response body up to this size is copied behind its head: one send(2) per answer.
constexpr size_t kCoalesceBytes = 64 * 1024;

int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t Ns(std::chrono::milliseconds ms) { return ms.count() * 1'000'000; }

// RFC 9110 tchar: letters, digits and these.
bool IsTokenChar(unsigned char c) {
  static constexpr std::string_view kPunctuation = "!#$%&'*+-.^_`|~";
  return std::isalnum(c) ||
         (c != 0 && kPunctuation.find(static_cast<char>(c)) != std::string_view::npos);
}

// True when every byte of `text` is a tchar (a method or a header name, when not empty).
bool IsToken(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return IsTokenChar(static_cast<unsigned char>(c)); });
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Calls fn on each comma-separated, trimmed element of a header value.
template <typename Fn>
void ForEachToken(std::string_view value, Fn fn) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    fn(Trim(value.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
}

std::string_view ReasonPhrase(int status) {
  static constexpr std::pair<int, std::string_view> kPhrases[] = {
      {100, "Continue"},
      {200, "OK"},
      {201, "Created"},
      {202, "Accepted"},
      {204, "No Content"},
      {304, "Not Modified"},
      {400, "Bad Request"},
      {401, "Unauthorized"},
      {403, "Forbidden"},
      {404, "Not Found"},
      {405, "Method Not Allowed"},
      {408, "Request Timeout"},
      {409, "Conflict"},
      {411, "Length Required"},
      {412, "Precondition Failed"},
      {413, "Payload Too Large"},
      {415, "Unsupported Media Type"},
      {422, "Unprocessable Content"},
      {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"},
      {500, "Internal Server Error"},
      {501, "Not Implemented"},
      {503, "Service Unavailable"},
      {505, "HTTP Version Not Supported"},
  };
  for (const auto& [code, phrase] : kPhrases) {
    if (code == status) return phrase;
  }
  return status < 400 ? "OK" : status < 500 ? "Bad Request" : "Internal Server Error";
}

void ParseQuery(std::string_view text, std::multimap<std::string, std::string>* query) {
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    if (!key.empty()) query->emplace(PercentDecode(key, true), PercentDecode(value, true));
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
}

HeadParse Fail(int status, std::string message) {
  HeadParse out;
  out.state = HeadParse::kError;
  out.error_status = status;
  out.error = std::move(message);
  return out;
}

// Parses "METHOD SP target SP HTTP/1.x" into `request`; kError with the reason when it is
// not one (the state is not kDone otherwise: the caller goes on with the headers).
HeadParse ParseRequestLine(std::string_view line, HttpRequest* request) {
  size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) {
    return Fail(400, "the request line is not 'METHOD target HTTP/1.1'");
  }
  std::string_view method = line.substr(0, sp1);
  if (!IsToken(method)) return Fail(400, "the request method has a character no method has");
  size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) {
    return Fail(400, "the request line is not 'METHOD target HTTP/1.1'");
  }
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  for (unsigned char c : target) {
    if (c <= 0x20 || c >= 0x7f) return Fail(400, "the request target has a space or control byte");
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" ||
      !std::isdigit(static_cast<unsigned char>(version[5])) || version[6] != '.' ||
      !std::isdigit(static_cast<unsigned char>(version[7]))) {
    return Fail(400, "the request line does not end in an HTTP version");
  }
  if (version[5] != '1') return Fail(505, fmt::format("{} is not served; use HTTP/1.1", version));
  request->method.assign(method);
  request->target.assign(target);
  request->version_minor = version[7] - '0';
  std::string_view path = target;
  if (path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0) {
    size_t slash = path.find('/', path.find("//") + 2);
    path = slash == std::string_view::npos ? "/" : path.substr(slash);
  } else if (path != "*" && path.front() != '/') {
    return Fail(400, "the request target must be a path starting with '/'");
  }
  size_t question = path.find('?');
  if (question != std::string_view::npos) {
    ParseQuery(path.substr(question + 1), &request->query);
    path = path.substr(0, question);
  }
  size_t hash = path.find('#');
  request->path = PercentDecode(path.substr(0, hash), false);
  return HeadParse{};
}

}  // namespace

std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = HexDigitValue(text[i + 1]);
      int lo = HexDigitValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

HeadParse ParseRequestHead(std::string_view data, size_t max_head_bytes, HttpRequest* request) {
  // Empty lines before the request line are ignored (RFC 9112 2.2).
  size_t start = 0;
  while (start < data.size() && (data[start] == '\r' || data[start] == '\n')) ++start;
  size_t pos = start;
  bool first = true;
  HeadParse out;
  for (;;) {
    size_t newline = data.find('\n', pos);
    if (newline == std::string_view::npos) {
      if (data.size() - start > max_head_bytes) {
        return Fail(431, fmt::format("the request head exceeds {} bytes", max_head_bytes));
      }
      // Not HTTP at all (a TLS handshake, say) is refused at once, not at the read timeout.
      if (first && !IsToken(data.substr(start, data.find(' ', start) - start))) {
        return Fail(400, "the request method has a character no method has");
      }
      return out;  // kIncomplete
    }
    if (newline + 1 - start > max_head_bytes) {
      return Fail(431, fmt::format("the request head exceeds {} bytes", max_head_bytes));
    }
    std::string_view line = data.substr(pos, newline - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = newline + 1;
    if (first) {
      first = false;
      HeadParse parsed = ParseRequestLine(line, request);
      if (parsed.state == HeadParse::kError) return parsed;
      continue;
    }
    if (line.empty()) {
      out.state = HeadParse::kDone;
      out.head_bytes = pos;
      return out;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      return Fail(400, "folded header lines are not accepted");
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Fail(400, "a header line has no 'name:'");
    }
    std::string_view name = line.substr(0, colon);
    if (!IsToken(name)) return Fail(400, "a header name has a character no name has");
    std::string_view value = Trim(line.substr(colon + 1));
    for (unsigned char c : value) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return Fail(400, fmt::format("header '{}' has a control byte", name));
      }
    }
    if (request->headers.size() >= kMaxHeaders) {
      return Fail(431, fmt::format("the request has more than {} headers", kMaxHeaders));
    }
    request->headers.emplace_back(std::string(name), std::string(value));
  }
}

Framing RequestFraming(const HttpRequest& request, uint64_t max_body_bytes) {
  Framing out;
  out.keep_alive = request.version_minor >= 1;
  bool has_length = false;
  for (const auto& [name, value] : request.headers) {
    if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      out.error_status = 411;
      out.error = "chunked bodies are not accepted; send Content-Length";
      return out;
    }
    if (EqualsIgnoreCase(name, "Content-Length")) {
      uint64_t length = 0;
      bool digits = !value.empty() && value.size() <= 18;
      for (char c : value) {
        if (c < '0' || c > '9') digits = false;
      }
      if (!digits) {
        out.error_status = 400;
        out.error = "Content-Length is not a number of bytes";
        return out;
      }
      for (char c : value) length = length * 10 + static_cast<uint64_t>(c - '0');
      if (has_length && length != out.content_length) {
        out.error_status = 400;
        out.error = "the request has two different Content-Length headers";
        return out;
      }
      has_length = true;
      out.content_length = length;
    } else if (EqualsIgnoreCase(name, "Connection")) {
      ForEachToken(value, [&](std::string_view token) {
        if (EqualsIgnoreCase(token, "close")) out.keep_alive = false;
        if (EqualsIgnoreCase(token, "keep-alive") && request.version_minor == 0)
          out.keep_alive = true;
      });
    } else if (EqualsIgnoreCase(name, "Expect")) {
      out.expect_continue = EqualsIgnoreCase(value, "100-continue");
    }
  }
  if (out.content_length > max_body_bytes) {
    out.error_status = 413;
    out.error = fmt::format("the body exceeds {} bytes", max_body_bytes);
  }
  return out;
}

struct HttpListener::Connection {
  explicit Connection(int fd_in) : fd(fd_in) {}
  ~Connection() { ::close(fd); }
  const int fd;
  std::string in;  // read, not yet consumed
  size_t requests = 0;
  int64_t request_start_ns = 0;  // when the first byte of the pending request arrived
  // Steady-clock ns after which the sweeper may close this armed connection; 0 while a
  // worker owns it; kClaimed once the sweeper did (whoever then takes it closes it).
  std::atomic<int64_t> deadline{0};
};

HttpListener::HttpListener(HttpListenerOptions options, Handler handler, ErrorHandler on_error)
    : options_(std::move(options)), handler_(std::move(handler)), on_error_(std::move(on_error)) {}

Result<std::unique_ptr<HttpListener>> HttpListener::Bind(HttpListenerOptions options,
                                                         Handler handler, ErrorHandler on_error) {
  if (options.threads < 1) return Status::InvalidArgument("threads must be at least 1");
  std::unique_ptr<HttpListener> listener(
      new HttpListener(std::move(options), std::move(handler), std::move(on_error)));
  const HttpListenerOptions& o = listener->options_;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(o.port);
  int rc = ::getaddrinfo(o.host.empty() ? nullptr : o.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) {
    return Status::IOError(fmt::format("cannot bind {}:{}: {}", o.host, o.port, gai_strerror(rc)));
  }
  std::string error = "no address";
  for (addrinfo* ai = found; ai; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    // SO_REUSEADDR only: a restarted server binds at once, yet a port another server
    // listens on is an error (SO_REUSEPORT would have shared it).
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, o.listen_backlog) == 0) {
      listener->listen_fd_ = fd;
      break;
    }
    error = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  if (listener->listen_fd_ < 0) {
    return Status::IOError(fmt::format(
        "cannot bind {}:{} ({}: in use, or not an address of this host)", o.host, o.port, error));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  if (::getsockname(listener->listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    listener->port_ = bound.ss_family == AF_INET6
                          ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                          : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
  listener->epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  listener->wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (listener->epoll_fd_ < 0 || listener->wake_fd_ < 0) {
    return Status::IOError(fmt::format("cannot create the epoll set: {}", std::strerror(errno)));
  }
  epoll_event wake{};
  wake.events = EPOLLIN;  // level-triggered: every worker sees it once it is set
  wake.data.ptr = nullptr;
  if (::epoll_ctl(listener->epoll_fd_, EPOLL_CTL_ADD, listener->wake_fd_, &wake) != 0) {
    return Status::IOError(fmt::format("cannot watch the wake-up fd: {}", std::strerror(errno)));
  }
  return listener;
}

HttpListener::~HttpListener() {
  Stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void HttpListener::Stop() {
  if (stopping_.exchange(true)) return;
  std::lock_guard<std::mutex> lock(mu_);
  // Wakes accept(2); Run() closes the socket (under the same lock).
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
  changed_.notify_all();
}

void HttpListener::Run() {
  running_ = true;
  std::vector<std::thread> workers;
  for (int idx = 0; idx < options_.threads; ++idx) workers.emplace_back([this] { WorkerLoop(); });
  std::thread sweeper([this] { SweepLoop(); });
  if (!stopping_) AcceptLoop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  // Drain: answer what is in flight (keep-alive requests that arrive meanwhile too, each
  // with Connection: close), then hang up on every idle connection.
  {
    std::unique_lock<std::mutex> lock(mu_);
    // Answer() notifies under mu_ when the last request in flight ends after Stop().
    changed_.wait(lock, [this] { return busy_.load() == 0; });
    closing_ = true;
    for (auto& [raw, conn] : connections_) {
      int64_t deadline = conn->deadline.load();
      if (deadline > 0 && conn->deadline.compare_exchange_strong(deadline, kClaimed)) {
        ::shutdown(conn->fd, SHUT_RDWR);
      }
    }
    changed_.wait_for(lock, options_.read_timeout + options_.write_timeout,
                      [this] { return connections_.empty(); });
  }
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof(one));
  for (auto& worker : workers) worker.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    connections_.clear();  // whatever a stuck client kept open
    sweep_stop_ = true;
  }
  sweep_cv_.notify_all();
  sweeper.join();
  running_ = false;
}

void HttpListener::AcceptLoop() {
  while (!stopping_) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      changed_.wait(lock, [this] {
        return connections_.size() < options_.max_connections || stopping_.load();
      });
    }
    if (stopping_) break;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_) break;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // out of descriptors
      }
      continue;  // EINTR, ECONNABORTED, ...
    }
    int yes = 1;
    // Else every answer waits ~40 ms on the client's delayed ACK.
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
    auto conn = std::make_unique<Connection>(fd);
    Connection* raw = conn.get();
    raw->deadline = SteadyNs() + Ns(options_.keep_alive_timeout);
    {
      std::lock_guard<std::mutex> lock(mu_);
      connections_.emplace(raw, std::move(conn));
    }
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    event.data.ptr = raw;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
      if (raw->deadline.exchange(0) != kClaimed) Close(raw, false);
    }
  }
}

void HttpListener::WorkerLoop() {
  epoll_event event{};
  for (;;) {
    int ready = ::epoll_wait(epoll_fd_, &event, 1, -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0 || event.data.ptr == nullptr) return;  // the wake-up fd: exit
    Serve(static_cast<Connection*>(event.data.ptr));
  }
}

void HttpListener::SweepLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!sweep_stop_) {
    sweep_cv_.wait_for(lock, std::chrono::milliseconds(100));
    int64_t now = SteadyNs();
    for (auto& [raw, conn] : connections_) {
      int64_t deadline = conn->deadline.load();
      if (deadline > 0 && deadline < now &&
          conn->deadline.compare_exchange_strong(deadline, kClaimed)) {
        // The worker that takes the hang-up closes it (the descriptor stays valid until then).
        ::shutdown(conn->fd, SHUT_RDWR);
      }
    }
  }
}

void HttpListener::Serve(Connection* conn) {
  if (conn->deadline.exchange(0) == kClaimed || closing_) {
    Close(conn, false);
    return;
  }
  bool eof = false;
  char buffer[kReadChunk];
  for (;;) {
    ssize_t got = ::recv(conn->fd, buffer, sizeof(buffer), 0);
    if (got > 0) {
      if (conn->in.empty()) conn->request_start_ns = SteadyNs();
      conn->in.append(buffer, static_cast<size_t>(got));
      if (static_cast<size_t>(got) < sizeof(buffer)) break;
      if (conn->in.size() > options_.max_head_bytes + options_.max_body_bytes) break;
      continue;
    }
    if (got == 0) {
      eof = true;  // the client is done sending; answer what it sent, then close
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    Close(conn, false);
    return;
  }
  while (!conn->in.empty()) {
    HttpRequest request;
    HeadParse head = ParseRequestHead(conn->in, options_.max_head_bytes, &request);
    if (head.state == HeadParse::kIncomplete) break;
    if (head.state == HeadParse::kError) {
      SendError(conn, head.error_status, head.error, request);
      Close(conn, true);
      return;
    }
    Next next = Answer(conn, request, head.head_bytes);
    if (next != Next::kKeep) {
      Close(conn, next == Next::kLinger);
      return;
    }
    if (!conn->in.empty()) conn->request_start_ns = SteadyNs();  // a pipelined request
  }
  if (eof) {
    Close(conn, false);
    return;
  }
  Arm(conn);
}

HttpListener::Next HttpListener::Answer(Connection* conn, HttpRequest& request, size_t head_bytes) {
  Framing framing = RequestFraming(request, options_.max_body_bytes);
  if (framing.error_status != 0) {
    SendError(conn, framing.error_status, framing.error, request);
    return Next::kLinger;
  }
  size_t total = head_bytes + static_cast<size_t>(framing.content_length);
  if (conn->in.size() < total) {
    if (framing.expect_continue &&
        !Send(conn->fd, "HTTP/1.1 100 Continue\r\n\r\n", std::string_view())) {
      return Next::kClose;
    }
    if (!ReadBody(conn, total)) {
      SendError(conn, 408,
                fmt::format("the body ({} bytes) did not arrive within {} ms",
                            framing.content_length, options_.read_timeout.count()),
                request);
      return Next::kClose;
    }
  }
  request.body.assign(conn->in, head_bytes, static_cast<size_t>(framing.content_length));
  conn->in.erase(0, total);
  // A large body's buffer is not kept for the rest of a keep-alive connection's life.
  if (conn->in.capacity() > 4 * kReadChunk) conn->in = std::string(conn->in);
  busy_.fetch_add(1);
  HttpResponse response;
  try {
    handler_(request, &response);
  } catch (const std::exception& e) {
    response = HttpResponse();
    response.status = 500;
    if (on_error_) on_error_(500, e.what(), request, &response);
  }
  ++conn->requests;
  bool keep = framing.keep_alive && !response.close && !stopping_ &&
              conn->requests < options_.keep_alive_max_requests;
  bool sent = Respond(conn->fd, request, response, keep);
  if (busy_.fetch_sub(1) == 1 && stopping_) {
    std::lock_guard<std::mutex> lock(mu_);
    changed_.notify_all();
  }
  return sent && keep ? Next::kKeep : Next::kClose;
}

bool HttpListener::Respond(int fd, const HttpRequest& request, const HttpResponse& response,
                           bool keep) {
  std::string head;
  head.reserve(256 + (response.body.size() <= kCoalesceBytes ? response.body.size() : 0));
  head +=
      fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n", response.status,
                  ReasonPhrase(response.status), response.content_type, response.body.size());
  for (const auto& [name, value] : response.headers) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  if (!keep) {
    head += "Connection: close\r\n";
  } else if (request.version_minor == 0) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
  if (request.method == "HEAD") return Send(fd, head, std::string_view());
  if (response.body.size() <= kCoalesceBytes) {
    head += response.body;
    return Send(fd, head, std::string_view());
  }
  return Send(fd, head, response.body);
}

bool HttpListener::ReadBody(Connection* conn, size_t need) {
  char buffer[kReadChunk];
  while (conn->in.size() < need) {
    ssize_t got = ::recv(conn->fd, buffer, std::min(sizeof(buffer), need - conn->in.size()), 0);
    if (got > 0) {
      conn->in.append(buffer, static_cast<size_t>(got));
      continue;
    }
    if (got == 0) return false;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
    pollfd wait{conn->fd, POLLIN, 0};
    int ready = ::poll(&wait, 1, static_cast<int>(options_.read_timeout.count()));
    if (ready <= 0) return false;  // the per-read timeout
  }
  return true;
}

bool HttpListener::Send(int fd, std::string_view head, std::string_view body) {
  iovec parts[2] = {{const_cast<char*>(head.data()), head.size()},
                    {const_cast<char*>(body.data()), body.size()}};
  int count = body.empty() ? 1 : 2;
  iovec* next = parts;
  while (count > 0) {
    msghdr message{};
    message.msg_iov = next;
    message.msg_iovlen = static_cast<size_t>(count);
    ssize_t sent = ::sendmsg(fd, &message, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
      pollfd wait{fd, POLLOUT, 0};
      if (::poll(&wait, 1, static_cast<int>(options_.write_timeout.count())) <= 0) return false;
      continue;
    }
    size_t left = static_cast<size_t>(sent);
    while (count > 0 && left >= next->iov_len) {
      left -= next->iov_len;
      ++next;
      --count;
    }
    if (count > 0) {
      next->iov_base = static_cast<char*>(next->iov_base) + left;
      next->iov_len -= left;
    }
  }
  return true;
}

void HttpListener::SendError(Connection* conn, int status, std::string_view message,
                             const HttpRequest& request) {
  HttpResponse response;
  response.status = status;
  if (on_error_) on_error_(status, message, request, &response);
  response.status = status;
  Respond(conn->fd, request, response, false);
}

void HttpListener::Arm(Connection* conn) {
  int64_t deadline = conn->in.empty() ? SteadyNs() + Ns(options_.keep_alive_timeout)
                                      : conn->request_start_ns + Ns(options_.read_timeout);
  conn->deadline = deadline;
  // After this the connection may belong to another worker: no touching it.
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
  event.data.ptr = conn;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn->fd, &event) != 0) {
    if (conn->deadline.exchange(0) != kClaimed) Close(conn, false);
  }
}

void HttpListener::Close(Connection* conn, bool linger) {
  if (linger) {
    // The client may still be sending what will never be read: closing with unread bytes
    // sends a reset, which can discard the answer before the client reads it. Read and
    // drop for a while (at most a second, or until the client is quiet for 100 ms).
    ::shutdown(conn->fd, SHUT_WR);
    char buffer[kReadChunk];
    int64_t until = SteadyNs() + 1'000'000'000;
    while (SteadyNs() < until) {
      pollfd wait{conn->fd, POLLIN, 0};
      if (::poll(&wait, 1, 100) <= 0) break;
      ssize_t got = ::recv(conn->fd, buffer, sizeof(buffer), 0);
      if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) break;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  connections_.erase(conn);  // closes the descriptor, under the lock the sweeper holds
  changed_.notify_all();
}

}  // namespace thingsdb::server
