// The SIGKILL crash test of the flush and of compaction (docs/tiering.md "Kill test"):
// flush_child runs a workload of puts, updates of flushed rows, deletes and relates, and
// flushes, compacts and expires snapshots in a loop; the test kills it with SIGKILL after a
// random delay, reopens the namespace with ThingsDB::Open (recovery) and checks that every
// acknowledged write is visible with its latest value (the one operation in flight may or
// may not have happened), that no id is twice in the cold tier, that recovery left no flush
// or compaction unfinished (journals, staged index-cache rows) and the index cache lists
// exactly the files of the published snapshots, that PRAGMA integrity_check is ok and that a
// final Flush(all) succeeds and leaves exactly the same rows, all cold. Every other child
// runs over a fault-injecting store.
// Env: THINGSDB_KILL_ITERATIONS (default 100), THINGSDB_KILL_SEED (default: random; printed),
// THINGSDB_KILL_MAX_DELAY_MS (default 300), THINGSDB_KILL_VERBOSE=1 (print the children's
// flush / compaction / expiry lines).
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cold/cold_reader.h"
#include "engine/things_db.h"
#include "engine/tier_tables.h"

extern char** environ;

namespace thingsdb::engine {
namespace {

constexpr int kIds = 200;            // the child's id space t0..t199
constexpr int kRoundsPerEpoch = 10;  // then a fresh directory (bounds the cold file count)

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::strtoll(value, nullptr, 10) : fallback;
}

// Steps a statement; false when done or on an error (which fails the test).
bool Next(Result<sqlite::Statement>& stmt) {
  if (!stmt.ok()) return false;
  auto row = stmt->Step();
  EXPECT_TRUE(row.ok()) << row.status().ToString();
  return row.ok() && *row;
}

// What the rows should be: things by id, relationships by id → (from, to).
struct Model {
  std::map<std::string, std::string> things;
  std::map<std::string, std::pair<std::string, std::string>> rels;

  bool operator==(const Model&) const = default;

  void Delete(const std::string& id) {
    things.erase(id);
    std::erase_if(
        rels, [&](const auto& rel) { return rel.second.first == id || rel.second.second == id; });
  }
};

// One maintenance operation (flush, compaction, snapshot expiry) in the children's output:
// "<started>" when a run begins, "<name> …" when it completes, "<name>-failed …" when an
// injected fault stops it. Counts one child's lines, or (Add) every child's.
struct OpLog {
  int64_t completed = 0;    // including compactions with nothing to rewrite
  int64_t failed = 0;
  int64_t units = 0;        // compact: data files rewritten; expire: snapshots expired
  int64_t interrupted = 0;  // runs the kill landed in (0 or 1 for one child)

  // Whether `fields` is one of this operation's lines; if so it is counted.
  bool Apply(std::string_view started, std::string_view name, bool has_units,
             const std::vector<std::string>& fields) {
    const std::string& tag = fields[0];
    if (tag == started) {
      interrupted = 1;
    } else if (tag == name) {
      interrupted = 0;
      ++completed;
      if (has_units) units += std::stoll(fields.at(1));
    } else if (tag == std::string(name) + "-failed") {
      interrupted = 0;
      ++failed;
    } else {
      return false;
    }
    return true;
  }
  void Add(const OpLog& child) {
    completed += child.completed;
    failed += child.failed;
    units += child.units;
    interrupted += child.interrupted;
  }
};

// One child's output: the acknowledged operations, applied to the model as they come, and
// the one that was in flight when the kill came (if any).
struct ChildLog {
  std::vector<std::string> pending;  // fields of the last "try" without an answer
  std::set<std::string> touched;
  int64_t acks = 0;
  OpLog flush, compact, expire;
  bool done = false;

  void Apply(const std::string& line, Model& model) {
    std::istringstream in(line);
    std::vector<std::string> fields;
    for (std::string field; in >> field;) fields.push_back(field);
    if (fields.empty()) return;
    const std::string& tag = fields[0];
    if (tag == "try") {
      pending = fields;
      touched.insert(fields.at(2));
    } else if (tag == "ok") {
      pending.clear();
      ++acks;
      const std::string& kind = fields.at(1);
      if (kind == "put" || kind == "upd") model.things[fields.at(2)] = fields.at(3);
      if (kind == "del") model.Delete(fields.at(2));
      if (kind == "rel") model.rels[fields.at(2)] = {fields.at(3), fields.at(4)};
    } else if (tag == "skip") {
      pending.clear();
    } else if (tag == "done") {
      done = true;
    } else if (!flush.Apply("flushing", "flush", false, fields) &&
               !compact.Apply("compacting", "compact", true, fields)) {
      expire.Apply("expiring", "expire", true, fields);
    }
  }
};

struct ChildRun {
  std::string output;  // complete lines only
  int status = 0;
};

// Spawns flush_child, collects its stdout, and SIGKILLs it `delay` after its "open" line
// (after the spawn when `from_spawn`: a kill during Open and recovery).
ChildRun RunAndKill(const std::vector<std::string>& args, std::chrono::milliseconds delay,
                    bool from_spawn, const std::string& stderr_path) {
  ChildRun run;
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  EXPECT_EQ(rc, 0) << "cannot start " << args[0];
  if (rc != 0) {
    ::close(fds[0]);
    return run;
  }
  // Until the deadline is known (the "open" line), poll in short steps.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (from_spawn) deadline = std::chrono::steady_clock::now() + delay;
  std::string buffer;
  char chunk[65536];
  bool killed = false;
  while (true) {
    int64_t left_ms = 10;
    if (deadline) {
      left_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    *deadline - std::chrono::steady_clock::now())
                    .count();
    }
    if (!killed && left_ms <= 0) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    pollfd pfd{fds[0], POLLIN, 0};
    int ready = ::poll(&pfd, 1, killed ? 1000 : static_cast<int>(left_ms) + 1);
    if (ready <= 0) continue;
    ssize_t n = ::read(fds[0], chunk, sizeof(chunk));
    if (n <= 0) break;  // EOF: the child is gone
    buffer.append(chunk, static_cast<size_t>(n));
    if (!deadline && buffer.starts_with("open\n")) {
      deadline = std::chrono::steady_clock::now() + delay;
    }
  }
  ::close(fds[0]);
  if (!killed) ::kill(pid, SIGKILL);  // harmless when it already exited
  ::waitpid(pid, &run.status, 0);
  // A kill may cut the last line short: keep complete lines only.
  run.output = buffer.substr(0, buffer.rfind('\n') + 1);
  return run;
}

class FlushKillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            fmt::format("thingsdb_kill_{}", static_cast<int>(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  void TearDown() override {
    db_.reset();
    if (!HasFailure()) std::filesystem::remove_all(root_);
  }

  void OpenEngine() {
    db_.reset();
    EngineOptions options;
    options.data_dir = data_.string();
    options.ns = "ns";
    auto db = ThingsDB::Open(std::move(options));
    ASSERT_TRUE(db.ok()) << "recovery failed: " << db.status().ToString();
    db_ = std::move(*db);
  }

  // What both tiers hold, read independently of Get: hot rows, plus cold rows neither
  // tombstoned nor shadowed by a hot row of the same id. Fails on a duplicate cold id.
  Model Observe() {
    Model out;
    std::set<std::string> dead_things, dead_rels;
    auto& sql = db_->engine_db();
    auto tombs = sql.Prepare("SELECT kind, id FROM thingsdb_tombstones");
    EXPECT_TRUE(tombs.ok());
    while (Next(tombs)) {
      (tombs->ColumnText(0) == kThingKind ? dead_things : dead_rels)
          .insert(std::string(tombs->ColumnText(1)));
    }
    auto hot = sql.Prepare("SELECT id, data FROM things");
    EXPECT_TRUE(hot.ok());
    while (Next(hot)) {
      out.things[std::string(hot->ColumnText(0))] = std::string(hot->ColumnText(1));
    }
    auto hot_rels = sql.Prepare("SELECT id, from_id, to_id FROM relationships");
    EXPECT_TRUE(hot_rels.ok());
    while (Next(hot_rels)) {
      out.rels[std::string(hot_rels->ColumnText(0))] = {std::string(hot_rels->ColumnText(1)),
                                                        std::string(hot_rels->ColumnText(2))};
    }
    std::set<std::string> cold_ids;
    if (db_->things_table().metadata().current_snapshot_id) {
      cold::ColdReader reader(db_->things_table(), cold::TableLayout::Things());
      auto rows = reader.ReadThings({});
      EXPECT_TRUE(rows.ok()) << "cold things unreadable: " << rows.status().ToString();
      if (!rows.ok()) return out;
      for (const cold::LocatedThing& row : *rows) {
        EXPECT_TRUE(cold_ids.insert(row.thing.id).second) << "cold thing twice: " << row.thing.id;
        if (!dead_things.count(row.thing.id)) out.things.emplace(row.thing.id, row.thing.data);
      }
    }
    cold_ids.clear();
    if (db_->relationships_table().metadata().current_snapshot_id) {
      cold::ColdReader reader(db_->relationships_table(), cold::TableLayout::Relationships());
      auto rows = reader.ReadRelationships({});
      EXPECT_TRUE(rows.ok()) << "cold relationships unreadable: " << rows.status().ToString();
      if (!rows.ok()) return out;
      for (const cold::LocatedRelationship& row : *rows) {
        const cold::ColdRelationship& rel = row.relationship;
        EXPECT_TRUE(cold_ids.insert(rel.id).second) << "cold relationship twice: " << rel.id;
        if (!dead_rels.count(rel.id)) out.rels.emplace(rel.id, std::pair(rel.from_id, rel.to_id));
      }
    }
    return out;
  }

  int64_t Count(const std::string& sql) {
    auto count = db_->engine_db().QueryInt(sql);
    EXPECT_TRUE(count.ok()) << sql << ": " << count.status().ToString();
    return count.ok() ? *count : -1;
  }

  // What Open's recovery must leave: no flush or compaction journal entry unfinished, no
  // replaced-file list of a compaction, no staged (not live) index-cache row; and the index
  // cache lists exactly the data files of each table's current Iceberg snapshot (Get finds
  // cold rows through it). That is the snapshot thingsdb_tier_state publishes, or a newer
  // one when recovery abandoned a flush that had committed one table only (its files go
  // live in the cache; the next flush reconciles).
  void ExpectRecovered() {
    EXPECT_EQ(Count("SELECT count(*) FROM thingsdb_compact_journal "
                    "WHERE state NOT IN ('done', 'abandoned')"),
              0)
        << "a compaction left unrecovered";
    EXPECT_EQ(Count("SELECT count(*) FROM thingsdb_compact_removed"), 0)
        << "a compaction's replaced files left behind";
    EXPECT_EQ(Count("SELECT count(*) FROM thingsdb_flush_journal "
                    "WHERE state NOT IN ('done', 'abandoned')"),
              0)
        << "a flush left unrecovered";
    EXPECT_EQ(Count("SELECT count(*) FROM thingsdb_cold_files WHERE live = 0"), 0)
        << "staged index-cache rows left behind";
    for (auto [table, name] : {std::pair(&db_->things_table(), "things"),
                               std::pair(&db_->relationships_table(), "relationships")}) {
      std::set<std::string> cached;
      auto stmt = db_->engine_db().Prepare(
          "SELECT path FROM thingsdb_cold_files WHERE live = 1 AND table_name = ?1");
      ASSERT_TRUE(stmt.ok()) << stmt.status().ToString();
      stmt->BindText(1, name);
      while (Next(stmt)) cached.emplace(stmt->ColumnText(0));
      std::set<std::string> current;
      if (table->metadata().current_snapshot_id) {
        auto plan = table->Scan({});
        ASSERT_TRUE(plan.ok()) << name << ": " << plan.status().ToString();
        for (const iceberg::FileScanTask& task : plan->tasks) {
          current.insert(task.data.file.file_path);
        }
      }
      EXPECT_EQ(cached, current) << "the index cache of " << name
                                 << " is not the current snapshot's files";
    }
  }

  std::string IntegrityCheck() {
    auto stmt = db_->engine_db().Prepare("PRAGMA integrity_check");
    if (!stmt.ok()) return stmt.status().ToString();
    auto row = stmt->Step();
    if (!row.ok() || !*row) return "no result";
    return std::string(stmt->ColumnText(0));
  }

  std::filesystem::path root_, data_;
  std::unique_ptr<ThingsDB> db_;
};

// The model with the in-flight operation applied; for a relate, whose id the child never
// saw, the observed relationship between the same ends that the model lacks.
Model WithPending(Model model, const std::vector<std::string>& pending, const Model& observed) {
  if (pending.empty()) return model;
  const std::string& kind = pending.at(1);
  const std::string& id = pending.at(2);
  if (kind == "put" || kind == "upd") model.things[id] = pending.at(3);
  if (kind == "del") model.Delete(id);
  if (kind == "rel") {
    for (const auto& [rel_id, ends] : observed.rels) {
      if (!model.rels.count(rel_id) && ends == std::pair(id, pending.at(3))) {
        model.rels[rel_id] = ends;
      }
    }
  }
  return model;
}

std::string Describe(const Model& model) {
  std::string out =
      fmt::format("{} things, {} relationships:", model.things.size(), model.rels.size());
  for (const auto& [id, data] : model.things) out += fmt::format(" {}={}", id, data);
  for (const auto& [id, ends] : model.rels)
    out += fmt::format(" {}:{}->{}", id, ends.first, ends.second);
  return out;
}

TEST_F(FlushKillTest, NoAcknowledgedWriteIsLostAfterSigkillDuringFlushes) {
  const int64_t iterations = EnvInt("THINGSDB_KILL_ITERATIONS", 100);
  const int64_t max_delay_ms = EnvInt("THINGSDB_KILL_MAX_DELAY_MS", 300);
  const bool verbose = EnvInt("THINGSDB_KILL_VERBOSE", 0) != 0;  // the child's non-write lines
  const uint64_t seed = static_cast<uint64_t>(
      EnvInt("THINGSDB_KILL_SEED", static_cast<int64_t>(std::random_device{}() & 0x7fffffff)));
  std::printf("kill test: seed %llu (THINGSDB_KILL_SEED), %lld iterations\n",
              static_cast<unsigned long long>(seed), static_cast<long long>(iterations));
  RecordProperty("seed", static_cast<int>(seed));
  std::mt19937_64 rng(seed);
  auto start = std::chrono::steady_clock::now();

  Model model;
  int64_t acks = 0;
  OpLog flushes, compactions, expiries;  // over every child
  for (int64_t round = 0; round < iterations; ++round) {
    if (round % kRoundsPerEpoch == 0) {
      db_.reset();
      data_ = root_ / fmt::format("epoch{}", round / kRoundsPerEpoch);
      std::filesystem::create_directories(data_);
      model = Model{};
    }
    const bool faults = round % 2 == 1;
    // One kill in five lands in Open and recovery (timed from the spawn), the others in
    // the workload (timed from the child's "open" line).
    const bool from_spawn = std::uniform_int_distribution<int>(0, 4)(rng) == 0;
    const int64_t delay_ms = std::uniform_int_distribution<int64_t>(0, max_delay_ms)(rng);
    SCOPED_TRACE(fmt::format("seed {} round {} kill {} ms after {}{}", seed, round, delay_ms,
                             from_spawn ? "the spawn" : "open",
                             faults ? " (fault-injecting store)" : ""));
    db_.reset();  // the child owns the directory while it runs
    std::vector<std::string> args = {
        THINGSDB_FLUSH_CHILD, "--data",  data_.string(),        "--seed",
        std::to_string(seed), "--round", std::to_string(round), "--ids",
        std::to_string(kIds)};
    if (faults) args.push_back("--faults");
    ChildRun run = RunAndKill(args, std::chrono::milliseconds(delay_ms), from_spawn,
                              (root_ / "child.stderr").string());
    ASSERT_TRUE((WIFSIGNALED(run.status) && WTERMSIG(run.status) == SIGKILL) ||
                (WIFEXITED(run.status) && WEXITSTATUS(run.status) == 0))
        << "the child failed on its own (see " << (root_ / "child.stderr") << "); status "
        << run.status << ", output:\n"
        << run.output;

    ChildLog log;
    std::istringstream lines(run.output);
    for (std::string line; std::getline(lines, line);) {
      log.Apply(line, model);
      if (verbose && !line.starts_with("try") && !line.starts_with("ok")) {
        std::printf("round %lld: %s\n", static_cast<long long>(round), line.c_str());
      }
    }
    if (!faults) {
      EXPECT_EQ(log.flush.failed, 0) << run.output;
      EXPECT_EQ(log.compact.failed, 0) << run.output;
      EXPECT_EQ(log.expire.failed, 0) << run.output;
    }
    acks += log.acks;
    flushes.Add(log.flush);
    compactions.Add(log.compact);
    expiries.Add(log.expire);

    ASSERT_NO_FATAL_FAILURE(OpenEngine());
    EXPECT_EQ(IntegrityCheck(), "ok");
    ASSERT_NO_FATAL_FAILURE(ExpectRecovered());
    Model observed = Observe();
    Model with_pending = WithPending(model, log.pending, observed);
    ASSERT_TRUE(observed == model || observed == with_pending)
        << "acknowledged: " << Describe(model) << "\nobserved: " << Describe(observed)
        << "\nin flight: " << fmt::format("{}", fmt::join(log.pending, " "));
    model = observed;  // the in-flight operation's fate is settled now

    // Get (hot, then index cache and cold reader) agrees for every id this round touched.
    for (const std::string& id : log.touched) {
      auto thing = db_->Get(id);
      auto it = model.things.find(id);
      if (it == model.things.end()) {
        EXPECT_EQ(thing.status().code(), StatusCode::kNotFound) << id;
      } else {
        ASSERT_TRUE(thing.ok()) << id << ": " << thing.status().ToString();
        EXPECT_EQ(thing->data, it->second) << id;
      }
    }

    // A final flush of everything succeeds and moves every row, unchanged, to the cold tier.
    FlushOptions all;
    all.all = true;
    auto report = db_->Flush(all);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    auto hot_things = db_->engine_db().QueryInt("SELECT count(*) FROM things");
    ASSERT_TRUE(hot_things.ok()) << hot_things.status().ToString();
    EXPECT_EQ(*hot_things, 0);
    ASSERT_TRUE(db_->things_table().Refresh().ok());
    ASSERT_TRUE(db_->relationships_table().Refresh().ok());
    EXPECT_TRUE(Observe() == model) << "after the final flush: " << Describe(Observe());
    EXPECT_EQ(IntegrityCheck(), "ok");
    if (HasFailure()) break;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto ll = [](int64_t n) { return static_cast<long long>(n); };
  std::printf(
      "kill test: %lld kills (%lld during a flush, %lld during a compaction, %lld during "
      "snapshot expiry), %lld acknowledged writes, %lld flushes completed, %lld failed by "
      "injected faults; %lld compactions completed (%lld data files rewritten), %lld failed; "
      "%lld expiries completed (%lld snapshots expired), %lld failed; %.1f s\n",
      ll(iterations), ll(flushes.interrupted), ll(compactions.interrupted),
      ll(expiries.interrupted), ll(acks), ll(flushes.completed), ll(flushes.failed),
      ll(compactions.completed), ll(compactions.units), ll(compactions.failed),
      ll(expiries.completed), ll(expiries.units), ll(expiries.failed), seconds);
  RecordProperty("kills_during_flush", static_cast<int>(flushes.interrupted));
  RecordProperty("kills_during_compaction", static_cast<int>(compactions.interrupted));
  RecordProperty("kills_during_expiry", static_cast<int>(expiries.interrupted));
  RecordProperty("files_rewritten", static_cast<int>(compactions.units));
  // The delays must actually land inside flushes and compactions, and the compactions must
  // rewrite files, or the test proves little. (A child killed within a few tens of ms —
  // THINGSDB_KILL_MAX_DELAY_MS far below the default — writes too little for a compaction to
  // find two files in a partition; expiry's count is printed only: it has little to expire
  // when few snapshots accumulate.)
  if (iterations >= 20) {
    EXPECT_GT(flushes.interrupted, 0);
    EXPECT_GT(compactions.interrupted, 0);
    if (max_delay_ms >= 300) {
      EXPECT_GT(compactions.units, 0);
    }
  }
  EXPECT_GT(acks, 0);
}

}  // namespace
}  // namespace thingsdb::engine
