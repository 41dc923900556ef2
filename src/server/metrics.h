// Metrics: the server's counters and histograms, rendered as Prometheus text (format 0.0.4).
// Requests by route and status, latency histograms by route, errors by code, rejections,
// rows read and written per namespace (the billing units), flushes to the cold tier by
// trigger ("api" or "background"): count, errors, rows, bytes, duration; background WAL
// checkpoints by mode ("passive" or "blocking"): count, errors, duration. Gauges that describe the
// current state (open namespaces, hot rows and bytes) are passed in at render time. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace thingsdb::server {

struct NamespaceGauge {
  std::string ns;
  int64_t hot_things = 0;
  int64_t hot_relationships = 0;
  int64_t hot_bytes = 0;
  int pending_writes = 0;
};

struct ServerGauges {
  int64_t open_namespaces = 0;
  int64_t in_flight = 0;
  int64_t resident_bytes = 0;       // the process's RSS (/proc/self/statm)
  std::vector<NamespaceGauge> namespaces;
};

class Metrics {
 public:
  static constexpr std::array<double, 14> kLatencyBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  // `route` is a pattern ("GET /v1/namespaces/{ns}/things"), never a raw path, so the
  // number of series stays bounded.
  void ObserveRequest(std::string_view route, int status, double seconds);
  void CountError(std::string_view code);
  void AddRowsRead(const std::string& ns, int64_t rows);
  void AddRowsWritten(const std::string& ns, int64_t rows);

  static constexpr std::array<double, 12> kFlushBuckets = {0.01, 0.05, 0.1, 0.25, 0.5, 1,
                                                           2.5,  5,    10,  30,   60,  120};
  // One flush that ran (`trigger` is "api" or "background"); rows = things + relationships.
  void ObserveFlush(std::string_view trigger, int64_t rows, int64_t bytes, double seconds);
  void CountFlushError(std::string_view trigger);

  // One background WAL checkpoint that ran; `blocking`: it fell back to TRUNCATE.
  void ObserveCheckpoint(bool blocking, double seconds);
  void CountCheckpointError();

  std::string Render(const ServerGauges& gauges) const;

 private:
  struct Histogram {
    std::array<int64_t, kLatencyBuckets.size()> buckets{};
    int64_t count = 0;
    double sum = 0;
  };
  struct Rows {
    int64_t read = 0;
    int64_t written = 0;
  };
  struct Flushes {
    std::array<int64_t, kFlushBuckets.size()> buckets{};
    int64_t count = 0;
    double seconds = 0;
    int64_t errors = 0;
    int64_t rows = 0;
    int64_t bytes = 0;
  };
  void RenderFlushes(std::string& out) const;      // mu_ held
  void RenderCheckpoints(std::string& out) const;  // mu_ held

  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, int64_t> requests_;
  std::map<std::string, Histogram, std::less<>> latency_;
  std::map<std::string, int64_t, std::less<>> errors_;
  std::map<std::string, Rows, std::less<>> rows_;
  std::map<std::string, Flushes, std::less<>> flushes_;  // by trigger
  Histogram passive_checkpoints_;
  Histogram blocking_checkpoints_;
  int64_t checkpoint_errors_ = 0;
};

// Escapes a Prometheus label value (backslash, quote, newline).
std::string PrometheusLabel(std::string_view value);

}  // namespace thingsdb::server
