// RateLimiter: one token bucket per key (a token's name). A bucket holds up to `burst`
// requests and refills at `per_second`; per_second <= 0 means unlimited. Thread-safe; the
// number of buckets is bounded by the number of configured tokens.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace thingsdb::server {

struct RateLimit {
  double per_second = 0;  // <= 0: unlimited
  double burst = 0;       // bucket size; at least 1 when limited
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // Takes one request from `key`'s bucket. Returns 0 when allowed, else the whole seconds
  // (at least 1) after which a retry can succeed (for Retry-After).
  int TryAcquire(const std::string& key, const RateLimit& limit, Clock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace thingsdb::server
