#include "server/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace thingsdb::server {

int RateLimiter::TryAcquire(const std::string& key, const RateLimit& limit, Clock::time_point now) {
  if (limit.per_second <= 0) return 0;
  double burst = std::max(1.0, limit.burst);
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = buckets_.try_emplace(key);
  Bucket& bucket = it->second;
  if (inserted) {
    bucket.tokens = burst;
    bucket.last = now;
  } else if (now > bucket.last) {
    double elapsed = std::chrono::duration<double>(now - bucket.last).count();
    bucket.tokens = std::min(burst, bucket.tokens + elapsed * limit.per_second);
    bucket.last = now;
  }
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return 0;
  }
  double wait = (1.0 - bucket.tokens) / limit.per_second;
  return std::max(1, static_cast<int>(std::ceil(wait)));
}

}  // namespace thingsdb::server
