#include "core/clock.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace thingsdb {
namespace {

TEST(MonotonicClockTest, ConcurrentReadersSeeNonDecreasingValues) {
  MonotonicClock clock;
  std::vector<std::thread> threads;
  std::atomic<bool> decreased{false};
  for (int thread_idx = 0; thread_idx < 4; ++thread_idx) {
    threads.emplace_back([&] {
      int64_t last = 0;
      for (int idx = 0; idx < 10000; ++idx) {
        int64_t now = clock.NowMs();
        if (now < last) decreased = true;
        last = now;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(decreased);
}

}  // namespace
}  // namespace thingsdb
