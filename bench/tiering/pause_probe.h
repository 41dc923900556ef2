// Machine pauses for the benchmarks that measure stalls. A virtual machine can lose its CPUs
// to the host for a while (seen here: both vCPUs gone for ~100 ms at a time, the host's CPU
// quota period, while /proc/stat counts "steal"). PauseProbe's thread sleeps 1 ms at a time
// and records every wake-up later than 10 ms with the steal time the kernel counted
// meanwhile; one late mostly by steal (steal >= half its length) is a machine pause, which
// no code in the process could have caused.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

namespace thingsdb::bench {

using Clock = std::chrono::steady_clock;

// CPU time stolen by the host, summed over the CPUs (the 8th value of /proc/stat's "cpu"
// line, in clock ticks), in ms; 0 where unreadable.
inline double StealMs() {
  std::FILE* file = std::fopen("/proc/stat", "r");
  if (!file) return 0;
  unsigned long long v[8] = {};
  int n = std::fscanf(file, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
                      &v[3], &v[4], &v[5], &v[6], &v[7]);
  std::fclose(file);
  return n == 8 ? static_cast<double>(v[7]) * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK))
                : 0;
}

struct Pause {
  Clock::time_point from, to;
  double steal_ms;
  double Ms() const { return std::chrono::duration<double, std::milli>(to - from).count(); }
  bool Machine() const { return steal_ms >= Ms() / 2; }
};

// The probe thread: wakes every millisecond and records each wake-up later than 10 ms.
class PauseProbe {
 public:
  PauseProbe()
      : thread_([this] {
          double steal = StealMs();
          while (!stop_.load()) {
            auto from = Clock::now();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            auto to = Clock::now();
            double now_steal = StealMs();
            if (to - from > std::chrono::milliseconds(10)) {
              std::lock_guard<std::mutex> lock(mu_);
              pauses_.push_back({from, to, now_steal - steal});
            }
            steal = now_steal;
          }
        }) {}
  ~PauseProbe() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<Pause> machine_pauses() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Pause> out;
    for (const Pause& pause : pauses_) {
      if (pause.Machine()) out.push_back(pause);
    }
    return out;
  }
  std::vector<Pause> all() const {
    std::lock_guard<std::mutex> lock(mu_);
    return pauses_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Pause> pauses_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Whether a call that started at `start` and took `ms` overlapped one of `pauses`.
inline bool Overlaps(const std::vector<Pause>& pauses, Clock::time_point start, double ms) {
  auto end = start + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double, std::milli>(ms));
  return std::any_of(pauses.begin(), pauses.end(),
                     [&](const Pause& pause) { return pause.from < end && start < pause.to; });
}

// The start and length of each timed call (a Put, a Relate), for its longest, its p99 and its
// longest outside machine pauses.
struct CallTimes {
  std::vector<double> ms;
  std::vector<Clock::time_point> starts;

  void Add(Clock::time_point start, double took_ms) {
    starts.push_back(start);
    ms.push_back(took_ms);
  }
  // Times the call `fn` and records it.
  template <typename Fn>
  auto Time(Fn&& fn) {
    auto start = Clock::now();
    auto result = fn();
    Add(start, std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    return result;
  }
  double Max() const { return ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()); }
  // The longest call that did not overlap one of `pauses`.
  double MaxOutside(const std::vector<Pause>& pauses) const {
    double out = 0;
    for (size_t idx = 0; idx < ms.size(); ++idx) {
      if (!Overlaps(pauses, starts[idx], ms[idx])) out = std::max(out, ms[idx]);
    }
    return out;
  }
  double P99() const {
    if (ms.empty()) return 0;
    std::vector<double> sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    return sorted[sorted.size() * 99 / 100];
  }
};

}  // namespace thingsdb::bench
