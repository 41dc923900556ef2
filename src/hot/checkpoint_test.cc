// WAL checkpoints: with wal_autocheckpoint = 0 commits only append, MaybeCheckpoint keeps the
// WAL bounded (PASSIVE beside the writer, TRUNCATE past the hard cap), and closing the store
// empties the WAL without losing a row. No assertion here depends on timing.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "hot/hot_store.h"
#include "hot/testing/temp_dir.h"
#include "sqlite/database.h"

namespace thingsdb::hot {
namespace {

class CheckpointTest : public ::testing::Test {
 protected:
  void Open(HotOptions options) {
    store_.reset();
    auto opened = HotStore::Open(path_, options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
  }
  static HotOptions NoAutocheckpoint() {
    HotOptions options;
    options.wal_autocheckpoint = 0;
    return options;
  }
  // Puts things "t<first>" … with about 1 KB of data each.
  void PutThings(int first, int count) {
    for (int idx = first; idx < first + count; ++idx) {
      auto put = store_->Put(
          {"t" + std::to_string(idx), "user",
           R"({"pad":")" + std::string(1000, 'x') + R"(","n":)" + std::to_string(idx) + "}",
           std::nullopt});
      ASSERT_TRUE(put.ok()) << put.status().ToString();
    }
  }
  int64_t WalFileBytes() const {
    std::error_code ec;
    auto size = std::filesystem::file_size(path_ + "-wal", ec);
    return ec ? 0 : static_cast<int64_t>(size);
  }
  void ExpectThings(int count) {
    auto result = store_->Query("SELECT count(*), sum(json_extract(data, '$.n')) FROM things", {});
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(std::get<int64_t>(result->rows.at(0).at(0)), count);
    EXPECT_EQ(std::get<int64_t>(result->rows.at(0).at(1)), int64_t{count} * (count - 1) / 2);
    for (int idx : {0, count / 2, count - 1}) {
      auto thing = store_->Get("t" + std::to_string(idx));
      ASSERT_TRUE(thing.ok()) << thing.status().ToString();
    }
  }

  testing::TempDir dir_;
  std::string path_ = dir_.File("hot.db");
  std::unique_ptr<HotStore> store_;
};

TEST_F(CheckpointTest, WithoutAutocheckpointCommitsOnlyAppendAndCloseEmptiesTheWal) {
  Open(NoAutocheckpoint());
  PutThings(0, 600);
  // SQLite's automatic checkpoint would have run at 1000 frames.
  EXPECT_GT(store_->WalBytes(), 1000 * (8192 + 24));
  EXPECT_GE(WalFileBytes(), store_->WalBytes());
  store_.reset();  // closing checkpoints (TRUNCATE)
  EXPECT_EQ(WalFileBytes(), 0);
  Open(NoAutocheckpoint());
  ExpectThings(600);
}

// Embedded use (the CLI, the engine without the server) keeps SQLite's automatic checkpoint.
TEST_F(CheckpointTest, DefaultAutocheckpointKeepsTheWalSmall) {
  Open(HotOptions{});
  int64_t largest = 0;
  for (int round = 0; round < 20; ++round) {
    PutThings(round * 30, 30);
    largest = std::max(largest, store_->WalBytes());
  }
  EXPECT_GT(largest, 0) << "the WAL hook counts frames";
  EXPECT_LE(largest, (1000 + 50) * (8192 + 24));
  EXPECT_LE(WalFileBytes(), (1000 + 50) * (8192 + 24) + 32);
  ExpectThings(600);
}

// background_checkpoint: commits never checkpoint (the writer's hook has no automatic
// checkpoint), yet the rows reach hot.db: the store's own thread copied them, woken by the
// commits that passed wal_autocheckpoint. (Polls for up to 20 s; no assertion on speed.)
TEST_F(CheckpointTest, BackgroundCheckpointCopiesTheWalOffTheCommitPath) {
  HotOptions options;
  options.wal_autocheckpoint = 100;
  options.background_checkpoint = true;
  Open(options);
  std::error_code ec;
  const auto initial = std::filesystem::file_size(path_, ec);
  ASSERT_FALSE(ec);
  PutThings(0, 600);  // ~1 KB each: far more than 100 frames
  bool copied = false;
  for (int wait = 0; wait < 2000 && !copied; ++wait) {
    copied = std::filesystem::file_size(path_, ec) >= initial + 600 * 1000;
    if (!copied) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(copied) << "hot.db stayed at " << std::filesystem::file_size(path_, ec)
                      << " bytes";
  EXPECT_GT(store_->BackgroundCheckpoints(), 0);
  PutThings(600, 10);
  store_.reset();  // stops the thread; nothing lost
  Open(options);
  ExpectThings(610);
}

TEST_F(CheckpointTest, MaybeCheckpointKeepsTheWalBoundedUnderAWriteLoop) {
  Open(NoAutocheckpoint());
  CheckpointPolicy policy;
  policy.wal_bytes = 256 << 10;
  policy.max_wal_bytes = 2 << 20;
  int64_t largest_file = 0;
  int passive = 0;
  for (int round = 0; round < 200; ++round) {
    PutThings(round * 10, 10);
    auto report = store_->MaybeCheckpoint(policy);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    if (report->passes > 0) {
      ++passive;
      // Nothing else uses the database, so one pass copies every frame.
      EXPECT_TRUE(report->complete);
      EXPECT_EQ(report->checkpointed_frames, report->wal_frames);
    }
    EXPECT_FALSE(report->blocking) << "PASSIVE checkpoints kept up";
    largest_file = std::max(largest_file, WalFileBytes());
  }
  EXPECT_GT(passive, 10);
  // 2000 commits append over 25 MB of frames; the WAL restarts after each checkpoint.
  EXPECT_LE(largest_file, policy.max_wal_bytes);
  store_.reset();
  EXPECT_EQ(WalFileBytes(), 0);
  Open(NoAutocheckpoint());
  ExpectThings(2000);
}

// A reader that keeps an old snapshot stops PASSIVE checkpoints short; past the hard cap the
// checkpoint blocks (TRUNCATE) and empties the WAL file once the reader is gone.
TEST_F(CheckpointTest, PastTheHardCapTheCheckpointBlocksAndTruncates) {
  Open(NoAutocheckpoint());
  PutThings(0, 10);
  sqlite::OpenOptions read_only;
  read_only.read_only = true;
  auto reader = sqlite::Database::Open(path_, read_only);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->Exec("BEGIN").ok());
  ASSERT_EQ(*(*reader)->QueryInt("SELECT count(*) FROM things"), 10);
  PutThings(10, 290);

  CheckpointPolicy soft_only;
  soft_only.wal_bytes = 64 << 10;
  soft_only.max_wal_bytes = int64_t{1} << 40;
  auto pinned = store_->MaybeCheckpoint(soft_only);
  ASSERT_TRUE(pinned.ok()) << pinned.status().ToString();
  EXPECT_GE(pinned->passes, 1);
  EXPECT_FALSE(pinned->complete) << "the reader still needs frames";
  EXPECT_LT(pinned->checkpointed_frames, pinned->wal_frames);
  EXPECT_FALSE(pinned->blocking);

  ASSERT_TRUE((*reader)->Exec("COMMIT").ok());
  CheckpointPolicy capped;
  capped.wal_bytes = 64 << 10;
  capped.max_wal_bytes = 1 << 20;
  ASSERT_GT(store_->WalBytes(), capped.max_wal_bytes);
  auto truncated = store_->MaybeCheckpoint(capped);
  ASSERT_TRUE(truncated.ok()) << truncated.status().ToString();
  EXPECT_TRUE(truncated->blocking);
  EXPECT_TRUE(truncated->complete);
  EXPECT_EQ(truncated->wal_frames, 0);
  EXPECT_EQ(store_->WalBytes(), 0);
  EXPECT_EQ(WalFileBytes(), 0);
  EXPECT_EQ(*(*reader)->QueryInt("SELECT count(*) FROM things"), 300);
  ExpectThings(300);
}

// Checkpoints beside a writer thread: every write lands, every checkpoint succeeds.
TEST_F(CheckpointTest, CheckpointsRunBesideAWriter) {
  Open(NoAutocheckpoint());
  CheckpointPolicy policy;
  policy.wal_bytes = 128 << 10;
  policy.max_wal_bytes = 1 << 20;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    PutThings(0, 1500);
    done = true;
  });
  int checkpoints = 0;
  while (!done) {
    auto report = store_->MaybeCheckpoint(policy);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    if (report->passes > 0) ++checkpoints;
    std::this_thread::yield();
  }
  writer.join();
  auto last = store_->MaybeCheckpoint(policy);
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_LT(store_->WalBytes(), policy.max_wal_bytes);
  EXPECT_GT(checkpoints + last->passes, 0);
  ExpectThings(1500);
  store_.reset();
  EXPECT_EQ(WalFileBytes(), 0);
  Open(NoAutocheckpoint());
  ExpectThings(1500);
}

}  // namespace
}  // namespace thingsdb::hot
