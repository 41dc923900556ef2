#include "server/auth.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace thingsdb::server {
namespace {

using nlohmann::json;

TEST(AuthTest, Sha256HexMatchesTheStandardVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(AuthTest, GeneratedTokensAreLongAndDistinct) {
  auto first = GenerateToken();
  auto second = GenerateToken();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->size(), 64u);
  EXPECT_NE(*first, *second);
}

TEST(AuthTest, AdminTokenMayDoAnything) {
  auto auth = Authenticator::Create("root", "");
  ASSERT_TRUE(auth.ok());
  auto grant = auth->Authenticate("Bearer root");
  ASSERT_TRUE(grant.ok());
  EXPECT_TRUE((*grant)->admin);
  EXPECT_TRUE(Authenticator::Authorize(**grant, "anything", Access::kWrite).ok());
  EXPECT_EQ(auth->Authenticate("Bearer roo").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(auth->Authenticate("Bearer rootx").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(auth->Authenticate("root").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(auth->Authenticate("Bearer ").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(auth->Authenticate("").status().code(), StatusCode::kUnauthenticated);
  EXPECT_FALSE(Authenticator::Create("", "").ok());
}

TEST(AuthTest, ScopedTokensReadOrWriteTheirNamespaces) {
  json config = {
      {"rateLimit", {{"perSecond", 10}, {"burst", 20}}},
      {"tokens",
       {{{"name", "r"}, {"sha256", Sha256Hex("rt")}, {"access", "read"}, {"namespaces", {"app"}}},
        {{"name", "w"},
         {"sha256", Sha256Hex("wt")},
         {"access", "write"},
         {"prefixes", {"team-"}},
         {"rateLimit", {{"perSecond", 1}, {"burst", 1}}}}}}};
  auto auth = Authenticator::Create("root", config.dump());
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_EQ(auth->token_count(), 3u);
  auto reader = auth->Authenticate("Bearer rt");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->name, "r");
  EXPECT_EQ((*reader)->rate_limit.per_second, 10);
  EXPECT_TRUE(Authenticator::Authorize(**reader, "app", Access::kRead).ok());
  EXPECT_EQ(Authenticator::Authorize(**reader, "app", Access::kWrite).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Authenticator::Authorize(**reader, "app2", Access::kRead).code(),
            StatusCode::kPermissionDenied);
  auto writer = auth->Authenticate("Bearer wt");
  ASSERT_TRUE(writer.ok());
  EXPECT_EQ((*writer)->rate_limit.per_second, 1);
  EXPECT_TRUE(Authenticator::Authorize(**writer, "team-a", Access::kWrite).ok());
  EXPECT_TRUE(Authenticator::Authorize(**writer, "team-a", Access::kRead).ok());
  EXPECT_EQ(Authenticator::Authorize(**writer, "team", Access::kRead).code(),
            StatusCode::kPermissionDenied);
}

TEST(AuthTest, BadConfigurationsAreRefusedWithAReason) {
  const char* bad[] = {
      "not json",
      "[]",
      R"({"unknown":1})",
      R"({"tokens":{}})",
      R"({"tokens":[{"sha256":"00"}]})",
      R"({"tokens":[{"name":"a","sha256":"zz","namespaces":["x"]}]})",
      R"({"tokens":[{"name":"a","sha256":"0000000000000000000000000000000000000000000000000000000000000000"}]})",
      R"({"tokens":[{"name":"a","sha256":"0000000000000000000000000000000000000000000000000000000000000000","namespaces":["x"],"access":"root"}]})",
      R"({"tokens":[{"name":"a","sha256":"0000000000000000000000000000000000000000000000000000000000000000","namespaces":["x"],"token":"plain"}]})",
      R"({"tokens":[{"name":"admin","sha256":"0000000000000000000000000000000000000000000000000000000000000000","namespaces":["x"]}]})",
      R"({"rateLimit":{"perSecond":"fast"}})",
  };
  for (const char* config : bad) {
    auto auth = Authenticator::Create("root", config);
    EXPECT_FALSE(auth.ok()) << config;
    if (!auth.ok()) {
      EXPECT_EQ(auth.status().code(), StatusCode::kInvalidArgument) << config;
    }
  }
}

}  // namespace
}  // namespace thingsdb::server
