#include "sqlite/database.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace thingsdb::sqlite {
namespace {

TEST(DatabaseTest, PrepareBindStepAndCache) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t(a INTEGER, b TEXT, c BLOB, d REAL)").ok());
  for (int round = 0; round < 3; ++round) {
    auto stmt = (*db)->Cached("INSERT INTO t VALUES(?,?,?,?)");
    ASSERT_TRUE(stmt.ok());
    stmt->BindInt(1, round).BindText(2, "x").BindBlob(3, std::string("\0\1", 2)).BindDouble(4, 0.5);
    ASSERT_TRUE(stmt->Run().ok());
  }
  EXPECT_EQ(*(*db)->QueryInt("SELECT count(*) FROM t"), 3);
  auto sel = (*db)->Prepare("SELECT a, b, c, d FROM t ORDER BY a DESC");
  ASSERT_TRUE(sel.ok());
  ASSERT_TRUE(*sel->Step());
  EXPECT_EQ(sel->ColumnInt(0), 2);
  EXPECT_EQ(sel->ColumnText(1), "x");
  EXPECT_EQ(sel->ColumnBlob(2), std::string("\0\1", 2));
  EXPECT_EQ(sel->ColumnDouble(3), 0.5);
  EXPECT_TRUE(sel->ReadOnly());
}

TEST(DatabaseTest, ErrorsMapToStatusCodes) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok());
  EXPECT_TRUE((*db)->Prepare("SELEC nonsense").status().IsInvalidArgument());
  EXPECT_TRUE((*db)->Prepare("SELECT 1; SELECT 2").status().IsInvalidArgument());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE u(a PRIMARY KEY)").ok());
  ASSERT_TRUE((*db)->Exec("INSERT INTO u VALUES(1)").ok());
  auto stmt = (*db)->Prepare("INSERT INTO u VALUES(1)");
  ASSERT_TRUE(stmt.ok());
  EXPECT_TRUE(stmt->Step().status().IsConflict());
  EXPECT_FALSE(Database::Open("/nonexistent/dir/x.db").ok());
}

TEST(DatabaseTest, StatementCacheIsBoundedAndRefusesSeveralStatements) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok());
  EXPECT_TRUE((*db)->Cached("SELECT 1; SELECT 2").status().IsInvalidArgument());
  for (size_t idx = 0; idx < Database::kMaxCachedStatements + 10; ++idx) {
    auto stmt = (*db)->Cached("SELECT " + std::to_string(idx));
    ASSERT_TRUE(stmt.ok());
    ASSERT_TRUE(*stmt->Step());
    EXPECT_EQ(stmt->ColumnInt(0), static_cast<int64_t>(idx));
  }
  auto again = (*db)->Cached("SELECT 3");
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(*again->Step());
  EXPECT_EQ(again->ColumnInt(0), 3);
}

// The WAL hook sees every commit's frame count; with no automatic checkpoint the WAL only
// grows, with one it never passes the threshold by more than a commit.
TEST(DatabaseTest, WalHookCountsFramesAndCheckpointsWhenAsked) {
  auto path = std::filesystem::temp_directory_path() /
              ("thingsdb_sqlite_wal_" + std::to_string(::getpid()) + ".db");
  for (int autocheckpoint : {0, 20}) {
    std::filesystem::remove(path);
    auto db = Database::Open(path.string());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("PRAGMA journal_mode = WAL; CREATE TABLE t(a BLOB)").ok());
    std::vector<int64_t> seen;
    (*db)->SetWalHook([&seen](int64_t frames) { seen.push_back(frames); }, autocheckpoint);
    for (int row = 0; row < 50; ++row) {
      ASSERT_TRUE((*db)->Exec("INSERT INTO t VALUES(randomblob(3000))").ok());
    }
    ASSERT_EQ(seen.size(), 50u);
    if (autocheckpoint == 0) {
      EXPECT_GT(seen.back(), 50) << "no checkpoint ran, so the WAL kept every frame";
      for (size_t idx = 1; idx < seen.size(); ++idx) EXPECT_GT(seen[idx], seen[idx - 1]);
    } else {
      for (int64_t frames : seen) EXPECT_LT(frames, autocheckpoint + 10);
    }
    EXPECT_EQ(*(*db)->QueryInt("SELECT count(*) FROM t"), 50);
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
}

TEST(TransactionTest, RollsBackUnlessCommitted) {
  auto db = Database::Open(":memory:");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t(a)").ok());
  {
    auto txn = Transaction::Begin(**db);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO t VALUES(1)").ok());
  }
  EXPECT_EQ(*(*db)->QueryInt("SELECT count(*) FROM t"), 0);
  {
    auto txn = Transaction::Begin(**db);
    ASSERT_TRUE((*db)->Exec("INSERT INTO t VALUES(1)").ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  EXPECT_EQ(*(*db)->QueryInt("SELECT count(*) FROM t"), 1);
}

}  // namespace
}  // namespace thingsdb::sqlite
