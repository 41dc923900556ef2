#include "server/metrics.h"

#include <fmt/format.h>

namespace thingsdb::server {

std::string PrometheusLabel(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void Metrics::ObserveRequest(std::string_view route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_[{std::string(route), status}]++;
  auto it = latency_.find(route);
  if (it == latency_.end()) it = latency_.emplace(std::string(route), Histogram{}).first;
  Histogram& hist = it->second;
  for (size_t bucket_idx = 0; bucket_idx < kLatencyBuckets.size(); ++bucket_idx) {
    if (seconds <= kLatencyBuckets[bucket_idx]) hist.buckets[bucket_idx]++;
  }
  hist.count++;
  hist.sum += seconds;
}

void Metrics::CountError(std::string_view code) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = errors_.find(code);
  if (it == errors_.end()) it = errors_.emplace(std::string(code), 0).first;
  it->second++;
}

void Metrics::AddRowsRead(const std::string& ns, int64_t rows) {
  if (rows <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  rows_[ns].read += rows;
}

void Metrics::AddRowsWritten(const std::string& ns, int64_t rows) {
  if (rows <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  rows_[ns].written += rows;
}

void Metrics::ObserveFlush(std::string_view trigger, int64_t rows, int64_t bytes, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = flushes_.find(trigger);
  if (it == flushes_.end()) it = flushes_.emplace(std::string(trigger), Flushes{}).first;
  Flushes& flushes = it->second;
  for (size_t bucket_idx = 0; bucket_idx < kFlushBuckets.size(); ++bucket_idx) {
    if (seconds <= kFlushBuckets[bucket_idx]) flushes.buckets[bucket_idx]++;
  }
  flushes.count++;
  flushes.seconds += seconds;
  flushes.rows += rows;
  flushes.bytes += bytes;
}

void Metrics::CountFlushError(std::string_view trigger) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = flushes_.find(trigger);
  if (it == flushes_.end()) it = flushes_.emplace(std::string(trigger), Flushes{}).first;
  it->second.errors++;
}

void Metrics::ObserveCheckpoint(bool blocking, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  Histogram& hist = blocking ? blocking_checkpoints_ : passive_checkpoints_;
  for (size_t bucket_idx = 0; bucket_idx < kLatencyBuckets.size(); ++bucket_idx) {
    if (seconds <= kLatencyBuckets[bucket_idx]) hist.buckets[bucket_idx]++;
  }
  hist.count++;
  hist.sum += seconds;
}

void Metrics::CountCheckpointError() {
  std::lock_guard<std::mutex> lock(mu_);
  checkpoint_errors_++;
}

void Metrics::RenderCheckpoints(std::string& out) const {
  const std::pair<const char*, const Histogram*> modes[] = {{"passive", &passive_checkpoints_},
                                                            {"blocking", &blocking_checkpoints_}};
  out += "# HELP thingsdb_wal_checkpoints_total Background WAL checkpoints that ran, by mode.\n";
  out += "# TYPE thingsdb_wal_checkpoints_total counter\n";
  for (const auto& [mode, hist] : modes) {
    out += fmt::format("thingsdb_wal_checkpoints_total{{mode=\"{}\"}} {}\n", mode, hist->count);
  }
  out += "# HELP thingsdb_wal_checkpoint_errors_total Background WAL checkpoints that failed.\n";
  out += "# TYPE thingsdb_wal_checkpoint_errors_total counter\n";
  out += fmt::format("thingsdb_wal_checkpoint_errors_total {}\n", checkpoint_errors_);
  out +=
      "# HELP thingsdb_wal_checkpoint_duration_seconds Duration of background WAL "
      "checkpoints, by mode.\n";
  out += "# TYPE thingsdb_wal_checkpoint_duration_seconds histogram\n";
  for (const auto& [mode, hist] : modes) {
    for (size_t bucket_idx = 0; bucket_idx < kLatencyBuckets.size(); ++bucket_idx) {
      out += fmt::format(
          "thingsdb_wal_checkpoint_duration_seconds_bucket{{mode=\"{}\",le=\"{}\"}} {}\n", mode,
          kLatencyBuckets[bucket_idx], hist->buckets[bucket_idx]);
    }
    out += fmt::format(
        "thingsdb_wal_checkpoint_duration_seconds_bucket{{mode=\"{}\",le=\"+Inf\"}} {}\n", mode,
        hist->count);
    out += fmt::format("thingsdb_wal_checkpoint_duration_seconds_sum{{mode=\"{}\"}} {}\n", mode,
                       hist->sum);
    out += fmt::format("thingsdb_wal_checkpoint_duration_seconds_count{{mode=\"{}\"}} {}\n", mode,
                       hist->count);
  }
}

void Metrics::RenderFlushes(std::string& out) const {
  struct Counter {
    const char* name;
    const char* help;
    int64_t Flushes::*field;
  };
  static const Counter kCounters[] = {
      {"thingsdb_flushes_total", "Flushes to the cold tier that ran, by trigger.", &Flushes::count},
      {"thingsdb_flush_errors_total", "Flushes that failed, by trigger.", &Flushes::errors},
      {"thingsdb_flushed_rows_total", "Things and relationships moved to the cold tier.",
       &Flushes::rows},
      {"thingsdb_flushed_bytes_total", "Bytes of data and delete files written by flushes.",
       &Flushes::bytes},
  };
  for (const Counter& counter : kCounters) {
    out +=
        fmt::format("# HELP {} {}\n# TYPE {} counter\n", counter.name, counter.help, counter.name);
    for (const auto& [trigger, flushes] : flushes_) {
      out += fmt::format("{}{{trigger=\"{}\"}} {}\n", counter.name, PrometheusLabel(trigger),
                         flushes.*counter.field);
    }
  }
  out += "# HELP thingsdb_flush_duration_seconds Duration of flushes, by trigger.\n";
  out += "# TYPE thingsdb_flush_duration_seconds histogram\n";
  for (const auto& [trigger, flushes] : flushes_) {
    std::string label = PrometheusLabel(trigger);
    for (size_t bucket_idx = 0; bucket_idx < kFlushBuckets.size(); ++bucket_idx) {
      out += fmt::format("thingsdb_flush_duration_seconds_bucket{{trigger=\"{}\",le=\"{}\"}} {}\n",
                         label, kFlushBuckets[bucket_idx], flushes.buckets[bucket_idx]);
    }
    out += fmt::format("thingsdb_flush_duration_seconds_bucket{{trigger=\"{}\",le=\"+Inf\"}} {}\n",
                       label, flushes.count);
    out += fmt::format("thingsdb_flush_duration_seconds_sum{{trigger=\"{}\"}} {}\n", label,
                       flushes.seconds);
    out += fmt::format("thingsdb_flush_duration_seconds_count{{trigger=\"{}\"}} {}\n", label,
                       flushes.count);
  }
}

std::string Metrics::Render(const ServerGauges& gauges) const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  out += "# HELP thingsdb_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE thingsdb_http_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out += fmt::format("thingsdb_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                       PrometheusLabel(key.first), key.second, count);
  }
  out += "# HELP thingsdb_http_request_duration_seconds Request latency by route.\n";
  out += "# TYPE thingsdb_http_request_duration_seconds histogram\n";
  for (const auto& [route, hist] : latency_) {
    std::string label = PrometheusLabel(route);
    for (size_t bucket_idx = 0; bucket_idx < kLatencyBuckets.size(); ++bucket_idx) {
      out += fmt::format(
          "thingsdb_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", label,
          kLatencyBuckets[bucket_idx], hist.buckets[bucket_idx]);
    }
    out += fmt::format(
        "thingsdb_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", label,
        hist.count);
    out += fmt::format("thingsdb_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", label,
                       hist.sum);
    out += fmt::format("thingsdb_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", label,
                       hist.count);
  }
  out += "# HELP thingsdb_errors_total Error responses by error code.\n";
  out += "# TYPE thingsdb_errors_total counter\n";
  for (const auto& [code, count] : errors_) {
    out += fmt::format("thingsdb_errors_total{{code=\"{}\"}} {}\n", PrometheusLabel(code), count);
  }
  out += "# HELP thingsdb_rows_read_total Rows read per namespace (billing unit).\n";
  out += "# TYPE thingsdb_rows_read_total counter\n";
  for (const auto& [ns, rows] : rows_) {
    out += fmt::format("thingsdb_rows_read_total{{namespace=\"{}\"}} {}\n", PrometheusLabel(ns),
                       rows.read);
  }
  out += "# HELP thingsdb_rows_written_total Rows written per namespace (billing unit).\n";
  out += "# TYPE thingsdb_rows_written_total counter\n";
  for (const auto& [ns, rows] : rows_) {
    out += fmt::format("thingsdb_rows_written_total{{namespace=\"{}\"}} {}\n", PrometheusLabel(ns),
                       rows.written);
  }
  RenderFlushes(out);
  RenderCheckpoints(out);
  out += "# HELP thingsdb_open_namespaces Namespaces open now.\n";
  out += "# TYPE thingsdb_open_namespaces gauge\n";
  out += fmt::format("thingsdb_open_namespaces {}\n", gauges.open_namespaces);
  out += "# HELP thingsdb_http_in_flight Requests being handled now.\n";
  out += "# TYPE thingsdb_http_in_flight gauge\n";
  out += fmt::format("thingsdb_http_in_flight {}\n", gauges.in_flight);
  out += "# HELP process_resident_memory_bytes Resident memory of the server process.\n";
  out += "# TYPE process_resident_memory_bytes gauge\n";
  out += fmt::format("process_resident_memory_bytes {}\n", gauges.resident_bytes);
  struct Gauge {
    const char* name;
    const char* help;
    int64_t NamespaceGauge::*field;
  };
  static const Gauge kGauges[] = {
      {"thingsdb_hot_things", "Things in the hot tier (cached stats).",
       &NamespaceGauge::hot_things},
      {"thingsdb_hot_relationships", "Relationships in the hot tier (cached stats).",
       &NamespaceGauge::hot_relationships},
      {"thingsdb_hot_bytes", "Hot database bytes (cached stats).", &NamespaceGauge::hot_bytes},
  };
  for (const Gauge& gauge : kGauges) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", gauge.name, gauge.help, gauge.name);
    for (const NamespaceGauge& ns : gauges.namespaces) {
      out += fmt::format("{}{{namespace=\"{}\"}} {}\n", gauge.name, PrometheusLabel(ns.ns),
                         ns.*gauge.field);
    }
  }
  out += "# HELP thingsdb_pending_writes Write requests running or queued per namespace.\n";
  out += "# TYPE thingsdb_pending_writes gauge\n";
  for (const NamespaceGauge& ns : gauges.namespaces) {
    out += fmt::format("thingsdb_pending_writes{{namespace=\"{}\"}} {}\n", PrometheusLabel(ns.ns),
                       ns.pending_writes);
  }
  return out;
}

}  // namespace thingsdb::server
