#include "server/namespace_registry.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

namespace thingsdb::server {
namespace {

class NamespaceRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("thingsdb_registry_test_{}_{}", ::getpid(), counter_++);
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  RegistryOptions Options() {
    RegistryOptions options;
    options.data_dir = dir_.string();
    options.store_options.read_connections = 1;
    return options;
  }
  static inline int counter_ = 0;
  std::filesystem::path dir_;
};

TEST_F(NamespaceRegistryTest, NamesFollowTheCliRule) {
  for (const char* good : {"a", "A-b_9", "default"}) {
    EXPECT_TRUE(ValidateNamespaceName(good).ok()) << good;
  }
  EXPECT_TRUE(ValidateNamespaceName(std::string(64, 'x')).ok());
  for (std::string bad :
       {std::string(""), std::string(65, 'x'), std::string(".."), std::string("a/b"),
        std::string("a\\b"), std::string("a b"), std::string("a\0b", 3), std::string("é")}) {
    EXPECT_EQ(ValidateNamespaceName(bad).code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST_F(NamespaceRegistryTest, OpensOnFirstUseAtTheCliPath) {
  NamespaceRegistry registry(Options());
  auto ns = registry.Acquire("app");
  ASSERT_TRUE(ns.ok()) << ns.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(dir_ / "app" / "hot.db"));
  auto again = registry.Acquire("app");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ns->get(), again->get());
  EXPECT_EQ(registry.OpenCount(), 1u);
  EXPECT_EQ(registry.Acquire("../x").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(NamespaceRegistryTest, EvictsOnlyUnheldNamespaces) {
  RegistryOptions options = Options();
  options.max_open = 2;
  NamespaceRegistry registry(options);
  auto a = registry.Acquire("a");
  {
    auto b = registry.Acquire("b");
    ASSERT_TRUE(a.ok() && b.ok());
    // Both held: a third cannot open.
    EXPECT_EQ(registry.Acquire("c").status().code(), StatusCode::kBusy);
  }
  auto c = registry.Acquire("c");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(registry.OpenCount(), 2u);
  auto names = registry.OpenNamespaces();
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0]->name(), "c");
  EXPECT_EQ(names[1]->name(), "a");
}

TEST_F(NamespaceRegistryTest, ClosesIdleNamespacesThatNobodyHolds) {
  RegistryOptions options = Options();
  options.idle_close = std::chrono::milliseconds(0);
  NamespaceRegistry registry(options);
  auto held = registry.Acquire("held");
  { ASSERT_TRUE(registry.Acquire("idle").ok()); }
  (void)registry.CloseIdle();  // the background thread may have closed it already
  EXPECT_EQ(registry.OpenCount(), 1u);
  EXPECT_EQ(registry.OpenNamespaces()[0]->name(), "held");
}

TEST_F(NamespaceRegistryTest, WriteSlotsAreBounded) {
  RegistryOptions options = Options();
  options.max_pending_writes = 2;
  NamespaceRegistry registry(options);
  auto ns = registry.Acquire("w");
  ASSERT_TRUE(ns.ok());
  auto two = (*ns)->AcquireWriteSlot();
  {
    auto one = (*ns)->AcquireWriteSlot();
    ASSERT_TRUE(one.ok() && two.ok());
    EXPECT_EQ((*ns)->AcquireWriteSlot().status().code(), StatusCode::kBusy);
    EXPECT_EQ((*ns)->pending_writes(), 2);
  }
  EXPECT_TRUE((*ns)->AcquireWriteSlot().ok());
  EXPECT_EQ((*ns)->pending_writes(), 1);
}

TEST_F(NamespaceRegistryTest, CloseAllRefusesLaterAcquires) {
  NamespaceRegistry registry(Options());
  ASSERT_TRUE(registry.Acquire("a").ok());
  registry.CloseAll();
  EXPECT_EQ(registry.OpenCount(), 0u);
  EXPECT_EQ(registry.Acquire("a").status().code(), StatusCode::kBusy);
}

TEST_F(NamespaceRegistryTest, ConcurrentFirstUseOpensOneStore) {
  NamespaceRegistry registry(Options());
  constexpr int kThreads = 8;
  std::vector<Namespace*> seen(kThreads, nullptr);
  std::vector<std::thread> threads;
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    threads.emplace_back([&, thread_idx] {
      auto ns = registry.Acquire("same");
      if (ns.ok()) seen[thread_idx] = ns->get();
    });
  }
  for (auto& thread : threads) thread.join();
  for (int thread_idx = 0; thread_idx < kThreads; ++thread_idx) {
    ASSERT_NE(seen[thread_idx], nullptr);
    EXPECT_EQ(seen[thread_idx], seen[0]);
  }
  EXPECT_EQ(registry.OpenCount(), 1u);
}

}  // namespace
}  // namespace thingsdb::server
