// Test fixture of the engine tests: a temporary data directory, an in-memory (optionally
// fault-injecting) cold store, a settable clock, and helpers that count rows per tier.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "cold/cold_reader.h"
#include "engine/things_db.h"
#include "hot/query.h"
#include "objectstore/fault_injecting_store.h"
#include "objectstore/memory_store.h"

namespace thingsdb::engine::testing {

// The rows of a query result, one line each (for failure messages).
inline std::string ShowRows(const hot::QueryResult& result) {
  std::string out;
  for (const auto& row : result.rows) {
    out += "  ";
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) out += " | ";
      hot::AppendSqlValueJson(out, row[i]);
    }
    out += "\n";
  }
  return out;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("thingsdb_engine_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The options Open uses: this fixture's directory, namespace, cold store and clock.
  EngineOptions BaseOptions(FlushHook hook = nullptr) {
    EngineOptions options;
    options.data_dir = dir_.string();
    options.ns = "ns";
    options.cold_store = cold_store_ ? cold_store_ : faulty_.get();
    options.clock = &clock_;
    options.flush_hook = std::move(hook);
    return options;
  }

  // (Re)opens the engine with `options` (usually BaseOptions(), adjusted).
  void OpenOptions(EngineOptions options) {
    db_.reset();
    auto db = ThingsDB::Open(std::move(options));
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  }

  // (Re)opens the engine over the same directory and store.
  void Open(FlushHook hook = nullptr) { OpenOptions(BaseOptions(std::move(hook))); }

  hot::Thing Put(const std::string& id, const std::string& data, const std::string& type = "t") {
    auto thing = db_->Put({id, type, data, std::nullopt});
    EXPECT_TRUE(thing.ok()) << thing.status().ToString();
    return thing.ok() ? *thing : hot::Thing{};
  }

  hot::Relationship Relate(const std::string& from, const std::string& to,
                           const std::string& type = "knows") {
    auto rel = db_->Relate({from, type, to, std::nullopt});
    EXPECT_TRUE(rel.ok()) << rel.status().ToString();
    return rel.ok() ? *rel : hot::Relationship{};
  }

  void AddIndex(const std::string& path) {
    auto added = db_->hot().AddIndex(path);
    ASSERT_TRUE(added.ok()) << added.status().ToString();
  }

  int64_t HotCount(const std::string& table) {
    auto n = db_->engine_db().QueryInt("SELECT count(*) FROM " + table);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : -1;
  }

  // Live cold things by id (fails the test on a duplicate id).
  std::map<std::string, cold::ColdThing> ColdThings() {
    std::map<std::string, cold::ColdThing> out;
    EXPECT_TRUE(db_->things_table().Refresh().ok());
    if (!db_->things_table().metadata().current_snapshot_id) return out;
    cold::ColdReader reader(db_->things_table(), cold::TableLayout::Things());
    auto rows = reader.ReadThings({});
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    if (!rows.ok()) return out;
    for (auto& row : *rows) {
      EXPECT_TRUE(out.emplace(row.thing.id, row.thing).second) << "duplicate " << row.thing.id;
    }
    return out;
  }

  std::map<std::string, cold::ColdRelationship> ColdRelationships() {
    std::map<std::string, cold::ColdRelationship> out;
    EXPECT_TRUE(db_->relationships_table().Refresh().ok());
    if (!db_->relationships_table().metadata().current_snapshot_id) return out;
    cold::ColdReader reader(db_->relationships_table(), cold::TableLayout::Relationships());
    auto rows = reader.ReadRelationships({});
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    if (!rows.ok()) return out;
    for (auto& row : *rows) {
      EXPECT_TRUE(out.emplace(row.relationship.id, row.relationship).second)
          << "duplicate " << row.relationship.id;
    }
    return out;
  }

  std::string IntegrityCheck() {
    auto stmt = db_->engine_db().Prepare("PRAGMA integrity_check");
    if (!stmt.ok()) return stmt.status().ToString();
    auto row = stmt->Step();
    if (!row.ok() || !*row) return "no result";
    return std::string(stmt->ColumnText(0));
  }

  FlushReport MustFlush(FlushOptions options) {
    auto report = db_->Flush(options);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : FlushReport{};
  }

  static FlushOptions Cutoff(int64_t ms) {
    FlushOptions options;
    options.cutoff_ms = ms;
    return options;
  }
  static FlushOptions All() {
    FlushOptions options;
    options.all = true;
    return options;
  }

  std::filesystem::path dir_;
  std::atomic<int64_t> now_ms_{1'700'000'000'000};
  MonotonicClock clock_{[this] { return now_ms_.load(); }};
  // A fresh, empty cold store (the engine must be closed).
  void ResetStore() {
    faulty_.reset();
    memory_ = std::make_unique<MemoryStore>();
    faulty_ = std::make_unique<FaultInjectingStore>(memory_.get());
  }

  std::unique_ptr<MemoryStore> memory_ = std::make_unique<MemoryStore>();
  std::unique_ptr<FaultInjectingStore> faulty_ =
      std::make_unique<FaultInjectingStore>(memory_.get());
  std::unique_ptr<ThingsDB> db_;
  ObjectStore* cold_store_ = nullptr;  // when set, Open uses it instead of faulty_
};

}  // namespace thingsdb::engine::testing
