// WAL checkpoints off the write path (HotStore, part 5 of 5). With wal_autocheckpoint = 0 a
// commit only appends to the WAL; MaybeCheckpoint copies the WAL into hot.db from another
// thread, on a connection of its own, so a commit never waits for a checkpoint's fsyncs.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "hot/hot_store.h"
#include "sqlite/database.h"

namespace thingsdb::hot {

namespace {

// PASSIVE passes per MaybeCheckpoint: each copies the frames written during the one before,
// so the later ones are short and likely to end between two commits. Only a checkpoint that
// ends with every frame copied lets the next commit start the WAL over from its beginning.
constexpr int kMaxPassivePasses = 4;

}  // namespace

int64_t HotStore::WalBytes() const {
  return wal_frames_.load(std::memory_order_relaxed) * frame_bytes_;
}

Result<CheckpointReport> HotStore::CheckpointOnce(bool truncate) {
  if (!checkpointer_) {
    ASSIGN_OR_RETURN(auto db, sqlite::Database::Open(path_));
    // A connection finds the WAL on its first read; before it, a checkpoint does nothing.
    RETURN_IF_ERROR(db->Exec(fmt::format("PRAGMA cache_size = -64; PRAGMA synchronous = {}",
                                         options_.synchronous_full ? "FULL" : "NORMAL")));
    RETURN_IF_ERROR(db->QueryInt("SELECT count(*) FROM sqlite_schema").status());
    checkpointer_ = std::move(db);
  }
  // TRUNCATE waits for the writer anyway (busy handler); holding write_mu_ makes this
  // process's writers wait on the mutex instead, and lets none commit in between.
  std::unique_lock<std::mutex> writer;
  if (truncate) writer = std::unique_lock<std::mutex>(write_mu_);
  ASSIGN_OR_RETURN(sqlite::Statement stmt,
                   checkpointer_->Prepare(truncate ? "PRAGMA wal_checkpoint(TRUNCATE)"
                                                   : "PRAGMA wal_checkpoint(PASSIVE)"));
  auto row = stmt.Step();
  if (!row.ok()) {
    return row.status().WithContext(fmt::format("checkpointing the WAL of '{}'", path_));
  }
  if (!*row) {
    return Status::IOError(fmt::format("checkpointing the WAL of '{}' returned no row", path_));
  }
  CheckpointReport report;
  bool busy = stmt.ColumnInt(0) != 0;
  // The WAL as this checkpoint saw it when it began (-1, -1 when another checkpoint held the
  // lock). A PASSIVE one runs beside the writer, so commits may have added frames since:
  // the writer's hook has the latest count.
  report.wal_frames = stmt.ColumnInt(1);
  report.checkpointed_frames = stmt.ColumnInt(2);
  if (truncate) {
    if (report.wal_frames >= 0) wal_frames_.store(report.wal_frames, std::memory_order_relaxed);
  } else {
    report.wal_frames = std::max(report.wal_frames, wal_frames_.load(std::memory_order_relaxed));
  }
  report.complete =
      !busy && report.checkpointed_frames >= 0 && report.checkpointed_frames == report.wal_frames;
  return report;
}

Result<CheckpointReport> HotStore::MaybeCheckpoint(const CheckpointPolicy& policy) {
  std::lock_guard<std::mutex> lock(checkpoint_mu_);
  CheckpointReport report;
  report.wal_frames = wal_frames_.load(std::memory_order_relaxed);
  if (report.wal_frames == complete_at_frames_) {  // no commit since the last complete one
    report.complete = true;
    report.checkpointed_frames = report.wal_frames;
    return report;
  }
  if (report.wal_frames * frame_bytes_ < policy.wal_bytes) return report;
  int passes = 0;
  int64_t copied = -1;
  while (passes < kMaxPassivePasses) {
    ASSIGN_OR_RETURN(report, CheckpointOnce(/*truncate=*/false));
    ++passes;
    // Done, or nothing more could be copied: a reader still needs the frames that are left.
    if (report.complete || report.checkpointed_frames <= copied) break;
    copied = report.checkpointed_frames;
  }
  report.passes = passes;
  if (report.wal_frames * frame_bytes_ >= policy.max_wal_bytes) {
    ASSIGN_OR_RETURN(report, CheckpointOnce(/*truncate=*/true));
    report.passes = passes;
    report.blocking = true;
  }
  if (report.complete) complete_at_frames_ = report.wal_frames;
  return report;
}

bool HotStore::BackgroundCheckpoint() const {
  return options_.background_checkpoint && options_.wal_autocheckpoint > 0;
}

// The WAL hook of the writer and of the side writers: counts the frames and, with background
// checkpoints, wakes the thread once they reach wal_autocheckpoint.
void HotStore::OnWalCommit(int64_t frames) {
  wal_frames_.store(frames, std::memory_order_relaxed);
  if (BackgroundCheckpoint() && frames >= options_.wal_autocheckpoint) WakeCheckpointer();
}

// Never waits for a checkpoint.
void HotStore::WakeCheckpointer() {
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    if (stop_checkpointer_) return;
    wake_ = true;
    if (!checkpoint_thread_.joinable()) checkpoint_thread_ = std::thread([this] { CheckpointLoop(); });
  }
  wake_cv_.notify_one();
}

void HotStore::CheckpointLoop() {
  CheckpointPolicy policy;
  policy.wal_bytes = 0;                                          // the hook decided it is due
  policy.max_wal_bytes = std::numeric_limits<int64_t>::max();   // never wait for readers
  std::unique_lock<std::mutex> lock(wake_mu_);
  while (true) {
    wake_cv_.wait(lock, [this] { return wake_ || stop_checkpointer_; });
    if (stop_checkpointer_) return;
    wake_ = false;
    lock.unlock();
    // Best effort, like SQLite's own: the next commit past the mark wakes it again.
    auto report = MaybeCheckpoint(policy);
    if (report.ok() && report->passes > 0) background_checkpoints_.fetch_add(1);
    lock.lock();
  }
}

}  // namespace thingsdb::hot
