#include "core/status.h"

#include <gtest/gtest.h>

namespace thingsdb {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int half, Half(x));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int x) {
  RETURN_IF_ERROR(Half(x));
  return Status::OK();
}

TEST(StatusTest, OkAndErrorsCarryCodeAndMessage) {
  EXPECT_TRUE(Status::OK().ok());
  Status st = Status::NotFound("thing 'x' does not exist");
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(st.IsNotFound());
  EXPECT_EQ(st.ToString(), "NotFound: thing 'x' does not exist");
  EXPECT_EQ(st.WithContext("get").message(), "get: thing 'x' does not exist");
}

TEST(StatusTest, MacrosPropagateErrors) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_TRUE(Quarter(6).status().IsInvalidArgument());
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(3).message(), "odd");
}

Status ForwardTemporaryStatus(int x) {
  RETURN_IF_ERROR(Half(x).status());  // regression: once a dangling reference (ASan)
  return Status::OK();
}

TEST(StatusTest, StatusOfATemporaryResultOutlivesIt) {
  Status st = ForwardTemporaryStatus(3);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_EQ(st.message(), "odd");
  EXPECT_TRUE(ForwardTemporaryStatus(2).ok());
}

}  // namespace
}  // namespace thingsdb
