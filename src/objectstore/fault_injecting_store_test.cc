#include "objectstore/fault_injecting_store.h"

#include <gtest/gtest.h>

#include <chrono>

#include "objectstore/memory_store.h"

namespace thingsdb {
namespace {

class FaultInjectingStoreTest : public ::testing::Test {
 protected:
  MemoryStore memory_;
  FaultInjectingStore store_{&memory_};
};

TEST_F(FaultInjectingStoreTest, PassesThroughAndCounts) {
  ASSERT_TRUE(store_.Put("a", "1").ok());
  ASSERT_TRUE(store_.PutIfAbsent("b", "2").ok());
  ASSERT_TRUE(store_.Get("a").ok());
  ASSERT_TRUE(store_.Head("b").ok());
  ASSERT_TRUE(store_.List("").ok());
  ASSERT_TRUE(store_.Delete("a").ok());
  EXPECT_EQ(store_.Calls(ObjectStoreOp::kPut), 1u);
  EXPECT_EQ(store_.Calls(ObjectStoreOp::kPutIfAbsent), 1u);
  EXPECT_EQ(store_.Calls(ObjectStoreOp::kGet), 1u);
  EXPECT_EQ(store_.Calls(ObjectStoreOp::kHead), 1u);
  EXPECT_EQ(store_.Calls(ObjectStoreOp::kList), 1u);
  EXPECT_EQ(store_.Calls(ObjectStoreOp::kDelete), 1u);
  EXPECT_EQ(store_.Calls(ObjectStoreOp::kAnyWrite), 3u);
  EXPECT_EQ(store_.Calls(ObjectStoreOp::kAny), 6u);
  EXPECT_EQ(store_.Describe(), "mem://");
  store_.ResetCounters();
  EXPECT_EQ(store_.Calls(ObjectStoreOp::kAny), 0u);
}

TEST_F(FaultInjectingStoreTest, FailNthFailsOnce) {
  store_.FailNth(ObjectStoreOp::kPut, 2);
  EXPECT_TRUE(store_.Put("k1", "x").ok());
  Status second = store_.Put("k2", "x");
  EXPECT_EQ(second.code(), StatusCode::kIOError);
  EXPECT_NE(second.message().find("k2"), std::string::npos) << second.message();
  EXPECT_TRUE(store_.Get("k2").status().IsNotFound());  // the failed call wrote nothing
  EXPECT_TRUE(store_.Put("k3", "x").ok());
  EXPECT_TRUE(store_.Put("k2", "x").ok());
  EXPECT_EQ(store_.InjectedFailures(ObjectStoreOp::kPut), 1u);
}

TEST_F(FaultInjectingStoreTest, FailFromFailsEveryLaterCall) {
  store_.FailFrom(ObjectStoreOp::kGet, 2, Status::Busy("throttled"));
  ASSERT_TRUE(store_.Put("k", "v").ok());
  EXPECT_TRUE(store_.Get("k").ok());
  for (int call = 0; call < 3; ++call) {
    EXPECT_EQ(store_.Get("k").status().code(), StatusCode::kBusy);
  }
  EXPECT_TRUE(store_.Head("k").ok());  // other operations are untouched
  store_.ClearFaults();
  EXPECT_TRUE(store_.Get("k").ok());
}

TEST_F(FaultInjectingStoreTest, AnyWriteCountsAcrossWriteOperations) {
  store_.FailFrom(ObjectStoreOp::kAnyWrite, 3);  // a "crash" after two writes
  EXPECT_TRUE(store_.Put("data", "d").ok());
  EXPECT_TRUE(store_.Put("manifest", "m").ok());
  EXPECT_FALSE(store_.PutIfAbsent("metadata", "x").ok());
  EXPECT_FALSE(store_.Delete("data").ok());
  EXPECT_TRUE(store_.Get("data").ok());  // reads still work
  EXPECT_TRUE(memory_.Get("metadata").status().IsNotFound());
}

TEST_F(FaultInjectingStoreTest, ShortWriteStoresATruncatedObject) {
  store_.ShortWriteNth(ObjectStoreOp::kPut, 1, 0.5);
  Status st = store_.Put("big", "0123456789");
  EXPECT_EQ(st.code(), StatusCode::kIOError);
  EXPECT_NE(st.message().find("short write"), std::string::npos) << st.message();
  auto stored = memory_.Get("big");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, "01234");
  EXPECT_TRUE(store_.Put("big", "0123456789").ok());  // once only
  EXPECT_EQ(*memory_.Get("big"), "0123456789");
}

TEST_F(FaultInjectingStoreTest, ShortWriteOfWholeObjectIsStillShort) {
  store_.ShortWriteNth(ObjectStoreOp::kPutIfAbsent, 1, 1.0);
  EXPECT_FALSE(store_.PutIfAbsent("k", "abc").ok());
  EXPECT_EQ(*memory_.Get("k"), "ab");
}

TEST_F(FaultInjectingStoreTest, LatencyDelaysCalls) {
  store_.SetLatency(ObjectStoreOp::kHead, std::chrono::milliseconds(30));
  ASSERT_TRUE(store_.Put("k", "v").ok());
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(store_.Head("k").ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(30));
}

TEST_F(FaultInjectingStoreTest, OwnsItsTargetWhenGivenOne) {
  FaultInjectingStore owning(std::make_unique<MemoryStore>());
  owning.FailNth(ObjectStoreOp::kAny, 1);
  EXPECT_FALSE(owning.Put("k", "v").ok());
  EXPECT_TRUE(owning.Put("k", "v").ok());
  EXPECT_EQ(*owning.Get("k"), "v");
}

}  // namespace
}  // namespace thingsdb
