// A per-namespace monotonic millisecond clock: the wall clock, but never behind a value it
// returned or was told about, so `updated_at` never goes back when the system clock steps.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

namespace thingsdb {

class MonotonicClock {
 public:
  // `wall` returns milliseconds since the epoch; the default reads the system clock.
  explicit MonotonicClock(std::function<int64_t()> wall = nullptr);

  // max(wall clock, every value returned or observed before).
  int64_t NowMs();
  // Raises the floor (e.g. to the largest timestamp already stored).
  void Observe(int64_t ms);

  static int64_t SystemMs();

 private:
  std::function<int64_t()> wall_;
  std::atomic<int64_t> floor_{0};
};

}  // namespace thingsdb
