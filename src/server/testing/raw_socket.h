// RawSocket: a plain TCP client to 127.0.0.1 for the server's tests — requests no
// well-behaved HTTP client would send, and a byte-exact look at the answers.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <string_view>

namespace thingsdb::testing {

class RawSocket {
 public:
  explicit RawSocket(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawSocket() { Close(); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }
  bool Send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Everything until the peer closes, or until `timeout` passes without a byte.
  std::string ReadAll(std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    std::string out;
    while (ReadSome(&out, timeout)) {
    }
    return out;
  }
  // Reads until `count` whole responses (head and Content-Length body) have arrived, the
  // peer closes, or 3 s pass without a byte. Bodies must not contain "HTTP/1.1 ".
  std::string ReadResponses(int count) {
    std::string out;
    while (CompleteResponses(out) < count && ReadSome(&out, std::chrono::milliseconds(3000))) {
    }
    return out;
  }

 private:
  // One recv after waiting up to `timeout`; false on timeout, close or error.
  bool ReadSome(std::string* out, std::chrono::milliseconds timeout) {
    pollfd wait{fd_, POLLIN, 0};
    if (::poll(&wait, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char buf[4096];
    ssize_t got = ::recv(fd_, buf, sizeof(buf), 0);
    if (got <= 0) return false;
    out->append(buf, static_cast<size_t>(got));
    return true;
  }
  static int CompleteResponses(const std::string& text) {
    int complete = 0;
    size_t pos = 0;
    for (;;) {
      size_t start = text.find("HTTP/1.1 ", pos);
      if (start == std::string::npos) return complete;
      size_t end = text.find("\r\n\r\n", start);
      if (end == std::string::npos) return complete;
      size_t length_at = text.find("Content-Length: ", start);
      size_t length = length_at < end ? std::stoul(text.substr(length_at + 16)) : 0;
      if (text.size() < end + 4 + length) return complete;
      ++complete;
      pos = end + 4 + length;
    }
  }

  int fd_ = -1;
  bool connected_ = false;
};

}  // namespace thingsdb::testing
