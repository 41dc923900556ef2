// One conformance suite, run over every ObjectStore implementation: the contract in
// object_store.h, observed from outside. S3 backends run against moto (signatures checked) and
// s3rver; they skip by name when the server is not installed.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "objectstore/fault_injecting_store.h"
#include "objectstore/forwarding_store.h"
#include "objectstore/local_store.h"
#include "objectstore/memory_store.h"
#include "objectstore/s3_store.h"
#include "objectstore/testing/s3_test_server.h"

namespace thingsdb {
namespace {

struct Backend {
  std::string name;
  // A fresh, empty store. NotSupported means "server not installed": the test skips.
  std::function<Result<std::unique_ptr<ObjectStore>>()> make;
  bool atomic_put_if_absent = true;
  bool large_listing = false;  // runs the > 1000 keys test (kept to a few backends for speed)
  // s3rver 3.7 answers a ranged GET of an empty object with "206, Content-Length: 1" and no
  // body, then holds the connection: a broken response no client can read (PEERS.md).
  bool ranged_get_of_empty_object = true;
  // s3rver 3.7 rewrites an object's file in place: a concurrent GET can read a mix of the old
  // and the new bytes (measured here: 2 torn reads of 3).
  bool atomic_replace = true;
};

std::string TempRoot() {
  static std::atomic<int> counter{0};
  auto dir =
      std::filesystem::temp_directory_path() /
      ("thingsdb_objectstore_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  return dir.string();
}

// A fresh prefix per test inside the shared bucket of one server, so tests never see each
// other's objects.
Result<std::unique_ptr<ObjectStore>> MakeS3Store(Result<S3TestServer*> server) {
  if (!server.ok()) return server.status();
  S3Options options = (*server)->MakeOptions(S3TestServer::NewPrefix("conformance"));
  options.multipart_threshold = 8 << 20;
  options.multipart_part_size = 5 << 20;
  ASSIGN_OR_RETURN(auto store, S3Store::Open(std::move(options)));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

const std::vector<Backend>& Backends() {
  static const std::vector<Backend> backends = {
      {"Local",
       []() -> Result<std::unique_ptr<ObjectStore>> {
         ASSIGN_OR_RETURN(auto store, LocalStore::Open(TempRoot()));
         return std::unique_ptr<ObjectStore>(std::move(store));
       }},
      {"Memory",
       [] { return Result<std::unique_ptr<ObjectStore>>(std::make_unique<MemoryStore>()); }, true,
       true},
      {"ForwardingMemory",
       [] {
         return Result<std::unique_ptr<ObjectStore>>(
             std::make_unique<ForwardingStore>(std::make_unique<MemoryStore>()));
       },
       true, true},
      {"FaultInjectingMemory",
       [] {
         return Result<std::unique_ptr<ObjectStore>>(
             std::make_unique<FaultInjectingStore>(std::make_unique<MemoryStore>()));
       },
       true, true},
      {"S3Moto", [] { return MakeS3Store(S3TestServer::SharedMoto()); }, true, true},
      {"S3rver", [] { return MakeS3Store(S3TestServer::SharedS3rver()); }, false, false, false,
       false},
  };
  return backends;
}

class ObjectStoreConformanceTest : public ::testing::TestWithParam<size_t> {
 protected:
  void SetUp() override {
    const Backend& backend = Backends()[GetParam()];
    auto store = backend.make();
    if (!store.ok() && store.status().code() == StatusCode::kNotSupported) {
      GTEST_SKIP() << store.status().message();
    }
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    if (auto* local = dynamic_cast<LocalStore*>(store_.get())) local_root_ = local->root();
  }
  void TearDown() override {
    store_.reset();
    if (!local_root_.empty()) std::filesystem::remove_all(local_root_);
  }

  const Backend& backend() const { return Backends()[GetParam()]; }

  std::string MustGet(std::string_view key, std::optional<ByteRange> range = std::nullopt) {
    auto got = store_->Get(key, range);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? *got : std::string("<error>");
  }

  std::vector<std::string> Keys(std::string_view prefix) {
    auto listed = store_->List(prefix);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    std::vector<std::string> keys;
    if (listed.ok()) {
      for (const auto& info : *listed) keys.push_back(info.key);
    }
    return keys;
  }

  std::unique_ptr<ObjectStore> store_;
  std::string local_root_;
};

std::string Pattern(size_t size) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 131 + i / 4099) & 0xff);
  return data;
}

TEST_P(ObjectStoreConformanceTest, RoundTrip) {
  ASSERT_TRUE(store_->Put("ns/things/data/a.parquet", "hello world").ok());
  EXPECT_EQ(MustGet("ns/things/data/a.parquet"), "hello world");
  ASSERT_TRUE(store_->Put("ns/things/data/a.parquet", "replaced").ok());
  EXPECT_EQ(MustGet("ns/things/data/a.parquet"), "replaced");
}

TEST_P(ObjectStoreConformanceTest, BinaryBytesSurvive) {
  std::string data = Pattern(70000);
  data[5] = '\0';
  ASSERT_TRUE(store_->Put("bin", data).ok());
  EXPECT_EQ(MustGet("bin"), data);
}

TEST_P(ObjectStoreConformanceTest, EmptyObject) {
  ASSERT_TRUE(store_->Put("empty", "").ok());
  EXPECT_EQ(MustGet("empty"), "");
  auto head = store_->Head("empty");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, 0u);
  if (backend().ranged_get_of_empty_object) {
    EXPECT_EQ(MustGet("empty", ByteRange{0, 10}), "");
  }
}

TEST_P(ObjectStoreConformanceTest, LargeObject) {
  std::string data = Pattern(12 << 20);  // multipart on S3 (threshold 8 MiB, 5 MiB parts)
  ASSERT_TRUE(store_->Put("large/object.bin", data).ok());
  auto head = store_->Head("large/object.bin");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, data.size());
  std::string got = MustGet("large/object.bin");
  EXPECT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
  EXPECT_EQ(MustGet("large/object.bin", ByteRange{(5 << 20) - 3, 6}),
            data.substr((5 << 20) - 3, 6));
}

TEST_P(ObjectStoreConformanceTest, Ranges) {
  ASSERT_TRUE(store_->Put("r", "0123456789").ok());
  EXPECT_EQ(MustGet("r", ByteRange{0, 4}), "0123");
  EXPECT_EQ(MustGet("r", ByteRange{3, 4}), "3456");
  EXPECT_EQ(MustGet("r", ByteRange{7, 100}), "789");
  EXPECT_EQ(MustGet("r", ByteRange{9, 1}), "9");
  EXPECT_EQ(MustGet("r", ByteRange{10, 5}), "");
  EXPECT_EQ(MustGet("r", ByteRange{25, 5}), "");
  EXPECT_EQ(MustGet("r", ByteRange{2, 0}), "");
  EXPECT_TRUE(store_->Get("missing", ByteRange{0, 4}).status().IsNotFound());
}

TEST_P(ObjectStoreConformanceTest, PutIfAbsentConflict) {
  ASSERT_TRUE(store_->PutIfAbsent("meta/v1.json", "first").ok());
  Status second = store_->PutIfAbsent("meta/v1.json", "second");
  EXPECT_TRUE(second.IsConflict()) << second.ToString();
  EXPECT_NE(second.message().find("meta/v1.json"), std::string::npos) << second.message();
  EXPECT_EQ(MustGet("meta/v1.json"), "first");
}

TEST_P(ObjectStoreConformanceTest, ConcurrentPutIfAbsentHasOneWinner) {
  if (!backend().atomic_put_if_absent) GTEST_SKIP() << "put-if-absent is not atomic here";
  constexpr int kThreads = 6;
  std::atomic<int> winners{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      Status st = store_->PutIfAbsent("race", "writer " + std::to_string(thread_idx));
      if (st.ok()) ++winners;
      if (st.IsConflict()) ++conflicts;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
}

TEST_P(ObjectStoreConformanceTest, ReadersNeverSeeAPartialPut) {
  if (!backend().atomic_replace) GTEST_SKIP() << "this server replaces objects in place";
  constexpr size_t kSize = 128 << 10;
  constexpr int kWrites = 8;
  ASSERT_TRUE(store_->Put("swap", std::string(kSize, 'a')).ok());
  std::atomic<bool> done{false};
  std::atomic<int> torn{0}, reads{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto got = store_->Get("swap");
      if (!got.ok()) continue;
      ++reads;
      bool whole =
          got->size() == kSize && got->find_first_not_of(got->front()) == std::string::npos;
      if (!whole) ++torn;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // leave the writer room
    }
  });
  for (int write_idx = 0; write_idx < kWrites; ++write_idx) {
    ASSERT_TRUE(store_->Put("swap", std::string(kSize, write_idx % 2 ? 'a' : 'b')).ok());
  }
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_EQ(Keys("swap"), std::vector<std::string>{"swap"});  // no temp object is visible
}

TEST_P(ObjectStoreConformanceTest, DeleteMissingIsOk) {
  EXPECT_TRUE(store_->Delete("never/was/here").ok());
  ASSERT_TRUE(store_->Put("d", "x").ok());
  ASSERT_TRUE(store_->Delete("d").ok());
  EXPECT_TRUE(store_->Get("d").status().IsNotFound());
  EXPECT_TRUE(store_->Delete("d").ok());
}

TEST_P(ObjectStoreConformanceTest, NotFound) {
  Status get = store_->Get("no/such/key").status();
  EXPECT_TRUE(get.IsNotFound()) << get.ToString();
  EXPECT_NE(get.message().find("no/such/key"), std::string::npos) << get.message();
  Status head = store_->Head("no/such/key").status();
  EXPECT_TRUE(head.IsNotFound()) << head.ToString();
  EXPECT_TRUE(Keys("no/such/").empty());
}

TEST_P(ObjectStoreConformanceTest, Head) {
  auto before = std::chrono::system_clock::now();
  ASSERT_TRUE(store_->Put("h/obj", "12345").ok());
  auto head = store_->Head("h/obj");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->key, "h/obj");
  EXPECT_EQ(head->size, 5u);
  int64_t before_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(before.time_since_epoch()).count();
  EXPECT_GT(head->mtime_ms, before_ms - 120000);  // servers round to seconds; clocks differ
  EXPECT_LT(head->mtime_ms, before_ms + 120000);
}

TEST_P(ObjectStoreConformanceTest, ListByPrefix) {
  for (const char* key : {"a/b", "a/c/d", "ab", "b", "a/c/e"}) {
    ASSERT_TRUE(store_->Put(key, key).ok()) << key;
  }
  EXPECT_EQ(Keys(""), (std::vector<std::string>{"a/b", "a/c/d", "a/c/e", "ab", "b"}));
  EXPECT_EQ(Keys("a"), (std::vector<std::string>{"a/b", "a/c/d", "a/c/e", "ab"}));
  EXPECT_EQ(Keys("a/"), (std::vector<std::string>{"a/b", "a/c/d", "a/c/e"}));
  EXPECT_EQ(Keys("a/c"), (std::vector<std::string>{"a/c/d", "a/c/e"}));
  EXPECT_EQ(Keys("a/c/d"), (std::vector<std::string>{"a/c/d"}));
  EXPECT_TRUE(Keys("c").empty());
  auto listed = store_->List("a/c/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].size, 5u);
  EXPECT_GT((*listed)[0].mtime_ms, 0);
}

TEST_P(ObjectStoreConformanceTest, ListMoreThanOnePage) {
  if (!backend().large_listing) {
    GTEST_SKIP() << "the > 1000 keys listing is kept to the memory stores and S3Moto for speed";
  }
  constexpr int kKeys = 1100;
  constexpr int kThreads = 8;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      for (int key_idx = thread_idx; key_idx < kKeys; key_idx += kThreads) {
        char key[32];
        std::snprintf(key, sizeof(key), "many/k%05d", key_idx);
        if (!store_->Put(key, "x").ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_TRUE(store_->Put("manz", "outside").ok());
  std::vector<std::string> keys = Keys("many/");
  ASSERT_EQ(keys.size(), static_cast<size_t>(kKeys));
  EXPECT_EQ(keys.front(), "many/k00000");
  EXPECT_EQ(keys.back(), "many/k01099");
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
}

TEST_P(ObjectStoreConformanceTest, KeysWithSpacesUnicodeAndReservedCharacters) {
  const std::vector<std::string> keys = {"odd/a b  c.txt",
                                         "odd/plus+equals=amp&.bin",
                                         "odd/q?hash#pct%25.x",
                                         "odd/\xc3\xbcnic\xc3\xb8"
                                         "de-\xe6\x97\xa5\xe6\x9c\xac",
                                         "odd/semi;colon,comma'quote\"",
                                         "odd/tilde~star*paren()",
                                         "odd/xml<&>entities"};
  for (const auto& key : keys) {
    ASSERT_TRUE(store_->Put(key, "v:" + key).ok()) << key;
  }
  for (const auto& key : keys) {
    EXPECT_EQ(MustGet(key), "v:" + key) << key;
    auto head = store_->Head(key);
    ASSERT_TRUE(head.ok()) << key << ": " << head.status().ToString();
    EXPECT_EQ(head->size, key.size() + 2);
  }
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(Keys("odd/"), sorted);
  EXPECT_EQ(Keys("odd/plus+"), std::vector<std::string>{"odd/plus+equals=amp&.bin"});
  ASSERT_TRUE(store_->Delete("odd/a b  c.txt").ok());
  EXPECT_TRUE(store_->Get("odd/a b  c.txt").status().IsNotFound());
}

TEST_P(ObjectStoreConformanceTest, InvalidKeysAreRejected) {
  for (const char* key : {"", "/abs", "a//b", "a/../b", "..", "a/", "./a", "bad\nkey"}) {
    EXPECT_TRUE(store_->Put(key, "x").IsInvalidArgument()) << "'" << key << "'";
    EXPECT_TRUE(store_->Get(key).status().IsInvalidArgument()) << "'" << key << "'";
    EXPECT_TRUE(store_->Head(key).status().IsInvalidArgument()) << "'" << key << "'";
  }
  EXPECT_TRUE(store_->List("../").status().IsInvalidArgument());
}

TEST_P(ObjectStoreConformanceTest, DescribeNamesTheLocation) {
  EXPECT_FALSE(store_->Describe().empty());
}

INSTANTIATE_TEST_SUITE_P(AllStores, ObjectStoreConformanceTest,
                         ::testing::Range<size_t>(0, Backends().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return Backends()[info.param].name;
                         });

}  // namespace
}  // namespace thingsdb
