#include "iceberg/transforms.h"

#include <gtest/gtest.h>

#include "iceberg/single_value.h"

namespace thingsdb::iceberg {
namespace {

// Iceberg spec, Appendix B: "32-bit Hash Requirements" test values.
TEST(TransformsTest, BucketHashMatchesSpecValues) {
  EXPECT_EQ(*BucketHash(Literal::Int(34)), 2017239379);
  EXPECT_EQ(*BucketHash(Literal::Long(34)), 2017239379);
  Literal decimal;
  decimal.type = TypeId::kDecimal;
  decimal.bytes = std::string("\x05\x8c", 2);  // 14.20 → unscaled 1420
  EXPECT_EQ(*BucketHash(decimal), -500754589);
  const int32_t day = DaysFromCivil(2017, 11, 16);
  EXPECT_EQ(*BucketHash(Literal::Date(day)), -653330422);
  Literal time;
  time.type = TypeId::kTime;
  time.integer = (int64_t{22} * 3600 + 31 * 60 + 8) * 1000000;
  EXPECT_EQ(*BucketHash(time), -662762989);
  const int64_t micros = (int64_t{day} * 86400 + 22 * 3600 + 31 * 60 + 8) * 1000000;
  EXPECT_EQ(*BucketHash(Literal::Timestamp(micros)), -2047944441);
  EXPECT_EQ(*BucketHash(Literal::Timestamp(micros, true)), -2047944441);
  EXPECT_EQ(*BucketHash(Literal::String("iceberg")), 1210000089);
  Literal uuid;
  uuid.type = TypeId::kUuid;
  uuid.bytes = std::string("\xf7\x9c\x3e\x09\x67\x7c\x4b\xbd\xa4\x79\x3f\x34\x9c\xb7\x85\xe7", 16);
  EXPECT_EQ(*BucketHash(uuid), 1488055340);
  EXPECT_EQ(*BucketHash(Literal::Binary(std::string("\x00\x01\x02\x03", 4))), -188683207);
  EXPECT_FALSE(BucketHash(Literal::Double(1.0)).ok());
}

TEST(TransformsTest, ParseAndPrint) {
  for (const char* text :
       {"identity", "bucket[16]", "truncate[4]", "year", "month", "day", "hour", "void"}) {
    auto transform = Transform::Parse(text);
    ASSERT_TRUE(transform.ok()) << text;
    EXPECT_EQ(transform->ToString(), text);
  }
  EXPECT_FALSE(Transform::Parse("bucket[0]").ok());
  EXPECT_FALSE(Transform::Parse("bucket[x]").ok());
  EXPECT_FALSE(Transform::Parse("zorder").ok());
}

TEST(TransformsTest, Bucket) {
  auto bucket = *Transform::Parse("bucket[16]");
  // (2017239379 & INT_MAX) % 16 = 3
  EXPECT_EQ(bucket.Apply(Literal::Int(34))->integer, 2017239379 % 16);
  EXPECT_EQ(bucket.ResultType(Type::Primitive(TypeId::kString)).value()->id, TypeId::kInt);
}

TEST(TransformsTest, Truncate) {
  auto truncate = *Transform::Parse("truncate[10]");
  EXPECT_EQ(truncate.Apply(Literal::Int(1))->integer, 0);
  EXPECT_EQ(truncate.Apply(Literal::Int(-1))->integer, -10);  // spec: floor semantics
  EXPECT_EQ(truncate.Apply(Literal::Long(25))->integer, 20);
  auto three = *Transform::Parse("truncate[3]");
  EXPECT_EQ(three.Apply(Literal::String("iceberg"))->bytes, "ice");
  EXPECT_EQ(three.Apply(Literal::String("\xc3\xa9t\xc3\xa9s"))->bytes,
            "\xc3\xa9t\xc3\xa9");  // code points
  Literal decimal;
  decimal.type = TypeId::kDecimal;
  decimal.bytes = std::string("\x04\xfd", 2);  // 1277 → 12.77 truncate[10] → 12.70
  auto out = truncate.Apply(decimal);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->bytes, std::string("\x04\xf6", 2));  // 1270
}

TEST(TransformsTest, DateTransforms) {
  const int32_t day = DaysFromCivil(2017, 11, 16);
  EXPECT_EQ(day, 17486);
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  const int64_t micros = (int64_t{day} * 86400 + 22 * 3600 + 31 * 60 + 8) * 1000000;
  EXPECT_EQ(Transform::Parse("year")->Apply(Literal::Date(day))->integer, 47);
  EXPECT_EQ(Transform::Parse("month")->Apply(Literal::Date(day))->integer, 47 * 12 + 10);
  EXPECT_EQ(Transform::Parse("day")->Apply(Literal::Timestamp(micros))->integer, day);
  EXPECT_EQ(Transform::Parse("day")->Apply(Literal::Timestamp(micros))->type, TypeId::kDate);
  EXPECT_EQ(Transform::Parse("hour")->Apply(Literal::Timestamp(micros))->integer,
            int64_t{day} * 24 + 22);
  // Before the epoch rounds down.
  EXPECT_EQ(Transform::Parse("day")->Apply(Literal::Timestamp(-1))->integer, -1);
  EXPECT_EQ(Transform::Parse("month")->Apply(Literal::Date(-1))->integer, -1);
  EXPECT_EQ(Transform::Parse("year")->Apply(Literal::Date(-1))->integer, -1);
  EXPECT_FALSE(Transform::Parse("hour")->ResultType(Type::Primitive(TypeId::kDate)).ok());
}

TEST(TransformsTest, ProjectionForPruning) {
  auto day = *Transform::Parse("day");
  const int64_t micros = int64_t{10} * 86400 * 1000000 + 5;
  auto eq = day.Project(CompareOp::kEq, Literal::Timestamp(micros));
  ASSERT_TRUE(eq);
  EXPECT_EQ(eq->first, CompareOp::kEq);
  EXPECT_EQ(eq->second.integer, 10);
  auto lt = day.Project(CompareOp::kLt, Literal::Timestamp(micros));
  ASSERT_TRUE(lt);
  EXPECT_EQ(lt->first, CompareOp::kLe);  // lossy: strict becomes inclusive
  EXPECT_FALSE(Transform::Parse("bucket[4]")->Project(CompareOp::kLt, Literal::Int(3)));
  EXPECT_TRUE(Transform::Parse("bucket[4]")->Project(CompareOp::kEq, Literal::Int(3)));
}

TEST(SingleValueTest, RoundTripsAndLayout) {
  auto int_bytes = SerializeSingleValue(Literal::Int(1), *Type::Primitive(TypeId::kInt));
  EXPECT_EQ(*int_bytes, std::string("\x01\x00\x00\x00", 4));
  auto long_bytes = SerializeSingleValue(Literal::Long(-2), *Type::Primitive(TypeId::kLong));
  EXPECT_EQ(*long_bytes, std::string("\xfe\xff\xff\xff\xff\xff\xff\xff", 8));
  EXPECT_EQ(*SerializeSingleValue(Literal::String("abc"), *Type::Primitive(TypeId::kString)),
            "abc");
  EXPECT_EQ(*SerializeSingleValue(Literal::Boolean(true), *Type::Primitive(TypeId::kBoolean)),
            "\x01");
  auto dbl = SerializeSingleValue(Literal::Double(1.0), *Type::Primitive(TypeId::kDouble));
  EXPECT_EQ(*dbl, std::string("\x00\x00\x00\x00\x00\x00\xf0\x3f", 8));
  for (TypeId id :
       {TypeId::kInt, TypeId::kLong, TypeId::kDate, TypeId::kTimestamp, TypeId::kTimestampTz}) {
    auto type = Type::Primitive(id);
    auto bytes = SerializeSingleValue(Literal::Long(-12345), *type);
    ASSERT_TRUE(bytes.ok());
    auto back = DeserializeSingleValue(*bytes, *type, "x");
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->integer, -12345);
  }
  // Long bounds written by an int column (type promotion) are 4 bytes.
  EXPECT_EQ(DeserializeSingleValue(*int_bytes, *Type::Primitive(TypeId::kLong), "x")->integer, 1);
  auto bad = DeserializeSingleValue("abc", *Type::Primitive(TypeId::kInt), "manifest.avro");
  EXPECT_TRUE(bad.status().IsCorruption());
  EXPECT_NE(bad.status().message().find("manifest.avro"), std::string::npos);
}

TEST(SingleValueTest, Compare) {
  EXPECT_LT(Literal::Compare(Literal::String("a"), Literal::String("b")), 0);
  EXPECT_LT(Literal::Compare(Literal::String("a"), Literal::String("ab")), 0);
  EXPECT_GT(Literal::Compare(Literal::String("\xc3\xa9"), Literal::String("z")),
            0);  // unsigned bytes
  EXPECT_EQ(Literal::Compare(Literal::Int(3), Literal::Long(3)), 0);
  Literal minus_one, one;
  minus_one.type = one.type = TypeId::kDecimal;
  minus_one.bytes = "\xff";
  one.bytes = std::string("\x00\x01", 2);
  EXPECT_LT(Literal::Compare(minus_one, one), 0);
}

}  // namespace
}  // namespace thingsdb::iceberg
