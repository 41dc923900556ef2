// S3Store behaviour beyond the conformance suite: authentication errors against moto with
// signatures checked, and transport faults against stub servers (a server that dies
// mid-upload, one that never answers, one that answers 503 before it answers).
#include "objectstore/s3_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "objectstore/testing/s3_test_server.h"
#include "objectstore/testing/stub_http_server.h"

namespace thingsdb {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

S3Options StubOptions(const StubHttpServer& server) {
  S3Options options;
  options.endpoint = server.endpoint();
  options.bucket = "bucket";
  options.credentials = {"AKID", "SECRET", ""};
  options.addressing = S3Addressing::kPath;
  options.connect_timeout = milliseconds(1000);
  options.request_timeout = milliseconds(2000);
  options.retry_base_delay = milliseconds(10);
  options.retry_max_delay = milliseconds(50);
  return options;
}

std::unique_ptr<S3Store> MustOpen(S3Options options) {
  auto store = S3Store::Open(std::move(options));
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

class S3StoreMotoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = S3TestServer::SharedMoto();
    if (!server.ok() && server.status().code() == StatusCode::kNotSupported) {
      GTEST_SKIP() << server.status().message();
    }
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = *server;
  }
  S3Options Options(std::string_view tag) {
    return server_->MakeOptions(S3TestServer::NewPrefix(tag));
  }

  S3TestServer* server_ = nullptr;
};

TEST_F(S3StoreMotoTest, WrongSecretKeyIsAClearAuthError) {
  S3Options options = Options("auth");
  options.credentials.secret_access_key = "not-the-secret";
  options.max_attempts = 1;
  auto store = MustOpen(options);
  Status put = store->Put("secret/object", "x");
  EXPECT_EQ(put.code(), StatusCode::kUnauthenticated) << put.ToString();
  EXPECT_NE(put.message().find("SignatureDoesNotMatch"), std::string::npos) << put.message();
  EXPECT_NE(put.message().find("secret/object"), std::string::npos) << put.message();
  Status get = store->Get("secret/object").status();
  EXPECT_EQ(get.code(), StatusCode::kUnauthenticated) << get.ToString();
}

TEST_F(S3StoreMotoTest, UnknownAccessKeyIsAClearAuthError) {
  S3Options options = Options("auth");
  options.credentials.access_key_id = "AKIDONOTEXIST0000000";
  auto store = MustOpen(options);
  Status st = store->List("").status();
  EXPECT_EQ(st.code(), StatusCode::kUnauthenticated) << st.ToString();
  EXPECT_NE(st.message().find("InvalidAccessKeyId"), std::string::npos) << st.message();
}

TEST_F(S3StoreMotoTest, PrefixIsPrependedToEveryKey) {
  S3Options options = Options("prefixed");
  std::string prefix = options.prefix;
  auto prefixed = MustOpen(options);
  options.prefix = "";
  auto bare = MustOpen(options);
  ASSERT_TRUE(prefixed->Put("a/b", "v").ok());
  EXPECT_EQ(*bare->Get(prefix + "a/b"), "v");
  auto listed = prefixed->List("");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "a/b");
}

TEST_F(S3StoreMotoTest, SmallListPagesFollowContinuationTokens) {
  S3Options options = Options("pages");
  options.max_list_keys = 7;
  auto store = MustOpen(options);
  for (int key_idx = 0; key_idx < 23; ++key_idx) {
    ASSERT_TRUE(
        store->Put("k/" + std::string(1, static_cast<char>('a' + key_idx)) + " +=", "x").ok());
  }
  auto listed = store->List("k/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 23u);
  EXPECT_EQ(listed->front().key, "k/a +=");
  EXPECT_EQ(listed->back().key, "k/w +=");
}

TEST_F(S3StoreMotoTest, MultipartAtTheThreshold) {
  S3Options options = Options("multipart");
  options.multipart_threshold = 5 << 20;
  options.multipart_part_size = 5 << 20;
  auto store = MustOpen(options);
  std::string data((11 << 20) + 17, 'q');
  data[5 << 20] = 'X';
  ASSERT_TRUE(store->Put("parts", data).ok());
  auto head = store->Head("parts");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, data.size());
  EXPECT_EQ(*store->Get("parts", ByteRange{(5 << 20) - 1, 3}), "qXq");
}

TEST_F(S3StoreMotoTest, MissingBucketIsNotFoundNamingTheBucket) {
  S3Options options = Options("nobucket");
  options.bucket = "no-such-bucket-here";
  auto store = MustOpen(options);
  Status st = store->Get("k").status();
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_NE(st.message().find("no-such-bucket-here"), std::string::npos) << st.message();
}

TEST(S3StoreKilledServerTest, KilledServerIsAnIOErrorNotAHang) {
  auto started = S3TestServer::StartMoto();
  if (!started.ok() && started.status().code() == StatusCode::kNotSupported) {
    GTEST_SKIP() << started.status().message();
  }
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::unique_ptr<S3TestServer> server = std::move(started).value();
  S3Options options = server->MakeOptions("killed/");
  options.max_attempts = 2;
  options.retry_base_delay = milliseconds(10);
  auto store = MustOpen(options);
  ASSERT_TRUE(store->Put("before", "x").ok());  // a pooled keep-alive connection now exists
  server->Kill();
  auto start = Clock::now();
  Status st = store->Put("after", std::string(1 << 20, 'y'));
  EXPECT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
  EXPECT_NE(st.message().find("after"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(server->endpoint().substr(7)), std::string::npos) << st.message();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST(S3StoreFaultTest, ServerDyingMidUploadIsAnIOErrorNotAHang) {
  auto server = StubHttpServer::Start(StubHttpServer::Mode::kCloseMidRequest);
  ASSERT_TRUE(server.ok());
  S3Options options = StubOptions(**server);
  options.max_attempts = 3;
  auto store = MustOpen(options);
  auto start = Clock::now();
  Status st = store->Put("big/object", std::string(4 << 20, 'z'));
  EXPECT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
  EXPECT_NE(st.message().find("big/object"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("after 3 attempts"), std::string::npos) << st.message();
  EXPECT_EQ((*server)->requests(), 3);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST(S3StoreFaultTest, SilentServerTimesOutWithinTheConfiguredTime) {
  auto server = StubHttpServer::Start(StubHttpServer::Mode::kHang);
  ASSERT_TRUE(server.ok());
  S3Options options = StubOptions(**server);
  options.request_timeout = milliseconds(300);
  options.max_attempts = 2;
  auto store = MustOpen(options);
  auto start = Clock::now();
  Status st = store->Get("slow/key").status();
  auto elapsed = Clock::now() - start;
  EXPECT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
  EXPECT_NE(st.message().find("timed out"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find((*server)->endpoint().substr(7)), std::string::npos) << st.message();
  EXPECT_GE(elapsed, milliseconds(600));
  EXPECT_LT(elapsed, milliseconds(3000));  // 2 x 300 ms + back-off, with slack for a busy CI
  EXPECT_EQ((*server)->connections(), 2);
}

TEST(S3StoreFaultTest, RefusedConnectionIsAnIOErrorNamingTheEndpoint) {
  auto port = PickFreeLoopbackPort();
  ASSERT_TRUE(port.ok());
  S3Options options;
  options.endpoint = "http://127.0.0.1:" + std::to_string(*port);
  options.bucket = "bucket";
  options.credentials = {"AKID", "SECRET", ""};
  options.max_attempts = 2;
  options.retry_base_delay = milliseconds(1);
  auto store = MustOpen(options);
  Status st = store->Head("k").status();
  EXPECT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
  EXPECT_NE(st.message().find("127.0.0.1:" + std::to_string(*port)), std::string::npos)
      << st.message();
}

std::string SlowDown() {
  return StubHttpServer::Response(
      503, "Slow Down", "<Error><Code>SlowDown</Code><Message>Reduce your rate</Message></Error>");
}

TEST(S3StoreFaultTest, RetriesOn503ThenSucceeds) {
  auto server = StubHttpServer::Start(StubHttpServer::Mode::kRespond,
                                      [](const StubHttpServer::Request& request) {
                                        if (request.index < 2) return SlowDown();
                                        return StubHttpServer::Response(200, "OK", "payload");
                                      });
  ASSERT_TRUE(server.ok());
  auto store = MustOpen(StubOptions(**server));
  auto got = store->Get("retry/key");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "payload");
  EXPECT_EQ((*server)->requests(), 3);
}

TEST(S3StoreFaultTest, PersistentSlowDownIsBusyAfterMaxAttempts) {
  auto server = StubHttpServer::Start(StubHttpServer::Mode::kRespond,
                                      [](const StubHttpServer::Request&) { return SlowDown(); });
  ASSERT_TRUE(server.ok());
  S3Options options = StubOptions(**server);
  options.max_attempts = 3;
  auto store = MustOpen(options);
  Status st = store->Put("busy/key", "x");
  EXPECT_EQ(st.code(), StatusCode::kBusy) << st.ToString();
  EXPECT_NE(st.message().find("SlowDown"), std::string::npos) << st.message();
  EXPECT_EQ((*server)->requests(), 3);
}

TEST(S3StoreFaultTest, ClientErrorsAreNotRetried) {
  auto server =
      StubHttpServer::Start(StubHttpServer::Mode::kRespond, [](const StubHttpServer::Request&) {
        return StubHttpServer::Response(
            403, "Forbidden", "<Error><Code>AccessDenied</Code><Message>no</Message></Error>");
      });
  ASSERT_TRUE(server.ok());
  auto store = MustOpen(StubOptions(**server));
  Status st = store->Get("denied/key").status();
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << st.ToString();
  EXPECT_NE(st.message().find("denied/key"), std::string::npos);
  EXPECT_NE(st.message().find("AccessDenied"), std::string::npos);
  EXPECT_EQ((*server)->requests(), 1);
}

TEST(S3StoreFaultTest, RequestsAreSignedWithSessionTokenAndContentHash) {
  std::string seen_head;
  auto server = StubHttpServer::Start(StubHttpServer::Mode::kRespond,
                                      [&seen_head](const StubHttpServer::Request& request) {
                                        seen_head = request.head;
                                        return StubHttpServer::Response(200, "OK", "");
                                      });
  ASSERT_TRUE(server.ok());
  S3Options options = StubOptions(**server);
  options.credentials.session_token = "SESSION-TOKEN";
  auto store = MustOpen(options);
  ASSERT_TRUE(store->Put("dir/a b+c", "body").ok());
  EXPECT_NE(seen_head.find("PUT /bucket/dir/a%20b%2Bc HTTP/1.1"), std::string::npos) << seen_head;
  EXPECT_NE(seen_head.find("x-amz-security-token: SESSION-TOKEN"), std::string::npos);
  EXPECT_NE(
      seen_head.find(
          "x-amz-content-sha256: 230d8358dc8e8890b4c58deeb62912ee2f20357ae92a5cc861b98e68fe31acb5"),
      std::string::npos)
      << seen_head;
  EXPECT_NE(seen_head.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                           "x-amz-security-token"),
            std::string::npos)
      << seen_head;
}

TEST(S3StoreFaultTest, VirtualHostedAddressingPutsTheBucketInTheHost) {
  std::string seen_head;
  auto server = StubHttpServer::Start(
      StubHttpServer::Mode::kRespond, [&seen_head](const StubHttpServer::Request& request) {
        seen_head = request.head;
        if (request.target.starts_with("/?")) {
          return StubHttpServer::Response(200, "OK", "<ListBucketResult></ListBucketResult>");
        }
        return StubHttpServer::Response(200, "OK", "v");
      });
  ASSERT_TRUE(server.ok());
  S3Options options = StubOptions(**server);
  options.endpoint = "http://s3.example.test:" + std::to_string((*server)->port());
  options.connect_address = "127.0.0.1:" + std::to_string((*server)->port());
  options.addressing = S3Addressing::kVirtualHosted;
  options.prefix = "wh/";
  auto store = MustOpen(options);
  ASSERT_EQ(*store->Get("a b/c"), "v");
  EXPECT_NE(seen_head.find("GET /wh/a%20b/c HTTP/1.1"), std::string::npos) << seen_head;
  EXPECT_NE(seen_head.find("Host: bucket.s3.example.test:" + std::to_string((*server)->port())),
            std::string::npos)
      << seen_head;
  ASSERT_TRUE(store->List("x/").ok());
  EXPECT_NE(seen_head.find("GET /?list-type=2&max-keys=1000&prefix=wh%2Fx%2F HTTP/1.1"),
            std::string::npos)
      << seen_head;
}

// Answers a multipart upload like S3 until `fail_at` ("part 2" or "complete"), recording the
// requests; the failing step gets a 500 (parts) or a 200 carrying an <Error> (complete).
std::string MultipartStub(const StubHttpServer::Request& request, std::string_view fail_at,
                          std::vector<std::string>* seen) {
  seen->push_back(request.method + " " + request.target);
  if (request.method == "POST" && request.target.ends_with("?uploads=")) {
    return StubHttpServer::Response(200, "OK",
                                    "<InitiateMultipartUploadResult><UploadId>up&amp;1</UploadId>"
                                    "</InitiateMultipartUploadResult>");
  }
  if (request.method == "PUT") {
    if (fail_at == "part 2" && request.target.find("partNumber=2") != std::string::npos) {
      return StubHttpServer::Response(500, "Internal", "<Error><Code>InternalError</Code></Error>");
    }
    return StubHttpServer::Response(200, "OK", "", "ETag: \"etag\"\r\n");
  }
  if (request.method == "POST") {
    return StubHttpServer::Response(200, "OK", "<Error><Code>InternalError</Code></Error>");
  }
  return StubHttpServer::Response(204, "No Content", "");
}

TEST(S3StoreFaultTest, FailedMultipartUploadIsAborted) {
  for (std::string_view fail_at : {"part 2", "complete"}) {
    std::vector<std::string> seen;
    auto server = StubHttpServer::Start(StubHttpServer::Mode::kRespond,
                                        [&](const StubHttpServer::Request& request) {
                                          return MultipartStub(request, fail_at, &seen);
                                        });
    ASSERT_TRUE(server.ok());
    S3Options options = StubOptions(**server);
    options.multipart_threshold = 5 << 20;
    options.multipart_part_size = 5 << 20;
    options.max_attempts = 2;
    auto store = MustOpen(options);
    Status st = store->Put("mp/key", std::string(12 << 20, 'm'));
    EXPECT_EQ(st.code(), StatusCode::kIOError) << fail_at << ": " << st.ToString();
    EXPECT_NE(st.message().find("mp/key"), std::string::npos) << st.message();
    (*server).reset();  // joins the server thread: `seen` is complete
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.front(), "POST /bucket/mp/key?uploads=");
    EXPECT_EQ(seen.back(), "DELETE /bucket/mp/key?uploadId=up%261") << fail_at;
  }
}

TEST(S3StoreFaultTest, ServerIgnoringRangeIsSlicedLocally) {
  auto server =
      StubHttpServer::Start(StubHttpServer::Mode::kRespond, [](const StubHttpServer::Request&) {
        return StubHttpServer::Response(200, "OK", "0123456789");
      });
  ASSERT_TRUE(server.ok());
  auto store = MustOpen(StubOptions(**server));
  EXPECT_EQ(*store->Get("k", ByteRange{8, 5}), "89");
}

TEST(S3StoreOpenTest, RejectsBadOptions) {
  S3Options options;
  options.bucket = "b";
  options.credentials = {"AKID", "SECRET", ""};
  options.endpoint = "127.0.0.1:9000";
  EXPECT_TRUE(S3Store::Open(options).status().IsInvalidArgument());
  options.endpoint = "http://127.0.0.1:9000/path";
  EXPECT_TRUE(S3Store::Open(options).status().IsInvalidArgument());
  options.endpoint = "http://127.0.0.1:9000";
  options.multipart_part_size = 1 << 20;
  EXPECT_TRUE(S3Store::Open(options).status().IsInvalidArgument());
  options.multipart_part_size = 8 << 20;
  options.prefix = "no-slash";
  EXPECT_TRUE(S3Store::Open(options).status().IsInvalidArgument());
  options.prefix = "";
  options.bucket = "";
  EXPECT_TRUE(S3Store::Open(options).status().IsInvalidArgument());
}

}  // namespace
}  // namespace thingsdb
