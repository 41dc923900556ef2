#include "core/id.h"

#include <gtest/gtest.h>

#include <set>

#include "core/clock.h"

namespace thingsdb {
namespace {

TEST(IdGeneratorTest, GeneratesUniqueSortedUrlSafeIds) {
  IdGenerator gen;
  std::set<std::string> seen;
  std::string prev;
  for (int idx = 0; idx < 100000; ++idx) {
    std::string id = gen.Next();
    ASSERT_EQ(id.size(), IdGenerator::kLength);
    ASSERT_GT(id, prev);
    for (char c : id) ASSERT_TRUE(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    ASSERT_TRUE(seen.insert(id).second);
    prev = id;
  }
}

TEST(IdGeneratorTest, TimestampIsRecoverable) {
  IdGenerator gen;
  int64_t before = MonotonicClock::SystemMs();
  std::string id = gen.Next();
  int64_t after = MonotonicClock::SystemMs();
  auto ts = IdGenerator::TimestampOf(id);
  ASSERT_TRUE(ts.ok());
  EXPECT_GE(*ts, before);
  EXPECT_LE(*ts, after + 1);
  EXPECT_FALSE(IdGenerator::TimestampOf("short").ok());
}

TEST(ValidateNameTest, RejectsEmptyLongAndOddCharacters) {
  EXPECT_TRUE(ValidateName("user_1:a@b.c-d", "id", 64).ok());
  EXPECT_EQ(ValidateName("", "type", 64).message(), "type is empty");
  EXPECT_TRUE(ValidateName(std::string(65, 'a'), "id", 64).IsInvalidArgument());
  Status st = ValidateName("a b", "id", 64);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_NE(st.message().find("byte 1"), std::string::npos) << st.message();
  EXPECT_FALSE(ValidateName("../x", "id", 64).ok());
}

TEST(MonotonicClockTest, NeverGoesBack) {
  int64_t wall = 1000;
  MonotonicClock clock([&] { return wall; });
  EXPECT_EQ(clock.NowMs(), 1000);
  wall = 500;  // the wall clock steps back
  EXPECT_EQ(clock.NowMs(), 1000);
  clock.Observe(2000);
  EXPECT_EQ(clock.NowMs(), 2000);
  wall = 3000;
  EXPECT_EQ(clock.NowMs(), 3000);
}

}  // namespace
}  // namespace thingsdb
