// The tiering benchmark (issue 4, "Benchmarks"): one namespace of N things (default 1M) with
// R relationships per thing (default 10), of which the oldest 90% are flushed to the cold tier
// (a local warehouse), against the same rows in an all-hot SQLite database (HotStore) — each
// query timed on both in the same run, CPU time of the calling thread per operation.
//
//   thingsdb_tiering_bench [--things N] [--rels R] [--cold 0.9] [--dir DIR] [--reps K]
//                          [--json OUT.json]
//
// Prints: load and flush throughput, the longest Put stall while the flush runs, point get
// (hot / cold id), indexed JSON equality, type + day range count, 1-hop related, full-count
// aggregate, files and row groups read vs skipped per query, and bytes per thing (cold files
// vs the all-hot database). bench/tiering/run.sh adds DuckDB's count over our Parquet files.
#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/things_db.h"
#include "pause_probe.h"
#include "hot/hot_store.h"

namespace {

namespace fs = std::filesystem;
using thingsdb::MonotonicClock;
using thingsdb::engine::EngineOptions;
using thingsdb::engine::FlushOptions;
using thingsdb::engine::ThingsDB;
using thingsdb::hot::BatchItem;
using thingsdb::hot::HotStore;
using thingsdb::hot::NewRelationship;
using thingsdb::hot::NewThing;
using thingsdb::hot::SqlValue;

constexpr int64_t kT0 = 1'750'000'000'000;  // 2025-06-15
constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kSpanMs = 30 * kDayMs;  // things are created over 30 days

struct Args {
  int64_t things = 1'000'000;
  int rels = 10;
  double cold = 0.9;
  fs::path dir = fs::temp_directory_path() / "thingsdb_tiering_bench";
  int reps = 2000;
  std::string json_out;
};

double ThreadCpuMs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double WallMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string ThingId(int64_t i) { return fmt::format("u{:08}", i); }
std::string ThingType(int64_t i) { return i % 10 == 9 ? "admin" : "user"; }
std::string ThingData(int64_t i) {
  return fmt::format(
      R"({{"name":"User {0}","email":"user{0}@example.com","age":{1},"active":{2},)"
      R"("address":{{"city":"City {3}","zip":"{4}"}}}})",
      i, 18 + (i * 7) % 60, i % 3 != 0 ? "true" : "false", i % 100, 10000 + i % 90000);
}
// Thing i's k-th follow: an earlier thing (or itself, for i == 0 — skipped).
int64_t Target(int64_t i, int k) { return (i * 7919 + (k + 1) * 104729) % i; }

void Die(const std::string& what, const thingsdb::Status& status) {
  fmt::print(stderr, "tiering_bench: {}: {}\n", what, status.ToString());
  std::exit(1);
}

struct Timing {
  double cpu_ms_per_op = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

template <typename Fn>
Timing Time(int reps, Fn&& fn) {
  std::vector<double> wall;
  wall.reserve(reps);
  double cpu0 = ThreadCpuMs();
  for (int r = 0; r < reps; ++r) {
    double start = WallMs();
    fn(r);
    wall.push_back(WallMs() - start);
  }
  double cpu = ThreadCpuMs() - cpu0;
  std::sort(wall.begin(), wall.end());
  return Timing{cpu / reps, wall[wall.size() / 2], wall[std::min(wall.size() - 1, wall.size() * 99 / 100)]};
}

int64_t DirBytes(const fs::path& dir, std::string_view suffix) {
  int64_t total = 0;
  if (!fs::exists(dir)) return 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().string().ends_with(suffix)) {
      total += static_cast<int64_t>(entry.file_size());
    }
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      fmt::print("usage: thingsdb_tiering_bench [--things N] [--rels R] [--cold FRACTION] "
                 "[--dir DIR] [--reps N] [--json FILE]\n(bench/tiering/run.sh runs it; "
                 "docs/tiering.md has its figures)\n");
      return 0;
    }
    if (i + 1 >= argc) {
      fmt::print(stderr, "flag {} needs a value\n", flag);
      return 2;
    }
    std::string value = argv[i + 1];
    if (flag == "--things") args.things = std::stoll(value);
    else if (flag == "--rels") args.rels = std::stoi(value);
    else if (flag == "--cold") args.cold = std::stod(value);
    else if (flag == "--dir") args.dir = value;
    else if (flag == "--reps") args.reps = std::stoi(value);
    else if (flag == "--json") args.json_out = value;
    else {
      fmt::print(stderr, "unknown flag {}\n", flag);
      return 2;
    }
  }
  fs::remove_all(args.dir);
  fs::create_directories(args.dir);
  nlohmann::json out;
  out["things"] = args.things;
  out["relationships_per_thing"] = args.rels;
  out["cold_fraction"] = args.cold;

  // Both databases see the same clock: thing i is created at kT0 + i * span / N.
  std::atomic<int64_t> now{kT0};
  MonotonicClock clock([&] { return now.load(); });
  EngineOptions options;
  options.data_dir = (args.dir / "data").string();
  options.ns = "bench";
  options.clock = &clock;
  auto opened = ThingsDB::Open(options);
  if (!opened.ok()) Die("open", opened.status());
  ThingsDB& db = **opened;
  MonotonicClock ref_clock([&] { return now.load(); });
  thingsdb::hot::HotOptions ref_options;
  ref_options.clock = &ref_clock;
  auto ref_opened = HotStore::Open((args.dir / "all_hot.db").string(), ref_options);
  if (!ref_opened.ok()) Die("open all-hot", ref_opened.status());
  HotStore& ref = **ref_opened;

  // Load: things in batches of 10K, each batch followed by its things' relationships.
  // Batches of at most 1% of the rows, so the cold fraction splits them at a batch edge.
  const int64_t batch = std::clamp<int64_t>(args.things / 100, 1, 10'000);
  double load_start = WallMs();
  for (int64_t begin = 0; begin < args.things; begin += batch) {
    int64_t end = std::min(args.things, begin + batch);
    now = kT0 + begin * kSpanMs / args.things;
    std::vector<BatchItem> items;
    for (int64_t i = begin; i < end; ++i) {
      items.push_back({NewThing{ThingId(i), ThingType(i), ThingData(i), std::nullopt}});
    }
    std::vector<BatchItem> rels;
    for (int64_t i = std::max<int64_t>(begin, 1); i < end; ++i) {
      for (int k = 0; k < args.rels; ++k) {
        rels.push_back({NewRelationship{ThingId(i), "follows", ThingId(Target(i, k)), std::nullopt}});
      }
    }
    // Duplicates (i, follows, t) are possible for small i: drop them.
    std::sort(rels.begin(), rels.end(), [](const BatchItem& a, const BatchItem& b) {
      const auto& x = std::get<NewRelationship>(a.op);
      const auto& y = std::get<NewRelationship>(b.op);
      return std::tie(x.from_id, x.to_id) < std::tie(y.from_id, y.to_id);
    });
    rels.erase(std::unique(rels.begin(), rels.end(),
                           [](const BatchItem& a, const BatchItem& b) {
                             const auto& x = std::get<NewRelationship>(a.op);
                             const auto& y = std::get<NewRelationship>(b.op);
                             return x.from_id == y.from_id && x.to_id == y.to_id;
                           }),
               rels.end());
    for (HotStore* store : {&db.hot(), &ref}) {
      if (auto st = store->WriteBatch(items); !st.ok()) Die("load things", st.status());
      if (auto st = store->WriteBatch(rels); !st.ok()) Die("load relationships", st.status());
    }
    if ((begin / batch) % 10 == 0) {
      fmt::print(stderr, "\rloading {}/{}", end, args.things);
    }
  }
  fmt::print(stderr, "\n");
  out["load_s_both"] = (WallMs() - load_start) / 1000;
  for (HotStore* store : {&db.hot(), &ref}) {
    if (auto st = store->AddIndex("$.email"); !st.ok()) Die("index", st.status());
  }
  now = kT0 + kSpanMs + kDayMs;

  // Flush the oldest `cold` fraction while a writer keeps putting; record its longest stall.
  int64_t cold_count = static_cast<int64_t>(args.things * args.cold);
  FlushOptions flush;
  flush.cutoff_ms = kT0 + cold_count * kSpanMs / args.things - 1;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> puts{0};
  // Every Put's start and length, to leave out those a machine pause overlapped
  // (pause_probe.h); the writer's longest stall is printed with and without them.
  thingsdb::bench::CallTimes put_times;
  thingsdb::bench::PauseProbe probe;
  double steal_start = thingsdb::bench::StealMs();
  std::thread writer([&] {
    for (int64_t n = 0; !stop.load(); ++n) {
      auto put = put_times.Time(
          [&] { return db.Put({std::nullopt, "probe", R"({"probe":true})", std::nullopt}); });
      if (!put.ok()) Die("put during flush", put.status());
      puts.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  double flush_start = WallMs();
  auto report = db.Flush(flush);
  double flush_ms = WallMs() - flush_start;
  stop = true;
  writer.join();
  probe.Stop();
  double steal_ms = thingsdb::bench::StealMs() - steal_start;
  std::vector<thingsdb::bench::Pause> pauses = probe.machine_pauses();
  double longest_stall = put_times.Max();
  double longest_stall_outside = put_times.MaxOutside(pauses);
  double longest_pause = 0;
  for (const auto& pause : pauses) longest_pause = std::max(longest_pause, pause.Ms());
  if (!report.ok()) Die("flush", report.status());
  int64_t flushed = report->things + report->relationships;
  out["flush"] = {{"things", report->things},
                  {"relationships", report->relationships},
                  {"files", report->files},
                  {"bytes", report->bytes},
                  {"ms", flush_ms},
                  {"rows_per_s", flushed / (flush_ms / 1000)},
                  {"writer_longest_stall_ms", longest_stall},
                  {"writer_longest_stall_outside_machine_pauses_ms", longest_stall_outside},
                  {"machine_pauses", pauses.size()},
                  {"longest_machine_pause_ms", longest_pause},
                  {"cpu_steal_ms", steal_ms},
                  {"writer_puts_during_flush", puts.load()}};

  std::mt19937_64 rng(42);
  auto hot_id = [&](int) {
    return ThingId(cold_count + static_cast<int64_t>(rng() % (args.things - cold_count)));
  };
  auto cold_id = [&](int) { return ThingId(static_cast<int64_t>(rng() % cold_count)); };
  auto row = [&](const std::string& name, Timing ours, Timing all_hot,
                 const thingsdb::cold::ScanCounters* counters = nullptr) {
    nlohmann::json r = {{"thingsdb_cpu_ms", ours.cpu_ms_per_op},
                        {"thingsdb_p50_ms", ours.p50_ms},
                        {"thingsdb_p99_ms", ours.p99_ms},
                        {"all_hot_cpu_ms", all_hot.cpu_ms_per_op},
                        {"all_hot_p50_ms", all_hot.p50_ms},
                        {"all_hot_p99_ms", all_hot.p99_ms}};
    if (counters) {
      r["files_read"] = counters->files_read;
      r["files_skipped"] = counters->files_skipped + counters->files_pruned_by_plan;
      r["row_groups_read"] = counters->row_groups_read;
      r["row_groups_skipped"] = counters->row_groups_skipped;
    }
    out["queries"][name] = r;
    fmt::print("{:<34} thingsdb {:>9.4f} ms CPU (p50 {:.4f}, p99 {:.4f})   all-hot {:>9.4f} ms CPU{}\n",
               name, ours.cpu_ms_per_op, ours.p50_ms, ours.p99_ms, all_hot.cpu_ms_per_op,
               counters ? fmt::format("   files read/skipped {}/{}, row groups {}/{}",
                                      counters->files_read,
                                      counters->files_skipped + counters->files_pruned_by_plan,
                                      counters->row_groups_read, counters->row_groups_skipped)
                        : "");
  };
  auto must = [](auto result, const char* what) {
    if (!result.ok()) Die(what, result.status());
    return std::move(*result);
  };

  // Point get by id.
  row("get (hot id)", Time(args.reps, [&](int r) { must(db.Get(hot_id(r)), "get hot"); }),
      Time(args.reps, [&](int r) { must(ref.Get(hot_id(r)), "ref get"); }));
  row("get (cold id)", Time(args.reps, [&](int r) { must(db.Get(cold_id(r)), "get cold"); }),
      Time(args.reps, [&](int r) { must(ref.Get(cold_id(r)), "ref get"); }));
  {
    thingsdb::cold::ScanCounters counters;
    std::string id = cold_id(0);
    must(db.Query("SELECT data FROM things WHERE id = ?1", {SqlValue(id)}, std::nullopt, &counters),
         "sql point");
    row("sql point (cold id)",
        Time(args.reps / 4, [&](int r) {
          must(db.Query("SELECT data FROM things WHERE id = ?1", {SqlValue(cold_id(r))}), "sql");
        }),
        Time(args.reps / 4, [&](int r) {
          must(ref.Query("SELECT data FROM things WHERE id = ?1", {SqlValue(cold_id(r))}), "ref");
        }),
        &counters);
  }
  // Indexed JSON equality over both tiers.
  {
    const std::string sql = "SELECT id FROM things WHERE json_extract(data, '$.email') = ?1";
    thingsdb::cold::ScanCounters counters;
    must(db.Query(sql, {SqlValue(std::string("user7@example.com"))}, std::nullopt, &counters),
         "json eq");
    int reps = std::max(3, args.reps / 200);
    auto email = [&](int) { return SqlValue(fmt::format("user{}@example.com", rng() % args.things)); };
    row("indexed JSON equality", Time(reps, [&](int r) { must(db.Query(sql, {email(r)}), "q"); }),
        Time(reps, [&](int r) { must(ref.Query(sql, {email(r)}), "ref"); }), &counters);
    // The same without the cold hint (sql_hints.h rewrites no WITH statement; an unused CTE
    // keeps the hot index): every cold file is read, as before the rewrite.
    const std::string unhinted = "WITH unhinted AS (SELECT 1) " + sql;
    must(db.Query(unhinted, {SqlValue(std::string("user7@example.com"))}, std::nullopt, &counters),
         "json eq unhinted");
    row("indexed JSON equality, no cold hint",
        Time(reps, [&](int r) { must(db.Query(unhinted, {email(r)}), "q"); }),
        Time(reps, [&](int r) { must(ref.Query(unhinted, {email(r)}), "ref"); }), &counters);
  }
  // type + one day of created_at.
  {
    const std::string sql =
        "SELECT count(*) FROM things WHERE type = 'admin' AND created_at >= ?1 AND created_at < ?2";
    thingsdb::cold::ScanCounters counters;
    auto day = [&](int r) {
      int64_t start = kT0 + (r % 25) * kDayMs;
      return std::vector<SqlValue>{SqlValue(start), SqlValue(start + kDayMs)};
    };
    must(db.Query(sql, day(3), std::nullopt, &counters), "range");
    int reps = std::max(3, args.reps / 200);
    auto ours = Time(reps, [&](int r) { must(db.Query(sql, day(r)), "q"); });
    auto all_hot = Time(reps, [&](int r) { must(ref.Query(sql, day(r)), "ref"); });
    auto a = must(db.Query(sql, day(7)), "q");
    auto b = must(ref.Query(sql, day(7)), "ref");
    if (a.rows != b.rows) Die("type + day range", thingsdb::Status::Internal("tiers disagree"));
    row("type + day range count", ours, all_hot, &counters);
  }
  // 1-hop related, outgoing, of a cold and of a hot thing.
  thingsdb::hot::RelatedOptions related;
  row("related 1-hop (cold thing)",
      Time(std::max(10, args.reps / 20), [&](int r) { must(db.Related(cold_id(r), related), "rel"); }),
      Time(std::max(10, args.reps / 20), [&](int r) { must(ref.Related(cold_id(r), related), "ref"); }));
  row("related 1-hop (hot thing)",
      Time(std::max(10, args.reps / 20), [&](int r) { must(db.Related(hot_id(r), related), "rel"); }),
      Time(std::max(10, args.reps / 20), [&](int r) { must(ref.Related(hot_id(r), related), "ref"); }));
  // Full-count aggregate.
  {
    const std::string sql =
        "SELECT type, count(*), avg(json_extract(data, '$.age')) FROM things WHERE type != 'probe' "
        "GROUP BY type ORDER BY type";
    thingsdb::cold::ScanCounters counters;
    auto a = must(db.Query(sql, {}, std::nullopt, &counters), "agg");
    auto b = must(ref.Query(sql, {}), "ref agg");
    if (a.rows != b.rows) Die("aggregate", thingsdb::Status::Internal("tiers disagree"));
    row("full aggregate (count, avg)", Time(3, [&](int) { must(db.Query(sql, {}), "q"); }),
        Time(3, [&](int) { must(ref.Query(sql, {}), "ref"); }), &counters);
    auto count = must(db.Query("SELECT count(*) FROM things WHERE type != 'probe'", {}), "count");
    out["count_things"] = std::get<int64_t>(count.rows[0][0]);
  }

  // Bytes per thing: the cold things' data files vs the all-hot database.
  fs::path things_dir = args.dir / "data" / "warehouse" / "bench" / "things";
  int64_t cold_bytes = DirBytes(things_dir / "data", ".parquet");
  auto page_bytes = must(ref.Query("SELECT page_count * page_size FROM pragma_page_count, "
                                   "pragma_page_size", {}),
                         "size");
  int64_t hot_bytes = std::get<int64_t>(page_bytes.rows[0][0]);
  auto things_pages = must(ref.Query("SELECT sum(pgsize) FROM dbstat WHERE name IN (SELECT name "
                                     "FROM sqlite_master WHERE tbl_name = 'things')", {}),
                           "dbstat");
  int64_t hot_things_bytes = std::get<int64_t>(things_pages.rows[0][0]);
  double cold_per_thing = double(cold_bytes) / std::max<int64_t>(1, report->things);
  double hot_per_thing = double(hot_things_bytes) / args.things;
  out["bytes"] = {{"cold_things_files", cold_bytes},
                  {"cold_per_thing", cold_per_thing},
                  {"all_hot_things_table_and_indexes", hot_things_bytes},
                  {"all_hot_per_thing", hot_per_thing},
                  {"all_hot_db", hot_bytes}};
  fmt::print("\nflush: {} things + {} relationships in {:.0f} ms = {:.0f} rows/s, {} files, "
             "{} bytes; writer's longest Put during the flush {:.1f} ms ({} puts), {:.1f} ms "
             "outside machine pauses ({} pauses, longest {:.1f} ms; CPU steal {:.0f} ms)\n",
             report->things, report->relationships, flush_ms, flushed / (flush_ms / 1000),
             report->files, report->bytes, longest_stall, puts.load(), longest_stall_outside,
             pauses.size(), longest_pause, steal_ms);
  fmt::print("bytes per thing: cold {:.1f} (things data files) vs all-hot {:.1f} (things table "
             "and its indexes; whole all-hot database {} bytes) = {:.2f}x\n",
             cold_per_thing, hot_per_thing, hot_bytes, cold_per_thing / hot_per_thing);
  if (!args.json_out.empty()) std::ofstream(args.json_out) << out.dump(2) << "\n";
  return 0;
}
