#include "objectstore/testing/stub_http_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace thingsdb {
namespace {

// Reads more bytes into `buffer`; false on EOF, error or stop.
bool ReadSome(int fd, std::string* buffer, const std::atomic<bool>& stop) {
  while (!stop.load()) {
    pollfd pfd{fd, POLLIN, 0};
    int ready = ::poll(&pfd, 1, 50);
    if (ready < 0 && errno != EINTR) return false;
    if (ready <= 0) continue;
    char chunk[65536];
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer->append(chunk, static_cast<size_t>(n));
    return true;
  }
  return false;
}

void SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

size_t ContentLength(std::string_view head) {
  std::string lower(head);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t pos = lower.find("\r\ncontent-length:");
  if (pos == std::string::npos) return 0;
  return std::strtoull(lower.c_str() + pos + 17, nullptr, 10);
}

}  // namespace

std::string StubHttpServer::Response(int status, std::string_view reason, std::string_view body,
                                     std::string_view extra_headers) {
  return fmt::format("HTTP/1.1 {} {}\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n{}",
                     status, reason, body.size(), extra_headers, body);
}

Result<std::unique_ptr<StubHttpServer>> StubHttpServer::Start(Mode mode, Handler handler) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError(fmt::format("socket: {}", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || ::listen(fd, 64) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    ::close(fd);
    return Status::IOError(fmt::format("stub server bind/listen: {}", std::strerror(errno)));
  }
  std::unique_ptr<StubHttpServer> server(
      new StubHttpServer(mode, std::move(handler), fd, ntohs(addr.sin_port)));
  server->thread_ = std::thread([raw = server.get()] { raw->Loop(); });
  return server;
}

StubHttpServer::~StubHttpServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  for (int fd : held_) ::close(fd);
  ::close(listen_fd_);
}

void StubHttpServer::Loop() {
  while (!stop_.load()) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 50) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    if (mode_ == Mode::kHang) {
      held_.push_back(fd);
      continue;
    }
    Serve(fd);
    ::close(fd);
  }
}

void StubHttpServer::Serve(int fd) {
  std::string buffer;
  size_t head_end;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (!ReadSome(fd, &buffer, stop_)) return;
  }
  Request request;
  request.index = requests_++;
  request.head = buffer.substr(0, head_end + 2);
  size_t space = request.head.find(' ');
  size_t space2 = request.head.find(' ', space + 1);
  request.method = request.head.substr(0, space);
  request.target = request.head.substr(space + 1, space2 - space - 1);
  if (mode_ == Mode::kCloseMidRequest) {
    ::shutdown(fd, SHUT_RDWR);  // the "server" dies before it answers
    return;
  }
  size_t want = ContentLength(request.head);
  while (buffer.size() - head_end - 4 < want) {
    if (!ReadSome(fd, &buffer, stop_)) return;
  }
  request.body = buffer.substr(head_end + 4, want);
  std::string response = handler_ ? handler_(request) : Response(200, "OK", "");
  if (!response.empty()) SendAll(fd, response);
}

}  // namespace thingsdb
