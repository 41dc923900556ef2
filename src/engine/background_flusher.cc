#include "engine/background_flusher.h"

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <string_view>

namespace thingsdb::engine {

BackgroundFlusher::BackgroundFlusher(ThingsDB& db, BackgroundFlusherOptions options)
    : db_(db), options_(std::move(options)), thread_([this] { Run(); }) {}

BackgroundFlusher::~BackgroundFlusher() { Stop(); }

void BackgroundFlusher::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void BackgroundFlusher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

BackgroundFlusherStats BackgroundFlusher::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void BackgroundFlusher::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait_for(lock, options_.interval, [this] { return stop_ || wake_; });
    if (stop_) return;
    wake_ = false;
    lock.unlock();
    CheckOnce();
    lock.lock();
  }
}

void BackgroundFlusher::CheckOnce() {
  // No exception may end the thread (std::terminate): convert it, as at a layer's edge.
  auto check = [this]() -> Result<std::optional<FlushReport>> {
    try {
      return db_.MaybeFlush();
    } catch (const std::exception& e) {
      return Status::Internal(fmt::format("background flush threw: {}", e.what()));
    } catch (...) {
      return Status::Internal("background flush threw an unknown exception");
    }
  };
  Result<std::optional<FlushReport>> result = check();
  if (!result.ok()) {
    RecordFailure(result.status(), "flush");
  } else {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.checks;
    const std::optional<FlushReport>& report = *result;
    if (report && !report->flush_id.empty()) {
      ++stats_.flushes;
      stats_.rows += report->things + report->relationships;
      stats_.last_flush = *report;
    }
  }
  MaintainOnce();
}

void BackgroundFlusher::MaintainOnce() {
  auto maintain = [this]() -> Result<std::optional<MaintenanceReport>> {
    try {
      return db_.MaybeMaintain();
    } catch (const std::exception& e) {
      return Status::Internal(fmt::format("background maintenance threw: {}", e.what()));
    } catch (...) {
      return Status::Internal("background maintenance threw an unknown exception");
    }
  };
  Result<std::optional<MaintenanceReport>> result = maintain();
  if (!result.ok()) {
    RecordFailure(result.status(), "maintenance");
    return;
  }
  if (!result->has_value()) return;
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.maintenance_runs;
  if (!(*result)->compact.compact_id.empty()) ++stats_.compactions;
  stats_.last_maintenance = std::move(**result);
}

void BackgroundFlusher::RecordFailure(const Status& status, const char* what) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (std::string_view(what) == "flush") ++stats_.checks;
    ++stats_.failures;
    stats_.last_error = status.ToString();
  }
  if (options_.on_error) {
    options_.on_error(status);
  } else {
    std::fprintf(stderr, "thingsdb: background %s failed: %s\n", what, status.ToString().c_str());
  }
}

}  // namespace thingsdb::engine
