// How long a background flush blocks writers: loads N things (default 50,000) into a fresh
// namespace (local warehouse in a temp directory), then one thread keeps calling Put and
// another Relate (between loaded things, which the flush is moving: the engine's own write
// path, which takes the engine mutex) while a BackgroundFlusher (row-count trigger = N)
// flushes them. Prints the longest and the 99th percentile latency of each before and
// during the flush, the flush's own time, and how long it held the writer lock: Begin's
// write transactions, the publishing transaction and the batches of deletes.
//
// The longest stalls are printed both with and without the calls that overlapped a machine
// pause (pause_probe.h: the virtual machine lost its CPUs to the host).
// Usage: thingsdb_flush_stall_bench [rows] [dir]
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "pause_probe.h"
#include "engine/background_flusher.h"
#include "engine/things_db.h"

namespace {

using thingsdb::bench::Clock;
using thingsdb::bench::CallTimes;
using thingsdb::bench::Pause;
using thingsdb::bench::PauseProbe;
using thingsdb::bench::StealMs;
using thingsdb::engine::BackgroundFlusher;
using thingsdb::engine::EngineOptions;
using thingsdb::engine::ThingsDB;

std::string Data(int64_t n) {
  return fmt::format("{{\"n\":{},\"email\":\"user{}@example.com\",\"name\":\"name {}\"}}", n, n, n);
}

int Run(int64_t rows, const std::filesystem::path& dir) {
  std::filesystem::remove_all(dir);
  EngineOptions options;
  options.data_dir = dir.string();
  options.ns = "bench";
  options.flush_max_rows = rows;
  options.flush_max_age_ms = 0;
  options.flush_max_hot_bytes = 0;
  options.flush_min_age_ms = 0;
  auto opened = ThingsDB::Open(options);
  if (!opened.ok()) {
    fmt::print(stderr, "open: {}\n", opened.status().ToString());
    return 1;
  }
  ThingsDB& db = **opened;
  std::vector<thingsdb::hot::BatchItem> batch;
  for (int64_t n = 0; n < rows - 1; ++n) {
    batch.push_back({thingsdb::hot::NewThing{fmt::format("p{:08d}", n), "user", Data(n), {}}});
    if (batch.size() == 5000 || n == rows - 2) {
      auto written = db.hot().WriteBatch(batch);
      if (!written.ok()) {
        fmt::print(stderr, "load: {}\n", written.status().ToString());
        return 1;
      }
      batch.clear();
    }
  }

  PauseProbe probe;
  double steal_start = StealMs();
  std::atomic<bool> stop{false};
  std::atomic<int> phase{0};  // 0: before the flusher starts, 1: flusher running
  std::mutex mu;
  CallTimes before, during, relate_before, relate_during;
  std::atomic<int64_t> errors{0};
  std::thread writer([&] {
    for (int64_t n = rows; !stop.load(); ++n) {
      auto start = Clock::now();
      auto put = db.Put({fmt::format("w{:08d}", n), "user", Data(n), {}});
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (!put.ok()) ++errors;
      std::lock_guard<std::mutex> lock(mu);
      (phase.load() == 0 ? before : during).Add(start, ms);
    }
  });
  std::thread relater([&] {
    for (int64_t n = 0; !stop.load() && n + 1 < rows - 1; ++n) {
      auto start = Clock::now();
      auto rel = db.Relate({fmt::format("p{:08d}", n), "next", fmt::format("p{:08d}", n + 1), {}});
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (!rel.ok()) {
        fmt::print(stderr, "relate: {}\n", rel.status().ToString());
        ++errors;
      }
      std::lock_guard<std::mutex> lock(mu);
      (phase.load() == 0 ? relate_before : relate_during).Add(start, ms);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto flush_start = Clock::now();
  phase = 1;
  double flush_ms = 0;
  int64_t flushed_rows = 0;
  thingsdb::engine::FlushReport report;
  {
    thingsdb::engine::BackgroundFlusherOptions flusher_options;
    flusher_options.interval = std::chrono::milliseconds(10);
    BackgroundFlusher flusher(db, flusher_options);
    while (flusher.stats().flushes == 0 && flusher.stats().failures == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    flush_ms = std::chrono::duration<double, std::milli>(Clock::now() - flush_start).count();
    auto stats = flusher.stats();
    flushed_rows = stats.rows;
    if (stats.last_flush) report = *stats.last_flush;
    if (stats.failures > 0) fmt::print(stderr, "flush failed: {}\n", stats.last_error);
  }
  stop = true;
  writer.join();
  relater.join();
  probe.Stop();
  double steal_ms = StealMs() - steal_start;
  std::vector<Pause> machine = probe.machine_pauses();
  double longest_pause = 0, longest_other = 0;
  for (const Pause& pause : probe.all()) {
    (pause.Machine() ? longest_pause : longest_other) =
        std::max(pause.Machine() ? longest_pause : longest_other, pause.Ms());
  }
  fmt::print("rows flushed            {}\n", flushed_rows);
  fmt::print("flush (trigger to done) {:.0f} ms\n", flush_ms);
  fmt::print("puts before / during    {} / {}\n", before.ms.size(), during.ms.size());
  fmt::print("put max before          {:.2f} ms (p99 {:.3f} ms)\n", before.Max(), before.P99());
  fmt::print("put max during flush    {:.2f} ms (p99 {:.3f} ms)  <- longest writer stall\n",
             during.Max(), during.P99());
  fmt::print("relates before / during {} / {}\n", relate_before.ms.size(), relate_during.ms.size());
  fmt::print("relate max before       {:.2f} ms (p99 {:.3f} ms)\n", relate_before.Max(),
             relate_before.P99());
  fmt::print("relate max during flush {:.2f} ms (p99 {:.3f} ms)\n", relate_during.Max(),
             relate_during.P99());
  fmt::print("put / relate errors     {}\n", errors.load());
  fmt::print(
      "machine pauses          {} (longest {:.1f} ms; CPU steal in the run {:.0f} ms); "
      "other late wake-ups of the probe: longest {:.1f} ms\n",
      machine.size(), longest_pause, steal_ms, longest_other);
  fmt::print("put max during flush outside machine pauses    {:.2f} ms\n",
             during.MaxOutside(machine));
  fmt::print("relate max during flush outside machine pauses {:.2f} ms\n",
             relate_during.MaxOutside(machine));
  // When the slowest calls came, against the flush's phases (the deletes end with the flush).
  auto slowest = [&](const char* what, const CallTimes& lat) {
    std::vector<size_t> order(lat.ms.size());
    for (size_t idx = 0; idx < order.size(); ++idx) order[idx] = idx;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return lat.ms[a] > lat.ms[b]; });
    std::string out;
    for (size_t rank = 0; rank < std::min<size_t>(5, order.size()); ++rank) {
      size_t idx = order[rank];
      out += fmt::format(" {:.1f} ms at +{:.0f} ms;", lat.ms[idx],
                         std::chrono::duration<double, std::milli>(lat.starts[idx] - flush_start)
                             .count());
    }
    fmt::print("slowest {} during the flush (start after the trigger):{}\n", what, out);
  };
  slowest("puts", during);
  slowest("relates", relate_during);
  fmt::print("deletes began at about +{:.0f} ms\n", flush_ms - report.finish_us / 1000.0);
  fmt::print(
      "flush: snapshot read {:.1f} ms, longest Begin write txn {:.1f} ms, publish txn "
      "{:.1f} ms (engine mutex {:.1f} ms), longest delete txn {:.1f} ms, finish in all "
      "{:.1f} ms\n",
      report.read_us / 1000.0, report.begin_lock_us / 1000.0, report.publish_us / 1000.0,
      report.publish_lock_us / 1000.0,
      report.finish_lock_us / 1000.0, report.finish_us / 1000.0);
  opened->reset();
  std::filesystem::remove_all(dir);
  return errors.load() == 0 && flushed_rows > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = argc > 1 ? std::atoll(argv[1]) : 50000;
  std::filesystem::path dir = argc > 2 ? std::filesystem::path(argv[2])
                                       : std::filesystem::temp_directory_path() /
                                             fmt::format("thingsdb_flush_stall_{}", ::getpid());
  return Run(rows, dir);
}
