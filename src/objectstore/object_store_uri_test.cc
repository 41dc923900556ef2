#include "objectstore/object_store_uri.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "objectstore/local_store.h"
#include "objectstore/memory_store.h"
#include "objectstore/s3_store.h"

namespace thingsdb {
namespace {

namespace fs = std::filesystem;

// Sets AWS_* variables for one test and restores them afterwards.
class ScopedEnv {
 public:
  ScopedEnv(std::vector<std::pair<std::string, std::string>> values) {
    for (auto& [name, value] : values) {
      const char* old = std::getenv(name.c_str());
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      ::setenv(name.c_str(), value.c_str(), 1);
    }
  }
  ~ScopedEnv() {
    for (auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

std::string TempPath(std::string_view tag) {
  return (fs::temp_directory_path() /
          ("thingsdb_uri_test_" + std::to_string(::getpid()) + "_" + std::string(tag)))
      .string();
}

TEST(OpenObjectStoreTest, PlainPathAndFileUriAreLocal) {
  std::string dir = TempPath("plain");
  auto plain = OpenObjectStore(dir);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_NE(dynamic_cast<LocalStore*>(plain->get()), nullptr);
  EXPECT_EQ((*plain)->Describe(), "file://" + dir);
  auto file = OpenObjectStore("file://" + dir);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->Describe(), "file://" + dir);
  fs::remove_all(dir);
}

TEST(OpenObjectStoreTest, RelativePathBecomesAbsolute) {
  std::string dir = TempPath("relative");
  fs::create_directories(dir);
  std::error_code ignored;
  fs::path old_cwd = fs::current_path();
  fs::current_path(dir);
  auto store = OpenObjectStore("sub/./cold/");
  fs::current_path(old_cwd);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->Describe(), "file://" + dir + "/sub/cold");
  fs::remove_all(dir, ignored);
}

TEST(OpenObjectStoreTest, MemUriIsMemory) {
  auto store = OpenObjectStore("mem://");
  ASSERT_TRUE(store.ok());
  EXPECT_NE(dynamic_cast<MemoryStore*>(store->get()), nullptr);
}

TEST(OpenObjectStoreTest, S3UriTakesBucketPrefixAndEnvironment) {
  ScopedEnv env({{"AWS_ENDPOINT_URL", "http://127.0.0.1:9"},
                 {"AWS_REGION", "eu-west-3"},
                 {"AWS_ACCESS_KEY_ID", "AKID"},
                 {"AWS_SECRET_ACCESS_KEY", "SECRET"},
                 {"AWS_SESSION_TOKEN", "TOKEN"}});
  auto store = OpenObjectStore("s3://my-bucket/warehouse/cold/");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto* s3 = dynamic_cast<S3Store*>(store->get());
  ASSERT_NE(s3, nullptr);
  EXPECT_EQ(s3->options().bucket, "my-bucket");
  EXPECT_EQ(s3->options().prefix, "warehouse/cold/");
  EXPECT_EQ(s3->options().endpoint, "http://127.0.0.1:9");
  EXPECT_EQ(s3->options().region, "eu-west-3");
  EXPECT_EQ(s3->options().credentials.access_key_id, "AKID");
  EXPECT_EQ(s3->options().credentials.session_token, "TOKEN");
  EXPECT_EQ(s3->Describe(), "s3://my-bucket/warehouse/cold (http://127.0.0.1:9)");
}

TEST(OpenObjectStoreTest, S3UriParametersOverrideEnvironment) {
  ScopedEnv env({{"AWS_ENDPOINT_URL", "http://127.0.0.1:9"},
                 {"AWS_ACCESS_KEY_ID", "AKID"},
                 {"AWS_SECRET_ACCESS_KEY", "SECRET"}});
  auto store = OpenObjectStore(
      "s3://b?endpoint=https%3A%2F%2Facct.r2.cloudflarestorage.com&region=auto&"
      "addressing=virtual&put_if_absent=head_then_put&part_size=6291456&max_attempts=7");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto* s3 = dynamic_cast<S3Store*>(store->get());
  ASSERT_NE(s3, nullptr);
  EXPECT_EQ(s3->options().endpoint, "https://acct.r2.cloudflarestorage.com");
  EXPECT_EQ(s3->options().region, "auto");
  EXPECT_EQ(s3->options().prefix, "");
  EXPECT_EQ(s3->options().addressing, S3Addressing::kVirtualHosted);
  EXPECT_EQ(s3->options().put_if_absent, S3PutIfAbsentMode::kHeadThenPut);
  EXPECT_EQ(s3->options().multipart_part_size, 6291456u);
  EXPECT_EQ(s3->options().max_attempts, 7);
}

TEST(OpenObjectStoreTest, BadUrisAreInvalidArgument) {
  ScopedEnv env({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "SECRET"}});
  for (const char* uri : {"", "s3://", "s3:///prefix", "gs://bucket", "file://host/path", "mem://x",
                          "s3://b?bogus=1", "s3://b?max_attempts=x", "s3://b?addressing=sideways",
                          "s3://b?endpoint=ftp://x", "s3://b/pre%zzfix", "s3://b/a/../c"}) {
    auto store = OpenObjectStore(uri);
    ASSERT_FALSE(store.ok()) << uri;
    EXPECT_TRUE(store.status().IsInvalidArgument()) << uri << ": " << store.status().ToString();
  }
  auto store = OpenObjectStore("gs://bucket");
  EXPECT_NE(store.status().message().find("gs://bucket"), std::string::npos);
}

TEST(OpenObjectStoreTest, S3WithoutCredentialsIsUnauthenticated) {
  ScopedEnv env({{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}});
  auto store = OpenObjectStore("s3://bucket/p");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnauthenticated) << store.status().ToString();
  EXPECT_NE(store.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);
}

}  // namespace
}  // namespace thingsdb
