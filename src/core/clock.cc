#include "core/clock.h"

#include <chrono>

namespace thingsdb {

MonotonicClock::MonotonicClock(std::function<int64_t()> wall) : wall_(std::move(wall)) {}

int64_t MonotonicClock::SystemMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t MonotonicClock::NowMs() {
  int64_t now = wall_ ? wall_() : SystemMs();
  int64_t floor = floor_.load(std::memory_order_relaxed);
  while (now > floor && !floor_.compare_exchange_weak(floor, now, std::memory_order_relaxed)) {
  }
  return now > floor ? now : floor;
}

void MonotonicClock::Observe(int64_t ms) {
  int64_t floor = floor_.load(std::memory_order_relaxed);
  while (ms > floor && !floor_.compare_exchange_weak(floor, ms, std::memory_order_relaxed)) {
  }
}

}  // namespace thingsdb
