#include "server/rate_limiter.h"

#include <gtest/gtest.h>

namespace thingsdb::server {
namespace {

using std::chrono::milliseconds;

TEST(RateLimiterTest, BurstThenRefillAtTheRate) {
  RateLimiter limiter;
  RateLimit limit{10, 3};  // 10/s, bucket of 3
  auto now = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  for (int request = 0; request < 3; ++request) EXPECT_EQ(limiter.TryAcquire("k", limit, now), 0);
  EXPECT_EQ(limiter.TryAcquire("k", limit, now), 1);
  // 100 ms later one token has come back, and only one.
  now += milliseconds(100);
  EXPECT_EQ(limiter.TryAcquire("k", limit, now), 0);
  EXPECT_GT(limiter.TryAcquire("k", limit, now), 0);
  // A long pause refills to the burst, not beyond.
  now += std::chrono::seconds(60);
  for (int request = 0; request < 3; ++request) EXPECT_EQ(limiter.TryAcquire("k", limit, now), 0);
  EXPECT_GT(limiter.TryAcquire("k", limit, now), 0);
}

TEST(RateLimiterTest, KeysHaveTheirOwnBucketsAndZeroIsUnlimited) {
  RateLimiter limiter;
  auto now = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  RateLimit one{0.5, 1};
  EXPECT_EQ(limiter.TryAcquire("a", one, now), 0);
  EXPECT_EQ(limiter.TryAcquire("a", one, now), 2);  // a token every 2 s
  EXPECT_EQ(limiter.TryAcquire("b", one, now), 0);
  for (int request = 0; request < 1000; ++request) {
    ASSERT_EQ(limiter.TryAcquire("c", RateLimit{}, now), 0);
  }
}

}  // namespace
}  // namespace thingsdb::server
