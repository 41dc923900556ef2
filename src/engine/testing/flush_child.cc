// flush_child: the process that kill_test.cc kills with SIGKILL. Opens a ThingsDB on a data
// directory (cold tier: the local warehouse <data>/warehouse, optionally behind a
// FaultInjectingStore that fails random writes), then runs a deterministic
// workload over the ids t0..t<ids-1> — put an absent id; update, delete or relate a present
// one — and flushes every few operations; unless --no-maintenance it also compacts the cold
// tier (min 2 files per partition, so the child's small files are rewritten) and expires old
// snapshots (keeping the newest 1 to 3) at random points (Workload::Run). With --faults,
// half the flushes, compactions and expiries meet a store that fails one write or every
// write from one on. One line per event on stdout, written with one
// write(2) each (atomic on a pipe), so a kill never leaves a line the parent could misread:
//   try put|upd|del|rel <id> [<data> | <to>]   before an operation
//   ok put|upd <id> <data>                      after it committed (data as stored)
//   ok del <id>
//   ok rel <rel-id> <from> <to>
//   skip                                        it failed (e.g. a duplicate relationship)
//   flushing, then flush <flush-id> <rows> | flush-failed <message>
//   compacting, then compact <files-rewritten> <files-written> <delete-files-dropped> <rows>
//                  | compact-failed <message>
//   expiring, then expire <snapshots-expired> <files-deleted> | expire-failed <message>
// Usage: flush_child --data DIR [--ns NS] [--seed N] [--round R] [--ids N] [--ops N] [--faults]
//                    [--no-maintenance]
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <utility>

#include "engine/things_db.h"
#include "objectstore/fault_injecting_store.h"
#include "objectstore/object_store_uri.h"

namespace thingsdb::engine {
namespace {

struct Args {
  std::string data_dir;
  std::string ns = "ns";
  uint64_t seed = 1;
  int64_t round = 0;
  int ids = 200;
  int64_t ops = 1'000'000;
  bool faults = false;
  bool maintenance = true;  // compactions and snapshot expiry besides the flushes
};

void Emit(const std::string& line) {
  std::string out = line + "\n";
  const char* p = out.data();
  size_t left = out.size();
  while (left > 0) {
    ssize_t n = ::write(STDOUT_FILENO, p, left);
    if (n <= 0) std::_Exit(3);  // the parent is gone
    p += n;
    left -= static_cast<size_t>(n);
  }
}

bool ParseArgs(int argc, char** argv, Args& args) {
  for (int arg_idx = 1; arg_idx < argc; ++arg_idx) {
    std::string flag = argv[arg_idx];
    if (flag == "--faults") {
      args.faults = true;
      continue;
    }
    if (flag == "--no-maintenance") {
      args.maintenance = false;
      continue;
    }
    if (arg_idx + 1 >= argc) return false;
    std::string value = argv[++arg_idx];
    if (flag == "--data") {
      args.data_dir = value;
    } else if (flag == "--ns") {
      args.ns = value;
    } else if (flag == "--seed") {
      args.seed = std::strtoull(value.c_str(), nullptr, 10);
    } else if (flag == "--round") {
      args.round = std::strtoll(value.c_str(), nullptr, 10);
    } else if (flag == "--ids") {
      args.ids = std::atoi(value.c_str());
    } else if (flag == "--ops") {
      args.ops = std::strtoll(value.c_str(), nullptr, 10);
    } else {
      return false;
    }
  }
  return !args.data_dir.empty() && args.ids > 1;
}

class Workload {
 public:
  Workload(ThingsDB& db, const Args& args, FaultInjectingStore* faulty)
      : db_(db), args_(args), faulty_(faulty), rng_(args.seed * 1'000'003 + args.round) {}

  void Run() {
    int64_t next_flush = Between(2, 10);
    // The first compaction comes early, so that even a child killed soon (a loaded machine)
    // often compacts the files of the rounds before it.
    int64_t next_compact = Between(0, kCompactEvery.second);
    int64_t next_expire = Between(kExpireEvery.first, kExpireEvery.second);
    if (args_.maintenance && next_compact == 0) {
      Compact();
      next_compact = Between(kCompactEvery.first, kCompactEvery.second);
    }
    for (int64_t op_idx = 0; op_idx < args_.ops; ++op_idx) {
      Step(op_idx);
      bool moved = false;
      if (--next_flush <= 0) {
        moved = Flush();
        next_flush = Between(2, 10);
      }
      if (!args_.maintenance) continue;
      // A third of the flushes that moved rows are followed by a compaction (the flush gave
      // each partition it wrote a new small file); the others come at random points.
      if (--next_compact <= 0 || (moved && Between(0, 2) == 0)) {
        Compact();
        next_compact = Between(kCompactEvery.first, kCompactEvery.second);
        if (Between(0, 2) == 0) next_expire = 0;  // and a third of those by an expiry
      }
      if (--next_expire <= 0) {
        Expire();
        next_expire = Between(kExpireEvery.first, kExpireEvery.second);
      }
    }
  }

 private:
  // Operations between two compactions, and between two expiries.
  static constexpr std::pair<int64_t, int64_t> kCompactEvery{8, 30};
  static constexpr std::pair<int64_t, int64_t> kExpireEvery{10, 40};

  int64_t Between(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  std::string Id(int64_t n) const { return fmt::format("t{}", n); }

  void Step(int64_t op_idx) {
    std::string id = Id(Between(0, args_.ids - 1));
    // A value unique across rounds, so every version of a thing is distinguishable.
    std::string data = fmt::format("{{\"r\":{},\"op\":{},\"pad\":\"{}\"}}", args_.round, op_idx,
                                   std::string(static_cast<size_t>(Between(0, 64)), 'x'));
    auto existing = db_.Get(id);
    if (!existing.ok() && existing.status().code() != StatusCode::kNotFound) {
      Emit("skip");
      return;
    }
    if (!existing.ok()) {
      Emit(fmt::format("try put {} {}", id, data));
      auto put = db_.Put({id, Between(0, 1) ? "a" : "b", data, std::nullopt});
      Emit(put.ok() ? fmt::format("ok put {} {}", put->id, put->data) : "skip");
      return;
    }
    int64_t dice = Between(0, 99);
    if (dice < 60) {
      Emit(fmt::format("try upd {} {}", id, data));
      auto updated = db_.Update(id, data, false);
      Emit(updated.ok() ? fmt::format("ok upd {} {}", updated->id, updated->data) : "skip");
    } else if (dice < 75) {
      Emit(fmt::format("try del {}", id));
      Status st = db_.Delete(id);
      Emit(st.ok() ? fmt::format("ok del {}", id) : "skip");
    } else {
      std::string to = Id(Between(0, args_.ids - 1));
      Emit(fmt::format("try rel {} {}", id, to));
      auto rel = db_.Relate({id, "knows", to, std::nullopt});
      Emit(rel.ok() ? fmt::format("ok rel {} {} {}", rel->id, rel->from_id, rel->to_id) : "skip");
    }
  }

  // Half the flushes, compactions and expiries meet a store that fails one of their writes,
  // or every write from one on (the `max_nth` first writes are candidates). (No short
  // writes: local and S3 puts are atomic, so a truncated object under its final name is not
  // a state a real crash leaves.)
  void ArmFaults(int64_t max_nth) {
    if (!faulty_) return;
    faulty_->ClearFaults();
    faulty_->ResetCounters();
    int64_t dice = Between(0, 3);
    if (dice == 0) faulty_->FailNth(ObjectStoreOp::kAnyWrite, Between(1, max_nth));
    if (dice == 1) faulty_->FailFrom(ObjectStoreOp::kAnyWrite, Between(1, max_nth));
  }

  static std::string OneLine(const Status& status) {
    std::string message = status.ToString();
    for (char& c : message) c = c == '\n' ? ' ' : c;
    return message;
  }

  // True when the flush moved rows to the cold tier.
  bool Flush() {
    ArmFaults(10);
    Emit("flushing");
    FlushOptions options;
    options.all = Between(0, 3) != 0;
    options.min_age_ms = 20;
    auto report = db_.Flush(options);
    if (report.ok()) {
      Emit(fmt::format("flush {} {}", report->flush_id.empty() ? "-" : report->flush_id,
                       report->things + report->relationships));
      return report->things + report->relationships > 0;
    }
    Emit("flush-failed " + OneLine(report.status()));
    return false;
  }

  // Every partition with two small files or more (all of the child's files are small), or
  // with position deletes, is rewritten.
  void Compact() {
    ArmFaults(12);
    Emit("compacting");
    CompactOptions options;
    options.min_files = 2;
    auto report = db_.Compact(options);
    if (report.ok()) {
      Emit(fmt::format("compact {} {} {} {}", report->files_removed, report->files_added,
                       report->delete_files_removed, report->rows));
    } else {
      Emit("compact-failed " + OneLine(report.status()));
    }
  }

  // Every snapshot but the newest 1 to 3 of each table (and the ones readers use) goes,
  // with the files only they referenced.
  void Expire() {
    ArmFaults(12);
    Emit("expiring");
    auto report = db_.ExpireSnapshots(0, static_cast<int>(Between(1, 3)));
    if (report.ok()) {
      Emit(fmt::format("expire {} {}",
                       report->things_snapshots.size() + report->relationships_snapshots.size(),
                       report->files_deleted));
    } else {
      Emit("expire-failed " + OneLine(report.status()));
    }
  }

  ThingsDB& db_;
  const Args& args_;
  FaultInjectingStore* faulty_;
  std::mt19937_64 rng_;
};

int Main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args)) {
    std::fprintf(stderr,
                 "usage: flush_child --data DIR [--ns NS] [--seed N] [--round R] [--ids N] "
                 "[--ops N] [--faults] [--no-maintenance]\n");
    return 2;
  }
  std::unique_ptr<ObjectStore> local;
  std::unique_ptr<FaultInjectingStore> faulty;
  EngineOptions options;
  options.data_dir = args.data_dir;
  options.ns = args.ns;
  if (args.faults) {
    auto store = OpenObjectStore((std::filesystem::path(args.data_dir) / "warehouse").string());
    if (!store.ok()) {
      std::fprintf(stderr, "flush_child: %s\n", store.status().ToString().c_str());
      return 1;
    }
    local = std::move(*store);
    faulty = std::make_unique<FaultInjectingStore>(local.get());
    options.cold_store = faulty.get();
  }
  auto db = ThingsDB::Open(std::move(options));
  if (!db.ok()) {
    std::fprintf(stderr, "flush_child: opening: %s\n", db.status().ToString().c_str());
    return 1;
  }
  Emit("open");
  Workload(**db, args, faulty.get()).Run();
  Emit("done");
  return 0;
}

}  // namespace
}  // namespace thingsdb::engine

int main(int argc, char** argv) { return thingsdb::engine::Main(argc, argv); }
