// Crash safety of the commit protocol (docs/iceberg.md): cut a commit at every write, reopen,
// and check the table is the last committed snapshot and orphan removal leaves only
// referenced objects.
#include <gtest/gtest.h>

#include <set>

#include "iceberg/maintenance.h"
#include "iceberg/table.h"
#include "objectstore/fault_injecting_store.h"
#include "objectstore/memory_store.h"

namespace thingsdb::iceberg {
namespace {

Schema OneColumn() {
  Schema schema;
  schema.fields = {NestedField{1, "id", true, Type::Primitive(TypeId::kLong), ""}};
  return schema;
}

DataFile FileAt(const std::string& key) {
  DataFile file;
  file.file_path = "mem://t/" + key.substr(2);  // key "t/data/x" ↔ location "mem://t/data/x"
  file.record_count = 1;
  file.file_size_in_bytes = 4;
  return file;
}

std::set<std::string> AllKeys(ObjectStore& store) {
  std::set<std::string> keys;
  auto listed = store.List("t/");
  EXPECT_TRUE(listed.ok());
  for (const auto& info : *listed) keys.insert(info.key);
  return keys;
}

// One commit writes: the data file (by the caller), manifest(s), manifest list, vN, hint.
// Cut at every write, once (the writer then "crashes": every later write fails too).
TEST(CrashTest, CutCommitAtEveryWrite) {
  for (int fail_at = 1; fail_at <= 5; ++fail_at) {
    SCOPED_TRACE("failing write " + std::to_string(fail_at));
    MemoryStore base;
    FaultInjectingStore faulty(&base);
    TablePaths paths("t", "mem://t");
    auto table = Table::Create(faulty, paths, OneColumn(), PartitionSpec{});
    ASSERT_TRUE(table.ok());
    ASSERT_TRUE(faulty.Put("t/data/a.parquet", "PAR1").ok());
    auto first = (*table)->Append({FileAt("t/data/a.parquet")});
    ASSERT_TRUE(first.ok());

    faulty.ResetCounters();
    faulty.FailFrom(ObjectStoreOp::kAnyWrite, fail_at);
    Status data = faulty.Put("t/data/b.parquet", "PAR1");
    Result<Snapshot> second =
        data.ok() ? (*table)->Append({FileAt("t/data/b.parquet")}) : Result<Snapshot>(data);
    faulty.ClearFaults();
    // Writes: 1 data file, 2 manifest, 3 manifest list, 4 v3.metadata.json, 5 version hint.
    const bool committed = fail_at >= 5;
    EXPECT_EQ(second.ok(), committed) << second.status().ToString();

    auto reopened = Table::Load(base, paths);
    ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
    EXPECT_EQ((*reopened)->version(), committed ? 3 : 2);
    auto plan = (*reopened)->Scan();
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_EQ(plan->tasks.size(), committed ? 2u : 1u);

    // Orphan removal (no grace period) takes exactly the unreferenced objects.
    auto referenced = ReferencedKeys(**reopened);
    ASSERT_TRUE(referenced.ok());
    auto removed = RemoveOrphanFiles(**reopened, OrphanOptions{INT64_MAX, false});
    ASSERT_TRUE(removed.ok()) << removed.status().ToString();
    for (const auto& key : *removed) EXPECT_FALSE(referenced->count(key)) << key;
    for (const auto& key : AllKeys(base)) {
      bool metadata = TablePaths::ParseMetadataVersion(key) || key == paths.VersionHintKey();
      EXPECT_TRUE(metadata || referenced->count(key)) << "left behind: " << key;
    }
    auto after = Table::Load(base, paths);
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after.value()->Scan()->tasks.size(), committed ? 2u : 1u);

    // The writer retries from scratch and succeeds.
    if (!committed) {
      ASSERT_TRUE(base.Put("t/data/b.parquet", "PAR1").ok());
      auto retry = (*after)->Append({FileAt("t/data/b.parquet")});
      ASSERT_TRUE(retry.ok()) << retry.status().ToString();
      EXPECT_EQ((*after)->Scan()->tasks.size(), 2u);
    }
  }
}

// A cut between the metadata swap and the hint leaves a stale hint: still committed.
TEST(CrashTest, CommitWithFailedHintIsCommitted) {
  MemoryStore base;
  FaultInjectingStore faulty(&base);
  TablePaths paths("t", "mem://t");
  auto table = Table::Create(faulty, paths, OneColumn(), PartitionSpec{});
  ASSERT_TRUE(table.ok());
  faulty.ResetCounters();
  faulty.FailNth(ObjectStoreOp::kAnyWrite, 4);  // manifest, list, metadata, [hint fails]
  auto snapshot = (*table)->Append({FileAt("t/data/a.parquet")}, CommitOptions{"tok", {}, 0, 5});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  faulty.ClearFaults();
  EXPECT_EQ(*base.Get(paths.VersionHintKey()), "1");  // stale
  auto reopened = Table::Load(base, paths);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->version(), 2);
  EXPECT_EQ((*reopened)->metadata().current_snapshot_id, snapshot->snapshot_id);
}

// A retried commit with the same token after a crash overwrites its own orphans.
TEST(CrashTest, RetryWithTokenLeavesNoDuplicates) {
  MemoryStore base;
  FaultInjectingStore faulty(&base);
  TablePaths paths("t", "mem://t");
  ASSERT_TRUE(Table::Create(faulty, paths, OneColumn(), PartitionSpec{}).ok());
  auto table = Table::Load(faulty, paths);
  ASSERT_TRUE(table.ok());
  CommitOptions options;
  options.commit_token = "flush-7";
  faulty.ResetCounters();
  faulty.FailFrom(ObjectStoreOp::kAnyWrite, 3);  // manifest and list written, metadata swap fails
  EXPECT_FALSE((*table)->Append({FileAt("t/data/a.parquet")}, options).ok());
  faulty.ClearFaults();
  auto before = AllKeys(base);
  auto again = Table::Load(faulty, paths);
  ASSERT_TRUE(again.ok());
  auto snapshot = (*again)->Append({FileAt("t/data/a.parquet")}, options);
  ASSERT_TRUE(snapshot.ok());
  auto after = AllKeys(base);
  // Only the new metadata file appeared: the manifest and list were overwritten in place.
  std::set<std::string> added;
  for (const auto& key : after) {
    if (!before.count(key)) added.insert(key);
  }
  EXPECT_EQ(added, (std::set<std::string>{"t/metadata/v2.metadata.json"}));
}

}  // namespace
}  // namespace thingsdb::iceberg
