// Tests of the cold tier's maintenance (docs/tiering.md "Compaction, expiry and orphans"):
// compaction keeps every query's rows and drops position-delete files; a compaction that
// fails at any object-store write, or stops between its Iceberg commit and publishing it,
// leaves the namespace consistent after reopening; snapshot expiry and orphan removal.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "engine/background_flusher.h"
#include "engine/testing/engine_fixture.h"
#include "iceberg/scan.h"

namespace thingsdb::engine {
namespace {

using testing::EngineTest;

constexpr int64_t kT0 = 1'700'000'000'000;

// Everything a reader can observe, as text: SQL results, Get of every id, Related both ways.
struct Observed {
  std::vector<std::string> rows;
  bool operator==(const Observed&) const = default;
};

class MaintenanceTest : public EngineTest {
 protected:
  int ids_ = 60;  // things m000 … Seed made

  static std::string Id(int i) { return fmt::format("m{:03d}", i); }

  // Things in three types over two days, flushed in six small flushes (many small files per
  // partition), relationships among them; then updates and deletes of cold things and an
  // unrelate of a cold relationship, flushed: position-delete files in both tables. A JSON
  // index added half-way, so files of one partition differ in their index columns.
  void Seed(int rounds = 6) {
    Open();
    now_ms_ = kT0;
    ids_ = rounds * 10;
    static const char* kTypes[] = {"a", "b", "c"};
    for (int round = 0; round < rounds; ++round) {
      if (round == rounds / 2) {
        ASSERT_TRUE(db_->hot().AddIndex("$.n").ok());
        now_ms_ += 86'400'000;  // the next day: new partitions
      }
      for (int i = round * 10; i < round * 10 + 10; ++i) {
        Put(Id(i), fmt::format(R"({{"n":{},"s":"v{}"}})", i, i % 7), kTypes[i % 3]);
      }
      for (int i = round * 10; i < round * 10 + 9; i += 2) Relate(Id(i), Id(i + 1));
      if (round > 0) Relate(Id(round * 10), Id(round * 10 - 10), "prev");
      now_ms_ += 1000;
      MustFlush(All());
    }
    now_ms_ += 1000;
    ASSERT_TRUE(db_->Update(Id(3), R"({"n":1003,"s":"updated"})", false).ok());
    ASSERT_TRUE(db_->Update(Id(ids_ - 16), R"({"extra":true})", true).ok());
    ASSERT_TRUE(db_->Delete(Id(17)).ok());
    ASSERT_TRUE(db_->Delete(Id(ids_ - 8)).ok());
    ASSERT_TRUE(db_->Unrelate(Id(20), "knows", Id(21)).ok());
    MustFlush(All());
  }

  // `related`: also Related of every id (the slowest part).
  Observed Observe(bool related_too = true) {
    Observed out;
    for (const char* sql :
         {"SELECT count(*), count(DISTINCT id), sum(json_extract(data, '$.n')) FROM things",
          "SELECT type, count(*), sum(json_extract(data, '$.n')), max(updated_at) FROM things "
          "GROUP BY type ORDER BY type",
          "SELECT id, type, data, created_at, updated_at FROM things ORDER BY id",
          "SELECT id FROM things WHERE json_extract(data, '$.n') >= 30 ORDER BY id",
          "SELECT id FROM things WHERE json_extract(data, '$.s') = 'v3' ORDER BY id",
          "SELECT count(*), count(DISTINCT id) FROM relationships",
          "SELECT id, from_id, to_id, type, data, created_at FROM relationships ORDER BY id",
          "SELECT t.id, count(r.id) FROM things t LEFT JOIN relationships r ON r.from_id = t.id "
          "GROUP BY t.id ORDER BY t.id"}) {
      auto result = db_->Query(sql, {});
      EXPECT_TRUE(result.ok()) << sql << ": " << result.status().ToString();
      if (!result.ok()) continue;
      std::string text = std::string(sql) + "\n";
      for (const auto& row : result->rows) {
        for (const auto& value : row) {
          if (std::holds_alternative<int64_t>(value)) {
            text += std::to_string(std::get<int64_t>(value));
          } else if (std::holds_alternative<double>(value)) {
            text += fmt::format("{}", std::get<double>(value));
          } else if (std::holds_alternative<std::string>(value)) {
            text += std::get<std::string>(value);
          } else {
            text += "~";
          }
          text += "|";
        }
        text += "\n";
      }
      out.rows.push_back(std::move(text));
    }
    for (int i = 0; i < ids_; ++i) {
      auto thing = db_->Get(Id(i));
      out.rows.push_back(thing.ok() ? hot::ThingJson(*thing) : thing.status().ToString());
      if (!related_too) continue;
      hot::RelatedOptions options;
      options.direction = hot::Direction::kBoth;
      auto related = db_->Related(Id(i), options);
      std::string text = "related " + Id(i) + ":";
      if (!related.ok()) {
        text += related.status().ToString();
      } else {
        std::vector<std::string> items;
        for (const auto& item : *related) {
          items.push_back(hot::RelationshipJson(item.relationship) + hot::ThingJson(item.thing));
        }
        std::sort(items.begin(), items.end());
        for (const auto& item : items) text += item;
      }
      out.rows.push_back(std::move(text));
    }
    return out;
  }

  struct FileCounts {
    size_t data = 0;
    size_t deletes = 0;
  };
  FileCounts Files(iceberg::Table& table) {
    FileCounts out;
    EXPECT_TRUE(table.Refresh().ok());
    if (!table.metadata().current_snapshot_id) return out;
    auto plan = table.Scan();
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    if (!plan.ok()) return out;
    std::set<std::string> deletes;
    for (const auto& task : plan->tasks) {
      ++out.data;
      for (const auto& del : task.deletes) deletes.insert(del.file.file_path);
    }
    out.deletes = deletes.size();
    return out;
  }

  // The live index-cache rows are exactly the data files of the current snapshots.
  void CheckIndexCache() {
    std::set<std::string> want;
    for (iceberg::Table* table : {&db_->things_table(), &db_->relationships_table()}) {
      ASSERT_TRUE(table->Refresh().ok());
      if (!table->metadata().current_snapshot_id) continue;
      auto plan = table->Scan();
      ASSERT_TRUE(plan.ok());
      for (const auto& task : plan->tasks) want.insert(task.data.file.file_path);
    }
    std::set<std::string> got;
    auto stmt = db_->engine_db().Prepare("SELECT path FROM thingsdb_cold_files WHERE live = 1");
    ASSERT_TRUE(stmt.ok());
    while (*stmt->Step()) got.emplace(stmt->ColumnText(0));
    EXPECT_EQ(got, want);
  }

  CompactReport MustCompact(CompactOptions options = {}) {
    auto report = db_->Compact(options);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : CompactReport{};
  }

  void CheckConsistent(const Observed& expected, bool related_too = true) {
    EXPECT_EQ(IntegrityCheck(), "ok");
    EXPECT_EQ(Observe(related_too), expected);
    ColdThings();  // fail on a duplicate id
    ColdRelationships();
    CheckIndexCache();
  }
};

TEST_F(MaintenanceTest, CompactionKeepsEveryQueryAndDropsDeleteFiles) {
  Seed();
  Observed before = Observe();
  FileCounts things_before = Files(db_->things_table());
  FileCounts rels_before = Files(db_->relationships_table());
  EXPECT_GT(things_before.deletes, 0u);
  EXPECT_GT(rels_before.deletes, 0u);
  auto snapshots_before = db_->Snapshots();
  ASSERT_TRUE(snapshots_before.ok());

  CompactReport report = MustCompact();
  EXPECT_FALSE(report.compact_id.empty());
  EXPECT_GT(report.files_removed, report.files_added);
  // Position-deleted: 4 things (2 updated, 2 deleted), 3 relationships (1 unrelated, 2 of
  // the deleted things).
  EXPECT_EQ(report.rows_dropped, 7);
  EXPECT_TRUE(report.things_snapshot_id && report.relationships_snapshot_id);
  FileCounts things_after = Files(db_->things_table());
  FileCounts rels_after = Files(db_->relationships_table());
  EXPECT_LT(things_after.data, things_before.data);
  EXPECT_LT(rels_after.data, rels_before.data);
  EXPECT_EQ(things_after.deletes, 0u);
  EXPECT_EQ(rels_after.deletes, 0u);
  // One file per (table, type, day, index columns): things of 3 types over 2 days, the
  // second day's files with the index column (and the update flush's too).
  EXPECT_LE(things_after.data, 9u);
  CheckConsistent(before);

  // The compaction is a namespace snapshot; time travel to it reads the same cold rows.
  auto snapshots = db_->Snapshots();
  ASSERT_TRUE(snapshots.ok());
  ASSERT_EQ(snapshots->size(), snapshots_before->size() + 1);
  EXPECT_EQ(snapshots->back().flush_id, report.compact_id);
  EXPECT_EQ(snapshots->back().ns_snapshot_id, report.ns_snapshot_id);
  const char* count_sql = "SELECT count(*), sum(json_extract(data, '$.n')) FROM things";
  auto at_compaction = db_->Query(count_sql, {}, report.ns_snapshot_id);
  auto at_flush = db_->Query(count_sql, {}, snapshots_before->back().ns_snapshot_id);
  ASSERT_TRUE(at_compaction.ok()) << at_compaction.status().ToString();
  ASSERT_TRUE(at_flush.ok()) << at_flush.status().ToString();
  EXPECT_EQ(at_compaction->rows, at_flush->rows);

  // Nothing left to do; reopening keeps everything; later changes of compacted rows flush.
  EXPECT_TRUE(MustCompact().compact_id.empty());
  Open();
  CheckConsistent(before);
  now_ms_ += 1000;
  ASSERT_TRUE(db_->Update(Id(5), R"({"n":5005})", false).ok());
  ASSERT_TRUE(db_->Delete(Id(50)).ok());
  MustFlush(All());
  EXPECT_EQ(db_->Get(Id(5))->data, R"({"n":5005})");
  EXPECT_EQ(db_->Get(Id(50)).status().code(), StatusCode::kNotFound);
  Observed changed = Observe();
  EXPECT_NE(changed, before);
  CheckConsistent(changed);
  MustCompact();
  CheckConsistent(changed);
}

TEST_F(MaintenanceTest, EveryObjectStoreWriteOfACompactionCanFail) {
  int crashes = 0;
  for (uint64_t nth = 1;; ++nth) {
    SCOPED_TRACE(fmt::format("failing from write {}", nth));
    TearDown();
    SetUp();
    ResetStore();
    Seed(3);  // 30 things over 2 days, 4 flushes: fewer files, fewer writes to fail
    Observed expected = Observe(false);
    faulty_->ResetCounters();
    faulty_->FailFrom(ObjectStoreOp::kAnyWrite, nth);
    auto report = db_->Compact({});
    bool failed = faulty_->InjectedFailures(ObjectStoreOp::kAnyWrite) > 0;
    faulty_->ClearFaults();
    if (!failed) {
      ASSERT_TRUE(report.ok()) << report.status().ToString();
      break;
    }
    ++crashes;
    EXPECT_EQ(Observe(false), expected);  // before reopening, too
    Open();                               // "restart": recovery runs
    CheckConsistent(expected, false);
    MustCompact();
    CheckConsistent(expected, false);
    EXPECT_EQ(Files(db_->things_table()).deletes, 0u);
    now_ms_ += 1000;
    ASSERT_TRUE(db_->Update(Id(1), R"({"n":-1})", false).ok());
    MustFlush(All());
    EXPECT_EQ(db_->Get(Id(1))->data, R"({"n":-1})");
    ColdThings();
  }
  EXPECT_GT(crashes, 5);
  RecordProperty("crash_points", crashes);
}

TEST_F(MaintenanceTest, CrashBetweenCommitAndPublishIsFinishedByRecovery) {
  for (const char* point : {"compact_after_iceberg_commit", "compact_between_table_commits"}) {
    for (bool reopen : {true, false}) {
      SCOPED_TRACE(fmt::format("{} {}", point, reopen ? "reopen" : "flush"));
      TearDown();
      SetUp();
      ResetStore();
      Seed();
      Observed expected = Observe();
      size_t snapshots_before = db_->Snapshots()->size();
      FileCounts things_before = Files(db_->things_table());
      Open([&](std::string_view at) {
        return at == point ? Status::IOError("simulated crash") : Status::OK();
      });
      ASSERT_FALSE(db_->Compact({}).ok());
      EXPECT_EQ(Observe(), expected);  // committed, not published: readers see the old files
      if (reopen) {
        Open();  // recovery at Open publishes what committed
      } else {
        ASSERT_TRUE(db_->Recover().ok());  // the same instance, without reopening
      }
      CheckConsistent(expected);
      Open();  // no hook from here
      EXPECT_EQ(db_->Snapshots()->size(), snapshots_before + 1);
      EXPECT_LT(Files(db_->things_table()).data, things_before.data);
      MustFlush(All());
      MustCompact();  // the relationships, when only things committed
      CheckConsistent(expected);
      EXPECT_EQ(Files(db_->relationships_table()).deletes, 0u);
    }
  }
}

TEST_F(MaintenanceTest, AFlushFirstPublishesACompactionLeftUnpublished) {
  Seed();
  Observed expected = Observe();
  Open([](std::string_view at) {
    return at == "compact_after_iceberg_commit" ? Status::IOError("simulated crash") : Status::OK();
  });
  ASSERT_FALSE(db_->Compact({}).ok());
  now_ms_ += 1000;
  ASSERT_TRUE(db_->Update(Id(7), R"({"n":7007})", false).ok());
  MustFlush(All());  // recovers the compaction first, then position-deletes Id(7)'s old row
  EXPECT_EQ(db_->Get(Id(7))->data, R"({"n":7007})");
  ColdThings();
  CheckIndexCache();
  EXPECT_EQ(HotCount("thingsdb_compact_journal WHERE state = 'done'"), 1);
}

TEST_F(MaintenanceTest, ExpiryDropsOldSnapshotsAndTheirFiles) {
  Seed();
  MustCompact();
  Observed expected = Observe();
  auto snapshots = db_->Snapshots();
  ASSERT_TRUE(snapshots.ok());
  ASSERT_GE(snapshots->size(), 8u);
  int64_t first = snapshots->front().ns_snapshot_id;
  size_t objects_before = memory_->List("").value().size();

  // Nothing is old enough with a week's retention.
  auto kept = db_->ExpireSnapshots(int64_t{7} * 24 * 3600 * 1000, 1);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_TRUE(kept->things_snapshots.empty());
  EXPECT_EQ(db_->Snapshots()->size(), snapshots->size());

  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto expired = db_->ExpireSnapshots(0, 1);
  ASSERT_TRUE(expired.ok()) << expired.status().ToString();
  EXPECT_FALSE(expired->things_snapshots.empty());
  EXPECT_FALSE(expired->relationships_snapshots.empty());
  EXPECT_GT(expired->files_deleted, 0);
  EXPECT_LT(memory_->List("").value().size(), objects_before);
  EXPECT_EQ(db_->things_table().metadata().snapshots.size(), 1u);
  CheckConsistent(expected);
  auto left = db_->Snapshots();
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->size(), 1u);  // the compaction's
  EXPECT_EQ(static_cast<size_t>(expired->namespace_snapshots), snapshots->size() - 1);

  // Time travel to an expired snapshot: NotFound naming it; to the kept one: the cold rows.
  auto gone = db_->Query("SELECT count(*) FROM things", {}, first);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  EXPECT_NE(gone.status().message().find(std::to_string(first)), std::string::npos)
      << gone.status().ToString();
  auto now = db_->Query("SELECT count(*) FROM things", {}, left->back().ns_snapshot_id);
  ASSERT_TRUE(now.ok()) << now.status().ToString();

  // Still a working namespace: flush, compact, reopen.
  now_ms_ += 1000;
  ASSERT_TRUE(db_->Update(Id(9), R"({"n":9})", false).ok());
  MustFlush(All());
  MustCompact();
  Open();
  EXPECT_EQ(db_->Get(Id(9))->data, R"({"n":9})");
  ColdThings();
}

TEST_F(MaintenanceTest, ExpiryKeepsTheSnapshotTierStatePointsAt) {
  Seed();
  // A flush that committed things but stopped before relationships: abandoned, so the
  // things table's current snapshot is newer than the one thingsdb_tier_state names.
  now_ms_ += 1000;
  for (int i = 0; i < 5; ++i) Relate(Id(i), Id(i + 30), "late");
  Put("late", "{}");
  Open([](std::string_view at) {
    return at == "between_table_commits" ? Status::IOError("simulated crash") : Status::OK();
  });
  ASSERT_FALSE(db_->Flush(All()).ok());
  Open();
  Observed expected = Observe();
  auto pinned = db_->engine_db().QueryInt(
      "SELECT value FROM thingsdb_tier_state WHERE key = 'things_snapshot'");
  ASSERT_TRUE(pinned.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_TRUE(db_->ExpireSnapshots(0, 1).ok());
  ASSERT_TRUE(db_->things_table().Refresh().ok());
  EXPECT_NE(db_->things_table().metadata().SnapshotById(*pinned), nullptr);
  EXPECT_NE(*db_->things_table().metadata().current_snapshot_id, *pinned);
  EXPECT_EQ(Observe(), expected);
  MustFlush(All());
  EXPECT_EQ(Observe(), expected);
  ColdThings();
  ColdRelationships();
}

TEST_F(MaintenanceTest, OrphansOlderThanTheGraceAreRemoved) {
  Seed();
  Observed expected = Observe();
  std::string prefix = db_->things_table().paths().key_prefix();
  std::string old_key = prefix + "/data/type=a/orphan-old.parquet";
  std::string young_key = prefix + "/data/type=a/orphan-young.parquet";
  ASSERT_TRUE(memory_->Put(old_key, "junk").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_TRUE(memory_->Put(young_key, "junk").ok());

  auto dry = db_->RemoveOrphans(750, true);
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_EQ(dry->keys, std::vector<std::string>{old_key});
  EXPECT_TRUE(memory_->Head(old_key).ok());

  auto removed = db_->RemoveOrphans(750, false);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->keys, std::vector<std::string>{old_key});
  EXPECT_FALSE(memory_->Head(old_key).ok());
  EXPECT_TRUE(memory_->Head(young_key).ok());
  CheckConsistent(expected);

  // A failed flush leaves its data files behind; with no grace they go too, and nothing a
  // snapshot references does.
  now_ms_ += 1000;
  Put("fresh", R"({"n":1})");
  faulty_->FailFrom(ObjectStoreOp::kPutIfAbsent, 1);
  ASSERT_FALSE(db_->Flush(All()).ok());
  faulty_->ClearFaults();
  Open();
  expected = Observe();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto all = db_->RemoveOrphans(0, false);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_GE(all->keys.size(), 2u);  // the young junk and the failed flush's files
  CheckConsistent(expected);
  MustFlush(All());
  MustCompact();
  EXPECT_EQ(db_->Get("fresh")->data, R"({"n":1})");
}

TEST_F(MaintenanceTest, MaintenanceRunsOnItsScheduleFromTheBackgroundFlusher) {
  Seed();
  Observed expected = Observe();
  EngineOptions options = BaseOptions();
  options.flush_max_rows = 0;
  options.flush_max_age_ms = 0;
  options.flush_max_hot_bytes = 0;
  options.maintenance_interval_ms = 60'000;
  options.compact_min_files = 2;
  options.snapshot_retention_ms = 0;
  options.snapshot_retain_last = 2;
  OpenOptions(std::move(options));
  auto early = db_->MaybeMaintain();
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(early->has_value());  // not yet an interval since Open

  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  now_ms_ += 60'000;
  BackgroundFlusherOptions flusher_options;
  flusher_options.interval = std::chrono::milliseconds(10);
  BackgroundFlusher flusher(*db_, flusher_options);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (flusher.stats().maintenance_runs == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  flusher.Stop();
  BackgroundFlusherStats stats = flusher.stats();
  EXPECT_EQ(stats.failures, 0) << stats.last_error;
  ASSERT_EQ(stats.maintenance_runs, 1);  // the next one is an interval away
  EXPECT_EQ(stats.compactions, 1);
  ASSERT_TRUE(stats.last_maintenance);
  EXPECT_FALSE(stats.last_maintenance->compact.compact_id.empty());
  EXPECT_FALSE(stats.last_maintenance->expire.things_snapshots.empty());
  EXPECT_EQ(Files(db_->things_table()).deletes, 0u);
  CheckConsistent(expected);
}

}  // namespace
}  // namespace thingsdb::engine
