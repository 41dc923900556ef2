// Tests of HttpListener: the request-head parser and framing rules on their own, then a
// listener on 127.0.0.1 driven over raw sockets (pipelining, HEAD, Expect: 100-continue,
// HTTP/1.0, half-closed clients, timeouts, limits, shutdown while a request is in flight).
#include "server/http_listener.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "server/testing/raw_socket.h"

namespace thingsdb::server {
namespace {

HeadParse Parse(std::string_view data, HttpRequest* request, size_t max = 16384) {
  return ParseRequestHead(data, max, request);
}

TEST(HttpHeadTest, ParsesMethodPathQueryAndHeaders) {
  HttpRequest request;
  std::string data =
      "GET /v1/namespaces/a%20b/things?limit=5&where=x+y%3D1&flag&=skip HTTP/1.1\r\n"
      "Host: x\r\nAuthorization:  Bearer t  \r\nX-Empty:\r\n\r\nBODY";
  HeadParse head = Parse(data, &request);
  ASSERT_EQ(head.state, HeadParse::kDone) << head.error;
  EXPECT_EQ(head.head_bytes, data.size() - 4);
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.path, "/v1/namespaces/a b/things");
  EXPECT_EQ(request.version_minor, 1);
  ASSERT_EQ(request.query.size(), 3u);
  EXPECT_EQ(request.query.find("limit")->second, "5");
  EXPECT_EQ(request.query.find("where")->second, "x y=1");
  EXPECT_EQ(request.query.find("flag")->second, "");
  EXPECT_EQ(request.Header("authorization"), "Bearer t");
  EXPECT_EQ(request.Header("x-empty"), "");
  EXPECT_EQ(request.Header("missing"), "");
}

TEST(HttpHeadTest, IncompleteUntilTheBlankLine) {
  std::string data = "POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\n";
  for (size_t cut = 0; cut < data.size(); ++cut) {
    HttpRequest request;
    EXPECT_EQ(Parse(data.substr(0, cut), &request).state, HeadParse::kIncomplete) << cut;
  }
  HttpRequest request;
  EXPECT_EQ(Parse(data, &request).state, HeadParse::kDone);
  // Bare LF line ends and empty lines before the request line are accepted.
  HttpRequest lf;
  HeadParse head = Parse("\r\n\nGET / HTTP/1.0\nA: b\n\n", &lf);
  ASSERT_EQ(head.state, HeadParse::kDone) << head.error;
  EXPECT_EQ(lf.version_minor, 0);
  EXPECT_EQ(lf.Header("a"), "b");
}

TEST(HttpHeadTest, RefusesWhatIsNotHttpWithTheReason) {
  struct Case {
    std::string data;
    int status;
    std::string reason;
  };
  std::vector<Case> cases = {
      {std::string("\x16\x03\x01\x00\xff garbage\r\n\r\n", 17), 400, "method"},
      {std::string("\x16\x03\x01\x02\x00", 5), 400, "method"},  // a TLS hello, no newline
      {"GET\r\n\r\n", 400, "request line"},
      {"GET /x\r\n\r\n", 400, "request line"},
      {"GET /x HTTP/1.1 extra\r\n\r\n", 400, "HTTP version"},
      {"GET x HTTP/1.1\r\n\r\n", 400, "starting with '/'"},
      {"GET /x HTTP/2.0\r\n\r\n", 505, "HTTP/2.0"},
      {"GET /x HTTP/1.1\r\nNo colon\r\n\r\n", 400, "name:"},
      {"GET /x HTTP/1.1\r\nBad name: v\r\n\r\n", 400, "header name"},
      {"GET /x HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400, "folded"},
      {std::string("GET /x HTTP/1.1\r\nA: b\x01\r\n\r\n"), 400, "control byte"},
      {"GET /a\x7f HTTP/1.1\r\n\r\n", 400, "control byte"},
  };
  for (const Case& c : cases) {
    HttpRequest request;
    HeadParse head = Parse(c.data, &request);
    EXPECT_EQ(head.state, HeadParse::kError) << c.data;
    EXPECT_EQ(head.error_status, c.status) << c.data;
    EXPECT_NE(head.error.find(c.reason), std::string::npos) << c.data << " -> " << head.error;
  }
}

TEST(HttpHeadTest, HeadsOverTheLimitAre431EvenBeforeTheyEnd) {
  HttpRequest request;
  std::string endless = "GET /x HTTP/1.1\r\nA: " + std::string(1000, 'x');
  HeadParse head = Parse(endless, &request, 512);
  EXPECT_EQ(head.state, HeadParse::kError);
  EXPECT_EQ(head.error_status, 431);
  std::string many = "GET /x HTTP/1.1\r\n";
  for (int idx = 0; idx < 101; ++idx) many += "H" + std::to_string(idx) + ": v\r\n";
  HttpRequest request2;
  head = Parse(many + "\r\n", &request2);
  EXPECT_EQ(head.error_status, 431);
  EXPECT_NE(head.error.find("100 headers"), std::string::npos);
}

TEST(HttpHeadTest, FramingReadsLengthConnectionAndExpect) {
  auto framing = [](std::string head, uint64_t max = 100) {
    HttpRequest request;
    EXPECT_EQ(ParseRequestHead(head, 16384, &request).state, HeadParse::kDone) << head;
    return RequestFraming(request, max);
  };
  Framing f = framing("POST /x HTTP/1.1\r\nContent-Length: 42\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(f.error_status, 0);
  EXPECT_EQ(f.content_length, 42u);
  EXPECT_TRUE(f.keep_alive);
  EXPECT_TRUE(f.expect_continue);
  EXPECT_FALSE(framing("GET /x HTTP/1.1\r\nConnection: TE, Close\r\n\r\n").keep_alive);
  EXPECT_FALSE(framing("GET /x HTTP/1.0\r\n\r\n").keep_alive);
  EXPECT_TRUE(framing("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep_alive);
  EXPECT_EQ(framing("POST /x HTTP/1.1\r\nContent-Length: 101\r\n\r\n").error_status, 413);
  EXPECT_EQ(framing("POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n").error_status, 400);
  EXPECT_EQ(framing("POST /x HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n").error_status, 400);
  EXPECT_EQ(
      framing("POST /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n").error_status,
      400);
  EXPECT_EQ(
      framing("POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n").error_status,
      400);
  EXPECT_EQ(
      framing("POST /x HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n").content_length,
      2u);
  EXPECT_EQ(framing("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n").error_status, 411);
}

TEST(HttpHeadTest, PercentDecodeKeepsMalformedEscapes) {
  EXPECT_EQ(PercentDecode("a%2Fb%2fc", false), "a/b/c");
  EXPECT_EQ(PercentDecode("%zz%4", false), "%zz%4");
  EXPECT_EQ(PercentDecode("%", false), "%");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("%00", false), std::string(1, '\0'));
}

using Client = testing::RawSocket;

int Count(const std::string& text, std::string_view what) {
  int count = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) {
    ++count;
  }
  return count;
}

class HttpListenerTest : public ::testing::Test {
 protected:
  void Start(HttpListenerOptions options = {}) {
    options.port = 0;
    auto bound = HttpListener::Bind(
        options,
        [this](const HttpRequest& request, HttpResponse* response) {
          handled_++;
          if (request.path == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(300));
          response->body = "{\"path\":\"" + request.path + "\",\"body\":\"" + request.body + "\"}";
        },
        [](int status, std::string_view message, const HttpRequest&, HttpResponse* response) {
          response->body =
              "{\"error\":\"" + std::to_string(status) + " " + std::string(message) + "\"}";
        });
    ASSERT_TRUE(bound.ok()) << bound.status().ToString();
    listener_ = std::move(*bound);
    thread_ = std::thread([this] { listener_->Run(); });
    while (!listener_->running()) std::this_thread::yield();
  }
  void TearDown() override {
    if (listener_) listener_->Stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return listener_->port(); }

  std::atomic<int> handled_{0};
  std::unique_ptr<HttpListener> listener_;
  std::thread thread_;
};

TEST_F(HttpListenerTest, AnswersPipelinedRequestsInOrderOnOneConnection) {
  Start();
  Client client(port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(
      client.Send("GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyzGET /c "
                  "HTTP/1.1\r\n\r\n"));
  std::string got = client.ReadResponses(3);
  EXPECT_EQ(Count(got, "HTTP/1.1 200 OK"), 3) << got;
  size_t a = got.find("\"path\":\"/a\""), b = got.find("\"body\":\"xyz\""), c = got.find("/c");
  EXPECT_TRUE(a < b && b < c) << got;
  EXPECT_EQ(got.find("Connection: close"), std::string::npos);
}

TEST_F(HttpListenerTest, HeadHasTheLengthButNoBody) {
  Start();
  Client client(port());
  ASSERT_TRUE(client.Send("HEAD /abc HTTP/1.1\r\nConnection: close\r\n\r\n"));
  std::string got = client.ReadAll();
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  std::string body = "{\"path\":\"/abc\",\"body\":\"\"}";
  EXPECT_NE(got.find("Content-Length: " + std::to_string(body.size())), std::string::npos);
  EXPECT_EQ(got.substr(got.size() - 4), "\r\n\r\n") << got;
}

TEST_F(HttpListenerTest, ExpectContinueIsAnsweredBeforeTheBodyIsSent) {
  Start();
  Client client(port());
  ASSERT_TRUE(
      client.Send("POST /p HTTP/1.1\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: "
                  "close\r\n\r\n"));
  std::string first = client.ReadAll(std::chrono::milliseconds(500));
  EXPECT_EQ(first, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(client.Send("hello"));
  std::string rest = client.ReadAll();
  EXPECT_EQ(rest.rfind("HTTP/1.1 200 OK", 0), 0u) << rest;
  EXPECT_NE(rest.find("\"body\":\"hello\""), std::string::npos) << rest;
}

TEST_F(HttpListenerTest, Http10ClosesUnlessAskedToKeepAlive) {
  Start();
  Client plain(port());
  ASSERT_TRUE(plain.Send("GET /x HTTP/1.0\r\n\r\n"));
  std::string got = plain.ReadAll();  // returns when the server closes
  EXPECT_NE(got.find("Connection: close"), std::string::npos) << got;
  Client keep(port());
  ASSERT_TRUE(keep.Send("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  got = keep.ReadResponses(1);
  EXPECT_NE(got.find("Connection: keep-alive"), std::string::npos) << got;
  ASSERT_TRUE(keep.Send("GET /y HTTP/1.0\r\n\r\n"));
  EXPECT_NE(keep.ReadAll().find("/y"), std::string::npos);
}

TEST_F(HttpListenerTest, AHalfClosedClientStillGetsItsAnswer) {
  Start();
  Client client(port());
  ASSERT_TRUE(client.Send("GET /half HTTP/1.1\r\n\r\n"));
  client.ShutdownWrite();
  std::string got = client.ReadAll();
  EXPECT_NE(got.find("/half"), std::string::npos) << got;
}

TEST_F(HttpListenerTest, IdleAndStalledConnectionsAreClosedOnTime) {
  HttpListenerOptions options;
  options.keep_alive_timeout = std::chrono::milliseconds(300);
  options.read_timeout = std::chrono::milliseconds(400);
  Start(options);
  auto start = std::chrono::steady_clock::now();
  Client idle(port());
  Client stalled(port());
  ASSERT_TRUE(stalled.Send("GET /x HTTP/1.1\r\nHost:"));
  // A slow loris: one byte every 100 ms never extends its read timeout.
  Client loris(port());
  std::thread drip([&] {
    for (char c : std::string("GET /x HTTP/1.1\r\nA: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")) {
      if (!loris.Send(std::string(1, c))) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  EXPECT_EQ(idle.ReadAll(std::chrono::milliseconds(3000)), "");
  EXPECT_EQ(stalled.ReadAll(std::chrono::milliseconds(3000)), "");
  EXPECT_EQ(loris.ReadAll(std::chrono::milliseconds(3000)), "");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::milliseconds(1500));
  drip.join();
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(HttpListenerTest, RefusalsComeThroughTheErrorHandlerAndClose) {
  HttpListenerOptions options;
  options.max_body_bytes = 1000;
  options.max_head_bytes = 1024;
  Start(options);
  {
    Client client(port());
    std::string body(5000, 'x');
    ASSERT_TRUE(client.Send("POST /p HTTP/1.1\r\nContent-Length: 5000\r\n\r\n" + body));
    std::string got = client.ReadAll();
    EXPECT_EQ(got.rfind("HTTP/1.1 413 Payload Too Large", 0), 0u) << got;
    EXPECT_NE(got.find("413 the body exceeds 1000 bytes"), std::string::npos) << got;
    EXPECT_NE(got.find("Connection: close"), std::string::npos);
  }
  {
    Client client(port());
    ASSERT_TRUE(client.Send("GET /p HTTP/1.1\r\nA: " + std::string(2000, 'a') + "\r\n\r\n"));
    EXPECT_EQ(client.ReadAll().rfind("HTTP/1.1 431", 0), 0u);
  }
  {
    Client client(port());
    ASSERT_TRUE(client.Send("GET /p HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"));
    client.ShutdownWrite();  // the body never completes
    std::string got = client.ReadAll();
    EXPECT_EQ(got.find("200 OK"), std::string::npos) << got;
  }
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(HttpListenerTest, KeepAliveEndsAfterTheMaximumRequests) {
  HttpListenerOptions options;
  options.keep_alive_max_requests = 2;
  Start(options);
  Client client(port());
  ASSERT_TRUE(client.Send("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n"));
  std::string got = client.ReadAll();
  EXPECT_EQ(Count(got, "HTTP/1.1 200"), 2) << got;
  EXPECT_EQ(Count(got, "Connection: close"), 1) << got;
}

TEST_F(HttpListenerTest, StopAnswersTheRequestInFlightThenClosesEverything) {
  HttpListenerOptions options;
  options.threads = 2;
  options.keep_alive_timeout = std::chrono::milliseconds(10000);
  Start(options);
  Client idle(port());
  Client busy(port());
  ASSERT_TRUE(idle.Send("GET /warm HTTP/1.1\r\n\r\n"));
  ASSERT_FALSE(idle.ReadResponses(1).empty());
  ASSERT_TRUE(busy.Send("GET /slow HTTP/1.1\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto start = std::chrono::steady_clock::now();
  listener_->Stop();
  thread_.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2000));
  std::string got = busy.ReadAll();
  EXPECT_EQ(got.rfind("HTTP/1.1 200 OK", 0), 0u) << got;
  EXPECT_NE(got.find("Connection: close"), std::string::npos) << got;
  EXPECT_EQ(idle.ReadAll(std::chrono::milliseconds(1000)), "");  // closed, no answer
  Client late(port());
  EXPECT_FALSE(late.connected());
}

TEST_F(HttpListenerTest, ManyClientsAtOnceAllGetTheirAnswers) {
  HttpListenerOptions options;
  options.threads = 3;
  Start(options);
  constexpr int kClients = 40;
  constexpr int kRequests = 50;
  std::atomic<int> answered{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      Client client(port());
      for (int r = 0; r < kRequests; ++r) {
        std::string path = "/c" + std::to_string(c) + "r" + std::to_string(r);
        if (!client.Send("GET " + path + " HTTP/1.1\r\n\r\n")) return;
        std::string got = client.ReadResponses(1);
        if (got.find("\"path\":\"" + path + "\"") != std::string::npos) answered++;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(answered.load(), kClients * kRequests);
}

// Connections hold no thread: with 2 workers and 300 idle keep-alive connections open, a new
// client is answered at once (a thread per connection would need 301 threads).
TEST_F(HttpListenerTest, IdleConnectionsHoldNoWorker) {
  HttpListenerOptions options;
  options.threads = 2;
  options.keep_alive_timeout = std::chrono::milliseconds(30000);
  Start(options);
  std::vector<std::unique_ptr<Client>> idle;
  for (int idx = 0; idx < 300; ++idx) {
    idle.push_back(std::make_unique<Client>(port()));
    ASSERT_TRUE(idle.back()->connected());
    if (idx % 3 == 0) {  // some have been served once, some never sent a byte
      ASSERT_TRUE(idle.back()->Send("GET /warm HTTP/1.1\r\n\r\n"));
      ASSERT_NE(idle.back()->ReadResponses(1).find("200 OK"), std::string::npos);
    }
  }
  auto start = std::chrono::steady_clock::now();
  Client fresh(port());
  ASSERT_TRUE(fresh.Send("GET /fresh HTTP/1.1\r\n\r\n"));
  EXPECT_NE(fresh.ReadResponses(1).find("/fresh"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
  // And every idle one is still open and served.
  ASSERT_TRUE(idle.front()->Send("GET /again HTTP/1.1\r\n\r\n"));
  EXPECT_NE(idle.front()->ReadResponses(1).find("/again"), std::string::npos);
  ASSERT_TRUE(idle.back()->Send("GET /late HTTP/1.1\r\n\r\n"));
  EXPECT_NE(idle.back()->ReadResponses(1).find("/late"), std::string::npos);
}

TEST(HttpListenerBindTest, AnAddressInUseIsAnError) {
  auto first = HttpListener::Bind({.port = 0}, nullptr, nullptr);
  ASSERT_TRUE(first.ok());
  HttpListenerOptions options;
  options.port = (*first)->port();
  auto second = HttpListener::Bind(options, nullptr, nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().ToString().find(std::to_string(options.port)), std::string::npos)
      << second.status().ToString();
}

}  // namespace
}  // namespace thingsdb::server
