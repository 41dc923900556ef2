// FlushManager: what Begin holds while it reads the rows to move.
#include "engine/flush_manager.h"

#include <gtest/gtest.h>

#include <optional>

#include "engine/testing/engine_fixture.h"

namespace thingsdb::engine {
namespace {

using testing::EngineTest;

class FlushManagerTest : public EngineTest {};

// Regression: Begin read the rows inside BEGIN IMMEDIATE, so a Put waited (up to the busy
// timeout, then failed) for the whole read. Now the read is a snapshot: a Put commits while
// it is open, and its row, not in the snapshot, stays hot for the next flush.
TEST_F(FlushManagerTest, HotWritersCommitWhileTheFlushReadsItsRows) {
  std::optional<Status> put_during_read;
  Open([&](std::string_view point) {
    if (point == "rows_read" && !put_during_read) {
      put_during_read = db_->Put({"late", "t", "{\"late\":true}", std::nullopt}).status();
    }
    return Status::OK();
  });
  for (int i = 0; i < 20; ++i) Put("early" + std::to_string(i), "{}");
  FlushReport report = MustFlush(All());
  ASSERT_TRUE(put_during_read.has_value());
  EXPECT_TRUE(put_during_read->ok()) << put_during_read->ToString();
  EXPECT_EQ(report.things, 20);
  EXPECT_EQ(HotCount("things"), 1);  // "late" committed after the snapshot
  EXPECT_EQ(ColdThings().size(), 20u);
  auto late = db_->Get("late");
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(late->data, "{\"late\":true}");
  EXPECT_EQ(MustFlush(All()).things, 1);
  EXPECT_EQ(HotCount("things"), 0);
  EXPECT_EQ(ColdThings().size(), 21u);
}

// A failure while the snapshot is open leaves no journal entry: nothing to recover.
TEST_F(FlushManagerTest, AFailureDuringTheReadJournalsNothing) {
  Open([](std::string_view point) {
    return point == "rows_read" ? Status::IOError("simulated crash") : Status::OK();
  });
  Put("a", "{}");
  auto report = db_->Flush(All());
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().ToString().find("simulated crash"), std::string::npos);
  EXPECT_EQ(HotCount("thingsdb_flush_journal"), 0);
  EXPECT_EQ(HotCount("thingsdb_flush_rows"), 0);
  Open();
  EXPECT_EQ(MustFlush(All()).things, 1);
  EXPECT_EQ(HotCount("things"), 0);
}

}  // namespace
}  // namespace thingsdb::engine
