// Reading whole rows of Iceberg tables others wrote: the Spark fixtures with equality
// deletes (../shared/interop/README.md says what each snapshot holds) and the partitioned
// table with an evolved spec.
#include "cold/table_rows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "objectstore/local_store.h"

namespace thingsdb::cold {
namespace {

std::string FixtureRoot() {
  const char* env = std::getenv("THINGSDB_ICEBERG_FIXTURES");
  if (env) return env;
  const char* source = std::getenv("THINGSDB_SOURCE_DIR");
  return std::string(source ? source : ".") + "/../shared/interop/iceberg-spark";
}

class TableRowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(FixtureRoot())) GTEST_SKIP() << "no fixtures at " << FixtureRoot();
    auto store = LocalStore::Open(FixtureRoot(), LocalStoreOptions{false});
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
  }
  std::unique_ptr<iceberg::Table> Load(const std::string& prefix) {
    auto table = iceberg::Table::Load(*store_, iceberg::TablePaths(prefix, prefix));
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    return table.ok() ? std::move(*table) : nullptr;
  }
  std::vector<std::string> Rows(const iceberg::Table& table, iceberg::ScanOptions scan,
                                Status* status = nullptr) {
    std::vector<std::string> rows;
    Status st = ForEachTableRow(table, scan, [&](const std::string& row) {
      rows.push_back(row);
      return true;
    });
    if (status) *status = st;
    else EXPECT_TRUE(st.ok()) << st.ToString();
    std::sort(rows.begin(), rows.end());
    return rows;
  }
  std::unique_ptr<LocalStore> store_;
};

std::string Row(int id, char name, int day) {
  return fmt::format("{{\"id\":{},\"name\":\"{}\",\"bir\":\"2025-01-{:02d}\"}}", id, name, day);
}

TEST_F(TableRowsTest, EqualityDeletesApplyAtEverySnapshot) {
  auto table = Load("data/persistent/equality_deletes/warehouse/mydb/mytable");
  ASSERT_TRUE(table);
  auto snapshots = table->metadata().snapshots;
  std::sort(snapshots.begin(), snapshots.end(),
            [](const auto& a, const auto& b) { return a.sequence_number < b.sequence_number; });
  ASSERT_EQ(snapshots.size(), 6u);
  std::map<int64_t, std::vector<std::string>> expected = {
      {1, {Row(1, 'a', 1), Row(2, 'b', 2), Row(3, 'c', 3), Row(4, 'd', 4)}},
      {3, {Row(3, 'c', 3), Row(4, 'd', 4)}},
      {4, {Row(4, 'd', 4)}},
      {5, {Row(4, 'd', 4), Row(5, 'e', 5), Row(6, 'f', 6)}},
      {6, {Row(4, 'd', 4), Row(5, 'e', 5)}},
  };
  for (const auto& snapshot : snapshots) {
    iceberg::ScanOptions scan;
    scan.snapshot_id = snapshot.snapshot_id;
    Status st;
    auto rows = Rows(*table, scan, &st);
    if (snapshot.sequence_number == 2) {  // its manifest list is missing from the fixture
      EXPECT_TRUE(st.IsNotFound()) << st.ToString();
      EXPECT_NE(st.message().find("snap-7342794868382145167"), std::string::npos) << st.message();
      continue;
    }
    ASSERT_TRUE(st.ok()) << st.ToString();
    std::sort(expected[snapshot.sequence_number].begin(), expected[snapshot.sequence_number].end());
    EXPECT_EQ(rows, expected[snapshot.sequence_number]) << "sequence " << snapshot.sequence_number;
  }
  EXPECT_EQ(Rows(*table, {}), (std::vector<std::string>{Row(4, 'd', 4), Row(5, 'e', 5)}));
}

TEST_F(TableRowsTest, PartitionedTableReadsAndPrunes) {
  auto table = Load("data/persistent/hive_partitioned_table");
  ASSERT_TRUE(table);
  auto rows = Rows(*table, {});
  EXPECT_EQ(rows, (std::vector<std::string>{
                      R"({"event_date":"2024-01-01","user_id":12345,"event_type":"click"})",
                      R"({"event_date":"2024-01-02","user_id":67890,"event_type":"purchase"})",
                      R"({"event_date":"2024-01-03","user_id":13579,"event_type":"view"})",
                      R"({"event_date":"2024-01-03","user_id":24680,"event_type":"click"})",
                      R"({"event_date":"2024-01-04","user_id":86420,"event_type":"view"})",
                      R"({"event_date":"2024-01-04","user_id":97531,"event_type":"purchase"})"}));
  iceberg::ScanOptions scan;
  scan.filter.push_back({"event_date", iceberg::CompareOp::kEq, iceberg::Literal::Date(19724)});
  TableRowsStats stats;
  std::vector<std::string> pruned;
  ASSERT_TRUE(ForEachTableRow(*table, scan, [&](const std::string& r) {
                pruned.push_back(r);
                return true;
              }, &stats).ok());
  EXPECT_EQ(stats.data_files, 1);
  ASSERT_EQ(pruned.size(), 1u);
  EXPECT_NE(pruned[0].find("67890"), std::string::npos) << pruned[0];
}

}  // namespace
}  // namespace thingsdb::cold
