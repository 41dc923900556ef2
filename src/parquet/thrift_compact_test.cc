#include "parquet/thrift_compact.h"

#include <gtest/gtest.h>

namespace thingsdb::parquet {
namespace {

TEST(ThriftCompactTest, RoundTripsScalarsAndNesting) {
  std::string bytes;
  ThriftWriter w(&bytes);
  w.BeginStruct();
  w.FieldI32(1, -7);
  w.FieldI64(2, int64_t{1} << 40);
  w.FieldBinary(3, "hello");
  w.FieldBool(4, true);
  w.FieldBool(5, false);
  w.FieldStruct(20);  // delta > 15: long-form header
  w.FieldI32(1, 42);
  w.EndStruct();
  w.FieldList(21, CType::kI64, 20);  // long-form list size
  for (int i = 0; i < 20; ++i) w.ElemI64(-i);
  w.FieldI32(22, 9);  // field after a nested struct continues from id 21
  w.EndStruct();

  ThriftReader r(bytes, "test", 0);
  int seen = 0;
  ASSERT_TRUE(r.ReadStruct([&](const ThriftField& f) -> Status {
                 ++seen;
                 switch (f.id) {
                   case 1:
                     EXPECT_EQ(*r.ReadI32(f), -7);
                     return Status::OK();
                   case 2:
                     EXPECT_EQ(*r.ReadI64(f), int64_t{1} << 40);
                     return Status::OK();
                   case 3:
                     EXPECT_EQ(*r.ReadBinary(f), "hello");
                     return Status::OK();
                   case 4:
                     EXPECT_TRUE(*r.ReadBool(f));
                     return Status::OK();
                   case 5:
                     EXPECT_FALSE(*r.ReadBool(f));
                     return Status::OK();
                   case 20:
                     return r.ReadStruct([&](const ThriftField& g) -> Status {
                       EXPECT_EQ(g.id, 1);
                       EXPECT_EQ(*r.ReadI32(g), 42);
                       return Status::OK();
                     });
                   case 21: {
                     auto list = r.ReadListHeader(f);
                     EXPECT_EQ(list->size, 20u);
                     for (uint32_t i = 0; i < list->size; ++i)
                       EXPECT_EQ(*r.ReadElemInt(), -static_cast<int64_t>(i));
                     return Status::OK();
                   }
                   case 22:
                     EXPECT_EQ(*r.ReadI32(f), 9);
                     return Status::OK();
                 }
                 ADD_FAILURE() << "unexpected field " << f.id;
                 return r.Skip(f.type);
               }).ok());
  EXPECT_EQ(seen, 8);
  EXPECT_EQ(r.position(), bytes.size());
}

TEST(ThriftCompactTest, SkipsUnknownFieldsOfEveryKind) {
  std::string bytes;
  ThriftWriter w(&bytes);
  w.BeginStruct();
  w.FieldStruct(3);
  w.FieldList(1, CType::kStruct, 2);
  for (int i = 0; i < 2; ++i) {
    w.BeginStruct();
    w.FieldBinary(1, "x");
    w.FieldList(2, CType::kTrue, 3);
    w.ElemBool(true);
    w.ElemBool(false);
    w.ElemBool(true);
    w.EndStruct();
  }
  w.FieldByte(2, 5);
  w.EndStruct();
  bytes.push_back(static_cast<char>(0x1B));  // field 4, map
  bytes.push_back(2);                        // two entries
  bytes.push_back(static_cast<char>(0x85));  // binary -> i32
  bytes += std::string(
      "\x01"
      "a"
      "\x02"
      "\x01"
      "b"
      "\x04",
      6);
  bytes.push_back(static_cast<char>(0x17));  // field 5, double
  bytes += std::string(8, '\0');
  bytes += std::string("\x15\x9A\x01", 3);  // field 6 (delta 1), i32 77
  bytes.push_back(0);

  ThriftReader r(bytes, "test", 100);
  int32_t found = 0;
  ASSERT_TRUE(r.ReadStruct([&](const ThriftField& f) -> Status {
                 if (f.id == 6) {
                   ASSIGN_OR_RETURN(found, r.ReadI32(f));
                   return Status::OK();
                 }
                 return r.Skip(f.type);
               }).ok());
  EXPECT_EQ(found, 77);
  EXPECT_EQ(r.position(), bytes.size());
}

TEST(ThriftCompactTest, TruncatedInputIsCorruptionWithOffset) {
  std::string bytes;
  ThriftWriter w(&bytes);
  w.BeginStruct();
  w.FieldBinary(1, "a long enough string");
  w.EndStruct();
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    ThriftReader r(std::string_view(bytes).substr(0, cut), "file.parquet", 1000);
    Status s = r.ReadStruct([&](const ThriftField& f) { return r.Skip(f.type); });
    ASSERT_TRUE(s.IsCorruption()) << cut;
    EXPECT_NE(s.message().find("file.parquet"), std::string::npos);
    EXPECT_NE(s.message().find("byte offset 10"), std::string::npos) << s.message();
  }
}

TEST(ThriftCompactTest, DeepNestingIsRejected) {
  std::string bytes;
  for (int i = 0; i < 200; ++i) bytes.push_back(static_cast<char>(0x1C));  // struct field 1
  ThriftReader r(bytes, "deep", 0);
  Status s = r.ReadStruct([&](const ThriftField& f) { return r.Skip(f.type); });
  EXPECT_TRUE(s.IsCorruption());
}

TEST(ThriftCompactTest, HugeListSizeIsRejected) {
  std::string bytes = "\x19\xF5\xFF\xFF\xFF\xFF\x0F";  // field 1: list<i32> of 2^32-1
  ThriftReader r(bytes, "huge", 0);
  Status s = r.ReadStruct([&](const ThriftField& f) { return r.Skip(f.type); });
  EXPECT_TRUE(s.IsCorruption());
}

}  // namespace
}  // namespace thingsdb::parquet
