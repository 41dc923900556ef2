// HttpListener: the server's HTTP/1.1 front end on epoll, independent of thingsdb's routes.
// Worker threads share one epoll set; a connection is armed one-shot, so exactly one worker
// owns it while it reads a request, runs the handler and writes the answer, and an idle
// keep-alive connection holds no thread (cpp-httplib kept a thread per connection: a sleep, a
// wake-up and six poll(2) calls per request). A request head is gathered without a thread
// (a slow client costs a buffer, not a worker); a body not yet arrived is read by its worker
// with a per-read timeout. Deadlines (keep-alive idle, a request's read timeout) are enforced
// by a sweeper thread. Bodies need Content-Length: chunked bodies are refused unread (411).
// Errors the listener answers itself (400, 408, 411, 413, 431, 505) go through an error
// callback so that they have the application's body shape. Stop() stops accepting, serves
// what is in flight (and keep-alive requests that arrive meanwhile, each answered with
// `Connection: close`), then closes every connection.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/status.h"

namespace thingsdb::server {

struct HttpRequest {
  std::string method;                                        // as sent ("GET", "POST", ...)
  std::string target;                                        // the request-target as sent
  std::string path;                                          // percent-decoded path of the target
  std::multimap<std::string, std::string> query;             // decoded ('+' is a space)
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as sent
  int version_minor = 1;                                     // HTTP/1.<minor>
  std::string body;
  // The first header of that name (case-insensitive), or "".
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // beyond type and length
  bool close = false;  // close the connection after this response
};

// The request head's parse: kDone fills the request's method, target, path, query, headers
// and version; kError names the status (400, 431, 505) and the reason.
struct HeadParse {
  enum State { kIncomplete, kDone, kError } state = kIncomplete;
  size_t head_bytes = 0;  // kDone: bytes of the head, blank line included
  int error_status = 0;
  std::string error;
};
HeadParse ParseRequestHead(std::string_view data, size_t max_head_bytes, HttpRequest* request);

// What the head says about the body and the connection.
struct Framing {
  int error_status = 0;  // 400 (bad Content-Length), 411 (chunked), 413 (over the limit)
  std::string error;
  uint64_t content_length = 0;
  bool keep_alive = true;
  bool expect_continue = false;
};
Framing RequestFraming(const HttpRequest& request, uint64_t max_body_bytes);

// "%41b+c" -> "Ab c" when plus_is_space; malformed escapes are kept as they are.
std::string PercentDecode(std::string_view text, bool plus_is_space);

struct HttpListenerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                // 0: any free port
  int threads = 8;                // workers: requests handled at once
  size_t max_connections = 4096;  // open at once; then accept waits (the backlog holds more)
  int listen_backlog = 1024;
  size_t max_head_bytes = 16 * 1024;
  size_t max_body_bytes = 8 * 1024 * 1024;
  std::chrono::milliseconds read_timeout{5000};   // a request's head, and each body read
  std::chrono::milliseconds write_timeout{5000};  // each write of an answer
  std::chrono::milliseconds keep_alive_timeout{2000};
  size_t keep_alive_max_requests = 10000;
};

class HttpListener {
 public:
  using Handler = std::function<void(const HttpRequest&, HttpResponse*)>;
  // An error the listener answers itself: `request` has what was parsed (may be empty).
  using ErrorHandler = std::function<void(int status, std::string_view message,
                                          const HttpRequest& request, HttpResponse* response)>;

  // Binds and listens. IOError naming the address when it cannot.
  static Result<std::unique_ptr<HttpListener>> Bind(HttpListenerOptions options, Handler handler,
                                                    ErrorHandler on_error);
  ~HttpListener();  // Stop(), and waits for Run() on another thread to return
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  int port() const { return port_; }
  // Serves until Stop(), then drains (see above). Returns once every connection is closed.
  void Run();
  bool running() const { return running_.load(); }
  // Thread-safe, idempotent; returns at once.
  void Stop();
  bool stopping() const { return stopping_.load(); }

 private:
  struct Connection;
  enum class Next { kKeep, kClose, kLinger };  // after an answer: keep, close, close lingering
  HttpListener(HttpListenerOptions options, Handler handler, ErrorHandler on_error);
  void AcceptLoop();
  void WorkerLoop();
  void SweepLoop();
  // The worker that took `conn`'s event reads and answers what is there, then re-arms or
  // closes it.
  void Serve(Connection* conn);
  // Answers one request whose head is parsed (reading the rest of its body).
  Next Answer(Connection* conn, HttpRequest& request, size_t head_bytes);
  bool ReadBody(Connection* conn, size_t need);
  bool Respond(int fd, const HttpRequest& request, const HttpResponse& response, bool keep);
  bool Send(int fd, std::string_view head, std::string_view body);
  void SendError(Connection* conn, int status, std::string_view message,
                 const HttpRequest& request);
  // Hands the connection back to the epoll set with its next deadline.
  void Arm(Connection* conn);
  // Closes the connection; when `linger`, first reads and drops what the client still sends
  // (for up to a second) so that the answer is not lost to a reset.
  void Close(Connection* conn, bool linger);

  const HttpListenerOptions options_;
  const Handler handler_;
  const ErrorHandler on_error_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: readable when the workers must exit
  int port_ = 0;
  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};

  std::atomic<int> busy_{0};          // requests being answered
  std::atomic<bool> closing_{false};  // drained: every connection is being closed

  std::mutex mu_;                     // guards connections_ and sweep_stop_
  std::condition_variable changed_;   // a connection closed, an answer finished, Stop()
  std::condition_variable sweep_cv_;  // wakes the sweeper to exit
  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
  bool sweep_stop_ = false;
};

}  // namespace thingsdb::server
