// Crash tests of the flush (docs/tiering.md "Crash safety"): the Nth object-store write of a
// flush fails and every later one too, for every N; or the process "dies" between the
// Iceberg commits and the SQLite transaction. After reopening: no row lost, none
// duplicated, hot.db intact, and a second flush succeeds.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "engine/testing/engine_fixture.h"

namespace thingsdb::engine {
namespace {

using testing::EngineTest;

constexpr int64_t kT0 = 1'700'000'000'000;

class FlushCrashTest : public EngineTest {
 protected:
  // 20 things in 2 types, 10 relationships; some cold already (a first flush), one cold
  // thing updated and one deleted, so a flush writes data and delete files in both tables.
  void Seed() {
    Open();
    now_ms_ = kT0;
    for (int i = 0; i < 20; ++i) {
      Put(fmt::format("x{:02d}", i), fmt::format("{{\"i\":{}}}", i), i % 2 ? "odd" : "even");
    }
    for (int i = 0; i < 5; ++i) Relate(fmt::format("x{:02d}", i), fmt::format("x{:02d}", i + 1));
    MustFlush(All());
    now_ms_ += 1000;
    for (int i = 5; i < 10; ++i) Relate(fmt::format("x{:02d}", i), fmt::format("x{:02d}", i + 1));
    ASSERT_TRUE(db_->Update("x03", "{\"i\":\"three\"}", false).ok());
    ASSERT_TRUE(db_->Delete("x19").ok());
    for (int i = 20; i < 25; ++i) Put(fmt::format("x{:02d}", i), "{\"new\":1}");
    expected_ = Snapshot();
  }

  // Every visible thing (id → data) through the engine, both tiers.
  std::map<std::string, std::string> Snapshot() {
    std::map<std::string, std::string> out;
    for (int i = 0; i < 25; ++i) {
      std::string id = fmt::format("x{:02d}", i);
      auto thing = db_->Get(id);
      if (thing.ok()) out[id] = thing->data;
    }
    return out;
  }

  // No row lost, none duplicated: hot ∪ cold (minus tombstones) is what was written.
  void CheckConsistent(bool flushed_all) {
    EXPECT_EQ(IntegrityCheck(), "ok");
    EXPECT_EQ(Snapshot(), expected_);
    auto cold = ColdThings();  // fails on a duplicate id
    if (flushed_all) {
      EXPECT_EQ(HotCount("things"), 0);
      std::map<std::string, std::string> cold_data;
      for (const auto& [id, thing] : cold) cold_data[id] = thing.data;
      EXPECT_EQ(cold_data, expected_);
      EXPECT_EQ(ColdRelationships().size(), 10u);
    }
  }

  std::map<std::string, std::string> expected_;
};

TEST_F(FlushCrashTest, EveryObjectStoreWriteOfAFlushCanFail) {
  int crashes = 0;
  for (uint64_t nth = 1;; ++nth) {
    SCOPED_TRACE(fmt::format("failing from write {}", nth));
    TearDown();  // a fresh directory and store per case
    SetUp();
    ResetStore();
    Seed();
    faulty_->ResetCounters();
    faulty_->FailFrom(ObjectStoreOp::kAnyWrite, nth);
    auto report = db_->Flush(All());
    bool failed = faulty_->InjectedFailures(ObjectStoreOp::kAnyWrite) > 0;
    faulty_->ClearFaults();
    if (!failed) {
      ASSERT_TRUE(report.ok()) << report.status().ToString();
      break;
    }
    ++crashes;
    Open();  // "restart": recovery runs
    if (report.ok()) {
      // Only the version hint failed (best effort after the metadata swap): flushed.
      CheckConsistent(true);
      continue;
    }
    CheckConsistent(false);
    MustFlush(All());
    CheckConsistent(true);
  }
  EXPECT_GT(crashes, 5);
  RecordProperty("crash_points", crashes);
}

TEST_F(FlushCrashTest, CrashAfterTheIcebergCommitsIsFinishedAtOpen) {
  Seed();
  Open([](std::string_view point) {
    return point == "after_iceberg_commit" ? Status::IOError("simulated crash") : Status::OK();
  });
  auto report = db_->Flush(All());
  ASSERT_FALSE(report.ok());
  EXPECT_GT(HotCount("things"), 0);  // the SQLite step never ran
  Open();
  CheckConsistent(true);  // recovery finished the flush
  auto snapshots = db_->Snapshots();
  ASSERT_TRUE(snapshots.ok());
  EXPECT_EQ(snapshots->size(), 2u);
  EXPECT_TRUE(MustFlush(All()).flush_id.empty());
}

// A crash after the flush is published, before (or while) its hot rows are deleted: reads
// see every row once all the while (each cold row shadowed by its hot twin), and Open
// deletes the rest. 4,500 things: the deletes take at least three write transactions.
TEST_F(FlushCrashTest, CrashWhileDeletingTheFlushedHotRowsIsFinishedAtOpen) {
  for (const char* point : {"published", "finish_batch"}) {
    SCOPED_TRACE(point);
    TearDown();
    SetUp();
    ResetStore();
    Open([&](std::string_view at) {
      return at == point ? Status::IOError("simulated crash") : Status::OK();
    });
    now_ms_ = kT0;
    std::vector<hot::BatchItem> batch;
    for (int i = 0; i < 4500; ++i) {
      batch.push_back({hot::NewThing{fmt::format("y{:04d}", i), "t",
                                     fmt::format("{{\"i\":{}}}", i), std::nullopt}});
    }
    ASSERT_TRUE(db_->hot().WriteBatch(batch).ok());
    Relate("y0001", "y0002");
    ASSERT_FALSE(db_->Flush(All()).ok());
    // 4,501 flushed rows; one batch (at most 2,000, fewer when its time budget ran out)
    // deleted before the crash at "finish_batch".
    int64_t hot_left = HotCount("things") + HotCount("relationships");
    if (std::string_view(point) == "published") {
      EXPECT_EQ(hot_left, 4501);
    } else {
      EXPECT_GE(hot_left, 2501);
      EXPECT_LT(hot_left, 4501);
    }
    auto counts = db_->Query("SELECT count(*), count(DISTINCT id), sum(json_extract(data, "
                             "'$.i')) FROM things", {});
    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    EXPECT_EQ(std::get<int64_t>(counts->rows[0][0]), 4500);
    EXPECT_EQ(std::get<int64_t>(counts->rows[0][1]), 4500);
    EXPECT_EQ(std::get<int64_t>(counts->rows[0][2]), 4500 * 4499 / 2);
    EXPECT_EQ(db_->Get("y4499")->data, "{\"i\":4499}");
    Open();  // recovery deletes the rest
    EXPECT_EQ(HotCount("things"), 0);
    EXPECT_EQ(HotCount("relationships"), 0);
    EXPECT_EQ(HotCount("thingsdb_flush_rows"), 0);
    EXPECT_EQ(IntegrityCheck(), "ok");
    EXPECT_EQ(ColdThings().size(), 4500u);
    EXPECT_EQ(ColdRelationships().size(), 1u);
    auto related = db_->Related("y0001", hot::RelatedOptions{});
    ASSERT_TRUE(related.ok()) << related.status().ToString();
    ASSERT_EQ(related->size(), 1u);
    EXPECT_TRUE(MustFlush(All()).flush_id.empty());
  }
}

TEST_F(FlushCrashTest, CrashBetweenTheTableCommitsIsReconciledByTheNextFlush) {
  Seed();
  Open([](std::string_view point) {
    return point == "between_table_commits" ? Status::IOError("simulated crash") : Status::OK();
  });
  ASSERT_FALSE(db_->Flush(All()).ok());
  Open();  // abandons the half-committed flush; the hot rows stay
  CheckConsistent(false);
  auto snapshots = db_->Snapshots();
  ASSERT_TRUE(snapshots.ok());
  EXPECT_EQ(snapshots->size(), 1u);
  MustFlush(All());
  CheckConsistent(true);
}

}  // namespace
}  // namespace thingsdb::engine
