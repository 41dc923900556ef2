// BackgroundFlusher: owns a thread that calls ThingsDB::MaybeFlush every `interval` (docs/
// tiering.md "Flush triggers"), then ThingsDB::MaybeMaintain (compaction, snapshot expiry,
// orphan removal on the engine's own, slower cadence: EngineOptions::maintenance_*). A
// failed check, flush or maintenance run is counted and reported to `on_error` (default: one
// line on stderr), never thrown; the next tick tries again. The ThingsDB must
// outlive the flusher. Destruction (or Stop) wakes the thread and joins it; a flush already
// running finishes first, since a flush cannot be cut short safely. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/status.h"
#include "engine/things_db.h"

namespace thingsdb::engine {

struct BackgroundFlusherOptions {
  std::chrono::milliseconds interval{1000};
  // Called on the flusher's thread with each failure; empty: a line on stderr.
  std::function<void(const Status&)> on_error;
};

struct BackgroundFlusherStats {
  int64_t checks = 0;                     // MaybeFlush calls
  int64_t flushes = 0;                    // flushes that moved something
  int64_t rows = 0;                       // things and relationships written to the cold tier
  int64_t failures = 0;                   // checks that returned an error (or threw)
  std::string last_error;                 // empty until the first failure
  std::optional<FlushReport> last_flush;  // the latest flush that moved something
  int64_t maintenance_runs = 0;           // MaybeMaintain runs that did their work
  int64_t compactions = 0;                // of those, the ones that rewrote files
  std::optional<MaintenanceReport> last_maintenance;
};

class BackgroundFlusher {
 public:
  // Starts the thread; the first check runs one interval from now.
  BackgroundFlusher(ThingsDB& db, BackgroundFlusherOptions options);
  ~BackgroundFlusher();
  BackgroundFlusher(const BackgroundFlusher&) = delete;
  BackgroundFlusher& operator=(const BackgroundFlusher&) = delete;

  // Runs a check now instead of at the next tick (e.g. after a large batch).
  void Wake();
  // Stops and joins the thread; idempotent.
  void Stop();
  BackgroundFlusherStats stats() const;

 private:
  void Run();
  void CheckOnce();
  void MaintainOnce();
  void RecordFailure(const Status& status, const char* what);

  ThingsDB& db_;
  const BackgroundFlusherOptions options_;
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  bool stop_ = false;
  bool wake_ = false;
  BackgroundFlusherStats stats_;
  std::thread thread_;  // last: starts after the members above exist
};

}  // namespace thingsdb::engine
