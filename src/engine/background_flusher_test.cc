// BackgroundFlusher and the MaybeFlush triggers (row count, age, hot bytes).
#include "engine/background_flusher.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "engine/testing/engine_fixture.h"

namespace thingsdb::engine {
namespace {

using namespace std::chrono_literals;

BackgroundFlusherOptions Every(std::chrono::milliseconds interval) {
  BackgroundFlusherOptions options;
  options.interval = interval;
  return options;
}

class BackgroundFlusherTest : public testing::EngineTest {
 protected:
  // Every trigger off unless the test turns it on.
  void OpenWith(const std::function<void(EngineOptions&)>& configure) {
    EngineOptions options = BaseOptions();
    options.flush_max_rows = 0;
    options.flush_max_age_ms = 0;
    options.flush_max_hot_bytes = 0;
    configure(options);
    OpenOptions(std::move(options));
  }

  // Polls `done` for up to 60 s (ASan on a busy machine); true when it held.
  static bool WaitFor(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return done();
  }
};

TEST_F(BackgroundFlusherTest, MaybeFlushDoesNothingBelowEveryThreshold) {
  OpenWith([](EngineOptions& options) {
    options.flush_max_rows = 100;
    options.flush_max_age_ms = 60'000;
    options.flush_max_hot_bytes = 1LL << 30;
  });
  for (int i = 0; i < 10; ++i) Put(fmt::format("a{}", i), "{}");
  now_ms_ += 1000;
  auto result = db_->MaybeFlush();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_FALSE(result->has_value());
  EXPECT_EQ(HotCount("things"), 10);
}

TEST_F(BackgroundFlusherTest, MaybeFlushFlushesAtTheRowCount) {
  OpenWith([](EngineOptions& options) { options.flush_max_rows = 10; });
  for (int i = 0; i < 9; ++i) Put(fmt::format("a{}", i), "{}");
  auto below = db_->MaybeFlush();
  ASSERT_TRUE(below.ok()) << below.status().ToString();
  EXPECT_FALSE(below->has_value());
  Put("a9", "{}");
  auto at = db_->MaybeFlush();
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  ASSERT_TRUE(at->has_value());
  EXPECT_EQ((*at)->things, 10);
  EXPECT_EQ(HotCount("things"), 0);
}

TEST_F(BackgroundFlusherTest, MaybeFlushFlushesAtTheAge) {
  OpenWith([](EngineOptions& options) { options.flush_max_age_ms = 5000; });
  Put("old", "{}");
  now_ms_ += 4000;
  auto young = db_->MaybeFlush();
  ASSERT_TRUE(young.ok()) << young.status().ToString();
  EXPECT_FALSE(young->has_value());
  now_ms_ += 1000;
  auto old = db_->MaybeFlush();
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  ASSERT_TRUE(old->has_value());
  EXPECT_EQ((*old)->things, 1);
}

TEST_F(BackgroundFlusherTest, MaybeFlushFlushesAtTheHotSize) {
  // The empty namespace's pages in use (its schema), then a threshold 400 KB above them:
  // 200 things of ~4 KB cross it.
  OpenWith([](EngineOptions&) {});
  int64_t base = 0;
  for (const char* pragma : {"PRAGMA page_count", "PRAGMA freelist_count", "PRAGMA page_size"}) {
    auto value = db_->engine_db().QueryInt(pragma);
    ASSERT_TRUE(value.ok()) << value.status().ToString();
    base = std::string_view(pragma) == "PRAGMA page_count"       ? *value
           : std::string_view(pragma) == "PRAGMA freelist_count" ? base - *value
                                                                 : base * *value;
  }
  ASSERT_GT(base, 0);
  OpenWith([base](EngineOptions& options) { options.flush_max_hot_bytes = base + 400'000; });
  std::string big = fmt::format("{{\"pad\":\"{}\"}}", std::string(4000, 'p'));
  Put("first", big);
  auto small = db_->MaybeFlush();
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_FALSE(small->has_value());
  for (int i = 0; i < 200; ++i) Put(fmt::format("b{:03d}", i), big);
  auto large = db_->MaybeFlush();
  ASSERT_TRUE(large.ok()) << large.status().ToString();
  ASSERT_TRUE(large->has_value());
  EXPECT_EQ((*large)->things, 201);
  // The freed pages are on the freelist: the hot size is back under the threshold.
  auto after = db_->MaybeFlush();
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_FALSE(after->has_value());
  auto thing = db_->Get("b123");
  ASSERT_TRUE(thing.ok()) << thing.status().ToString();
  EXPECT_EQ(thing->data, big);
}

TEST_F(BackgroundFlusherTest, FlushesInTheBackgroundAndCountsRows) {
  OpenWith([](EngineOptions& options) { options.flush_max_rows = 5; });
  for (int i = 0; i < 8; ++i) Put(fmt::format("c{}", i), "{}");
  BackgroundFlusher flusher(*db_, Every(5ms));
  ASSERT_TRUE(WaitFor([&] { return flusher.stats().flushes >= 1; }));
  flusher.Stop();
  BackgroundFlusherStats stats = flusher.stats();
  EXPECT_EQ(stats.flushes, 1);  // below the threshold after the first flush
  EXPECT_EQ(stats.rows, 8);
  EXPECT_EQ(stats.failures, 0);
  EXPECT_GE(stats.checks, 1);
  EXPECT_EQ(HotCount("things"), 0);
  EXPECT_EQ(ColdThings().size(), 8u);
}

TEST_F(BackgroundFlusherTest, FailuresAreCountedAndTheNextTickRetries) {
  OpenWith([](EngineOptions& options) { options.flush_max_rows = 1; });
  Put("d1", "{\"v\":1}");
  faulty_->FailFrom(ObjectStoreOp::kAnyWrite, 1);
  std::atomic<int> reported{0};
  BackgroundFlusher flusher(*db_, {.interval = 5ms, .on_error = [&](const Status& status) {
                                     EXPECT_FALSE(status.ok());
                                     ++reported;
                                   }});
  ASSERT_TRUE(WaitFor([&] { return flusher.stats().failures >= 2; }));
  EXPECT_NE(flusher.stats().last_error.find("injected fault"), std::string::npos)
      << flusher.stats().last_error;
  EXPECT_EQ(flusher.stats().flushes, 0);
  faulty_->ClearFaults();
  ASSERT_TRUE(WaitFor([&] { return flusher.stats().flushes >= 1; }));
  flusher.Stop();
  EXPECT_EQ(reported.load(), flusher.stats().failures);
  EXPECT_EQ(HotCount("things"), 0);
  auto thing = db_->Get("d1");
  ASSERT_TRUE(thing.ok()) << thing.status().ToString();
  EXPECT_EQ(thing->data, "{\"v\":1}");
}

TEST_F(BackgroundFlusherTest, StopWakesASleepingThreadWithoutACheck) {
  OpenWith([](EngineOptions& options) { options.flush_max_rows = 1; });
  Put("e1", "{}");
  BackgroundFlusher flusher(*db_, Every(std::chrono::hours(1)));
  flusher.Stop();  // returns at once, or the test times out
  flusher.Stop();  // idempotent
  EXPECT_EQ(flusher.stats().checks, 0);
  EXPECT_EQ(HotCount("things"), 1);
}

TEST_F(BackgroundFlusherTest, WakeRunsACheckBeforeTheInterval) {
  OpenWith([](EngineOptions& options) { options.flush_max_rows = 1; });
  Put("w1", "{}");
  BackgroundFlusher flusher(*db_, Every(std::chrono::hours(1)));
  flusher.Wake();
  ASSERT_TRUE(WaitFor([&] { return flusher.stats().flushes == 1; }));
  EXPECT_EQ(HotCount("things"), 0);
}

}  // namespace
}  // namespace thingsdb::engine
