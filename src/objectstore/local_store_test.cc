#include "objectstore/local_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "objectstore/object_key.h"

namespace thingsdb {
namespace {

namespace fs = std::filesystem;

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("thingsdb_local_store_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    auto store = LocalStore::Open(root_.string() + "/nested/root/");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override { fs::remove_all(root_); }

  std::vector<std::string> FilesOnDisk() {
    std::vector<std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(root_)) {
      if (entry.is_regular_file()) out.push_back(entry.path().filename().string());
    }
    return out;
  }

  fs::path root_;
  std::unique_ptr<LocalStore> store_;
};

TEST_F(LocalStoreTest, OpenCreatesTheRootAndDescribesIt) {
  EXPECT_TRUE(fs::is_directory(root_ / "nested/root"));
  EXPECT_EQ(store_->Describe(), "file://" + (root_ / "nested/root").string());
}

TEST_F(LocalStoreTest, ObjectsAreFilesAndNoTempFileRemains) {
  ASSERT_TRUE(store_->Put("ns/things/data/f.parquet", "abc").ok());
  ASSERT_TRUE(store_->PutIfAbsent("ns/things/metadata/v1.json", "{}").ok());
  EXPECT_FALSE(store_->PutIfAbsent("ns/things/metadata/v1.json", "{}").ok());
  std::ifstream in(root_ / "nested/root/ns/things/data/f.parquet");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "abc");
  std::vector<std::string> files = FilesOnDisk();
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"f.parquet", "v1.json"}));
}

TEST_F(LocalStoreTest, ListSkipsInFlightTempFiles) {
  ASSERT_TRUE(store_->Put("d/a", "1").ok());
  std::ofstream(root_ / "nested/root/d" / (std::string(kReservedSegmentPrefix) + "123.0.ab"))
      << "partial";
  auto listed = store_->List("d/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "d/a");
}

TEST_F(LocalStoreTest, ReservedTempPrefixIsNotAKey) {
  EXPECT_TRUE(store_->Put("d/.tdbtmp.x", "1").IsInvalidArgument());
}

TEST_F(LocalStoreTest, KeyUnderAFileIsAnError) {
  ASSERT_TRUE(store_->Put("file", "1").ok());
  Status st = store_->Put("file/child", "2");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("file/child"), std::string::npos) << st.message();
  EXPECT_TRUE(store_->Get("file/child").status().IsNotFound());
  EXPECT_TRUE(store_->Head("file/child").status().IsNotFound());
}

TEST_F(LocalStoreTest, DirectoryIsNotAnObject) {
  ASSERT_TRUE(store_->Put("dir/x", "1").ok());
  EXPECT_TRUE(store_->Get("dir").status().IsNotFound());
  EXPECT_TRUE(store_->Head("dir").status().IsNotFound());
}

TEST_F(LocalStoreTest, UnsyncedModeWorks) {
  auto store = LocalStore::Open((root_ / "nosync").string(), LocalStoreOptions{.sync = false});
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("k", "v").ok());
  EXPECT_EQ(*(*store)->Get("k"), "v");
}

TEST_F(LocalStoreTest, RootThatIsAFileIsAnError) {
  std::ofstream(root_ / "plainfile") << "x";
  auto store = LocalStore::Open((root_ / "plainfile").string());
  EXPECT_FALSE(store.ok());
}

TEST(ObjectKeyTest, Rules) {
  EXPECT_TRUE(ValidateObjectKey("a").ok());
  EXPECT_TRUE(ValidateObjectKey("a/b.c/..d/e..").ok());
  EXPECT_TRUE(ValidateObjectKey("sp ace/\xc3\xbc+=").ok());
  for (const char* bad : {"", "/a", "a//b", "a/", "..", "a/../b", "a/./b", "a\tb", "\x7f"}) {
    Status st = ValidateObjectKey(bad);
    EXPECT_TRUE(st.IsInvalidArgument()) << "'" << bad << "'";
  }
  EXPECT_TRUE(ValidateObjectKey(std::string(1025, 'a')).IsInvalidArgument());
  EXPECT_TRUE(ValidateObjectPrefix("").ok());
  EXPECT_TRUE(ValidateObjectPrefix("ns/th").ok());
  EXPECT_TRUE(ValidateObjectPrefix("../").IsInvalidArgument());
  EXPECT_TRUE(ValidateObjectPrefix("/ns").IsInvalidArgument());
}

}  // namespace
}  // namespace thingsdb
