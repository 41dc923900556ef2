// Crash test: the Nth object-store write of a flush (data files, delete files, manifests,
// manifest list, metadata swap, version hint) fails and every later one too — the process
// "died" there. The table must load as its last committed snapshot, and re-running the same
// flush id must succeed without duplicating rows.
#include <gtest/gtest.h>

#include <set>

#include "cold/cold_reader.h"
#include "cold/flush_writer.h"
#include "cold/testing/cold_rows.h"
#include "cold/warehouse.h"
#include "objectstore/fault_injecting_store.h"
#include "objectstore/memory_store.h"

namespace thingsdb::cold {
namespace {

using testing::MakeThings;
using testing::ThingId;

// The live rows of the store's things table: id → data.
std::map<std::string, std::string> LiveRows(ObjectStore& store, const TableLayout& layout) {
  auto table = Warehouse(store).Open("ns", TableKind::kThings);
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  if (!table.ok()) return {};
  ColdReader reader(**table, layout);
  auto rows = reader.ReadThings({.columns = {"id", "data"}});
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  std::map<std::string, std::string> out;
  if (!rows.ok()) return out;
  for (const auto& located : *rows) {
    EXPECT_TRUE(out.emplace(located.thing.id, located.thing.data).second)
        << "duplicate row " << located.thing.id;
  }
  return out;
}

// Flush "f2": updates thing 1, deletes thing 2, adds things 100..119.
Status SecondFlush(ObjectStore& store, const TableLayout& layout,
                   const std::vector<PositionDelete>& deletes, const ColdThing& updated) {
  ASSIGN_OR_RETURN(auto table, Warehouse(store).OpenOrCreate("ns", layout));
  FlushOptions options;
  options.flush_id = "f2";
  ASSIGN_OR_RETURN(FlushWriter writer, FlushWriter::Make(store, table->paths(), layout, options));
  std::vector<ColdThing> rows = MakeThings(100, 120);
  rows.push_back(updated);
  ASSIGN_OR_RETURN(WrittenFiles data, writer.WriteThings(rows));
  ASSIGN_OR_RETURN(WrittenFiles dels, writer.WritePositionDeletes(deletes));
  ASSIGN_OR_RETURN(iceberg::Snapshot snapshot, CommitFlush(*table, "f2", data, dels, {}, 2000));
  return Status::OK();
}

enum class CrashMode { kFailFrom, kShortWriteThenFail };

class ColdCrashTest : public ::testing::TestWithParam<CrashMode> {};

TEST_P(ColdCrashTest, EveryWriteOfAFlushCanFail) {
  TableLayout layout = testing::ThingsLayoutWithIndexes();
  int crashes = 0;
  int successes = 0;
  int crashes_after_commit = 0;
  for (uint64_t nth = 1; nth < 64 && successes == 0; ++nth) {
    SCOPED_TRACE("failing write " + std::to_string(nth));
    MemoryStore base;
    // Committed state 1: things 0..59.
    {
      auto table = Warehouse(base).OpenOrCreate("ns", layout);
      ASSERT_TRUE(table.ok());
      auto writer =
          FlushWriter::Make(base, (*table)->paths(), layout, FlushOptions{.flush_id = "f1"});
      ASSERT_TRUE(writer.ok());
      auto data = writer->WriteThings(MakeThings(0, 60));
      ASSERT_TRUE(data.ok());
      ASSERT_TRUE(CommitFlush(**table, "f1", *data, {}, {}, 1000).ok());
    }
    std::map<std::string, std::string> state1 = LiveRows(base, layout);
    ASSERT_EQ(state1.size(), 60u);

    auto table = Warehouse(base).Open("ns", TableKind::kThings);
    ASSERT_TRUE(table.ok());
    ColdReader reader(**table, layout);
    auto one = reader.LookupThing(ThingId(1));
    auto two = reader.LookupThing(ThingId(2));
    ASSERT_TRUE(one.ok() && one->has_value() && two.ok() && two->has_value());
    ColdThing updated = (*one)->thing;
    updated.data = R"({"updated":true})";
    updated.updated_at += 1;
    std::vector<PositionDelete> deletes = {
        {(*one)->location, updated.type, updated.created_at},
        {(*two)->location, (*two)->thing.type, (*two)->thing.created_at}};
    std::map<std::string, std::string> state2 = state1;
    state2.erase(ThingId(2));
    state2[ThingId(1)] = updated.data;
    for (const auto& thing : MakeThings(100, 120)) state2[thing.id] = thing.data;

    FaultInjectingStore faulty(&base);
    if (GetParam() == CrashMode::kFailFrom) {
      faulty.FailFrom(ObjectStoreOp::kAnyWrite, nth);
    } else {  // the Nth write leaves half an object behind, then the process dies
      faulty.ShortWriteNth(ObjectStoreOp::kAnyWrite, nth, 0.5);
      faulty.FailFrom(ObjectStoreOp::kAnyWrite, nth + 1);
    }
    Status crashed = SecondFlush(faulty, layout, deletes, updated);
    if (crashed.ok()) {
      ++successes;
      EXPECT_EQ(LiveRows(base, layout), state2);
      continue;
    }
    ++crashes;
    std::map<std::string, std::string> after_crash = LiveRows(base, layout);
    if (after_crash == state2) {
      ++crashes_after_commit;  // the metadata swap landed; only the version hint failed
    } else {
      EXPECT_EQ(after_crash, state1);
    }
    // Recovery: the same flush again, on the healthy store.
    Status retried = SecondFlush(base, layout, deletes, updated);
    ASSERT_TRUE(retried.ok()) << retried.ToString();
    EXPECT_EQ(LiveRows(base, layout), state2);
    auto reloaded = Warehouse(base).Open("ns", TableKind::kThings);
    ASSERT_TRUE(reloaded.ok());
    EXPECT_EQ((*reloaded)->metadata().snapshots.size(), 2u);  // no duplicate commit
  }
  EXPECT_EQ(successes, 1);
  EXPECT_GE(crashes, 6);  // data, deletes, 2+ manifests, manifest list, metadata
  EXPECT_GE(crashes_after_commit, 0);
}

INSTANTIATE_TEST_SUITE_P(Modes, ColdCrashTest,
                         ::testing::Values(CrashMode::kFailFrom, CrashMode::kShortWriteThenFail));

}  // namespace
}  // namespace thingsdb::cold
