#include "core/json.h"

#include <gtest/gtest.h>

#include <random>

namespace thingsdb {
namespace {

TEST(ValidateJsonTest, AcceptsValidDocuments) {
  for (const char* text : {"{}", "[]", "0", "-1.5e+10", "\"x\"", "true", "null",
                           " {\"a\": [1, 2, {\"b\": null}], \"c\": \"\\u00e9\\n\"} ",
                           "{\"é\": \"日本\"}", "[1e5,0.25,-0]"}) {
    EXPECT_TRUE(ValidateJson(text, "data").ok()) << text;
  }
  EXPECT_EQ(*ValidateJson("{\"a\":1}", "data"), JsonKind::kObject);
  EXPECT_EQ(*ValidateJson("[1]", "data"), JsonKind::kArray);
  EXPECT_EQ(*ValidateJson("\"s\"", "data"), JsonKind::kString);
}

TEST(ValidateJsonTest, RejectsMalformedWithOffset) {
  struct Case {
    const char* text;
    size_t offset;
  };
  for (Case c : {Case{"{", 1}, Case{"{\"a\" 1}", 5}, Case{"[1,]", 3}, Case{"01", 1},
                 Case{"{'a':1}", 1}, Case{"[1] x", 4}, Case{"\"\x01\"", 1}, Case{"", 0},
                 Case{"NaN", 0}, Case{"1.", 2}, Case{"\"\\x\"", 2}, Case{"\"\xff\"", 1},
                 Case{"\"\xed\xa0\x80\"", 1}}) {
    auto result = ValidateJson(c.text, "data");
    ASSERT_FALSE(result.ok()) << c.text;
    EXPECT_TRUE(result.status().IsInvalidArgument());
    EXPECT_NE(result.status().message().find("at byte " + std::to_string(c.offset)),
              std::string::npos)
        << c.text << " -> " << result.status().message();
  }
}

TEST(ValidateJsonTest, LimitsDepthWithoutCrashing) {
  std::string deep(100000, '[');
  EXPECT_FALSE(ValidateJson(deep, "data").ok());
  std::string ok_depth = std::string(200, '[') + std::string(200, ']');
  EXPECT_TRUE(ValidateJson(ok_depth, "data").ok());
}

TEST(ValidateJsonTest, RandomBytesNeverCrash) {
  std::mt19937 rng(42);
  const std::string alphabet = "{}[]\":,0123456789-+.eEtrufalsn \\u\x01\xc3\xa9";
  for (int iter = 0; iter < 20000; ++iter) {
    std::string text;
    int len = rng() % 24;
    for (int pos = 0; pos < len; ++pos) text.push_back(alphabet[rng() % alphabet.size()]);
    (void)ValidateJson(text, "data");
  }
}

TEST(JsonStringTest, EscapesControlAndQuotes) {
  EXPECT_EQ(JsonString("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_TRUE(ValidateJson(JsonString("x\ty\x1f"), "s").ok());
}

}  // namespace
}  // namespace thingsdb
