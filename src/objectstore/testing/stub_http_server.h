// StubHttpServer: a tiny HTTP/1.1 server on a free 127.0.0.1 port for fault tests of HTTP
// clients: it hangs (accepts, never answers), drops the connection in the middle of a request,
// or answers each request with what a handler returns. One background thread; stops in the
// destructor. Every response closes its connection.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"

namespace thingsdb {

class StubHttpServer {
 public:
  struct Request {
    int index = 0;  // 0-based count of requests received
    std::string method;
    std::string target;  // "/bucket/key?x=y"
    std::string head;    // request line and headers
    std::string body;
  };
  // The raw response bytes ("HTTP/1.1 200 OK\r\n..."); an empty string drops the connection.
  using Handler = std::function<std::string(const Request&)>;

  enum class Mode {
    kHang,             // accept and never answer
    kCloseMidRequest,  // read the head and a few body bytes, then close without answering
    kRespond,          // read the whole request, answer with handler(request)
  };

  static Result<std::unique_ptr<StubHttpServer>> Start(Mode mode, Handler handler = nullptr);
  ~StubHttpServer();
  StubHttpServer(const StubHttpServer&) = delete;
  StubHttpServer& operator=(const StubHttpServer&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_.load(); }
  int connections() const { return connections_.load(); }

  // "HTTP/1.1 <status> <reason>" with Content-Length and Connection: close.
  static std::string Response(int status, std::string_view reason, std::string_view body,
                              std::string_view extra_headers = "");

 private:
  StubHttpServer(Mode mode, Handler handler, int listen_fd, int port)
      : mode_(mode), handler_(std::move(handler)), listen_fd_(listen_fd), port_(port) {}
  void Loop();
  void Serve(int fd);

  Mode mode_;
  Handler handler_;
  int listen_fd_;
  int port_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> connections_{0};
  std::vector<int> held_;  // kHang connections, closed at the end
  std::thread thread_;
};

}  // namespace thingsdb
