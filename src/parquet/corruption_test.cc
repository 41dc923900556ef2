// Bad bytes must give Corruption naming the source and a byte offset — never a crash,
// hang or huge allocation (these run under ASan/UBSan).
#include <gtest/gtest.h>

#include <cstring>

#include "parquet/file_reader.h"
#include "parquet/file_writer.h"
#include "parquet/page_header.h"
#include "parquet/testing/random_table.h"

namespace thingsdb::parquet {
namespace {

std::string SmallFile(Codec codec = Codec::kZstd, int version = 1) {
  testing::Table t = testing::RandomTable(42, 300, 4);
  t.schema.columns[0].bloom_filter = true;
  WriterOptions options;
  options.codec = codec;
  options.data_page_version = version;
  options.page_row_limit = 64;
  options.row_group_row_limit = 150;
  auto bytes = WriteToString(t.schema, options, t.columns);
  EXPECT_TRUE(bytes.ok());
  return *bytes;
}

// Opens and reads everything; returns the first error.
Status ReadEverything(const std::string& bytes) {
  MemorySource source(bytes, "bad.parquet");
  ASSIGN_OR_RETURN(auto reader, FileReader::Open(&source));
  std::vector<int> all;
  for (size_t c = 0; c < reader->schema().columns.size(); ++c) all.push_back(static_cast<int>(c));
  for (int g = 0; g < reader->num_row_groups(); ++g) {
    RETURN_IF_ERROR(reader->ReadRowGroup(g, all));
    for (int c : all) {
      RETURN_IF_ERROR(reader->ReadBloomFilter(g, c));
      RETURN_IF_ERROR(reader->ReadColumnIndex(g, c));
      RETURN_IF_ERROR(reader->ReadOffsetIndex(g, c));
    }
  }
  return Status::OK();
}

void ExpectCorruptionWithOffset(const Status& s) {
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("bad.parquet"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("byte offset"), std::string::npos) << s.message();
}

TEST(CorruptionTest, ValidFileReads) { EXPECT_TRUE(ReadEverything(SmallFile()).ok()); }

TEST(CorruptionTest, TruncatedFooter) {
  std::string bytes = SmallFile();
  for (size_t cut : {size_t{1}, size_t{5}, size_t{9}, size_t{100}, bytes.size() - 5}) {
    ExpectCorruptionWithOffset(ReadEverything(bytes.substr(0, bytes.size() - cut)));
  }
  ExpectCorruptionWithOffset(ReadEverything(""));
  ExpectCorruptionWithOffset(ReadEverything("PAR1PAR1"));
}

TEST(CorruptionTest, BadMagic) {
  std::string bytes = SmallFile();
  std::string head = bytes, tail = bytes;
  head[0] = 'X';
  tail[tail.size() - 1] = 'X';
  ExpectCorruptionWithOffset(ReadEverything(head));
  ExpectCorruptionWithOffset(ReadEverything(tail));
}

TEST(CorruptionTest, OversizedFooterLength) {
  std::string bytes = SmallFile();
  uint32_t huge = 0xFFFFFFF0;
  std::memcpy(bytes.data() + bytes.size() - 8, &huge, 4);
  ExpectCorruptionWithOffset(ReadEverything(bytes));
}

TEST(CorruptionTest, CorruptPageHeader) {
  std::string bytes = SmallFile();
  // The first page header starts at byte 4; make its compressed size enormous.
  PageHeader header;
  size_t header_size;
  ASSERT_TRUE(
      DecodePageHeader(std::string_view(bytes).substr(4), "x", 4, &header, &header_size).ok());
  header.compressed_page_size = 1 << 30;
  std::string patched = EncodePageHeader(header);
  std::string bad = bytes.substr(0, 4) + patched + bytes.substr(4 + header_size);
  // Re-encoding may change the length; lengths in the footer then point elsewhere: both
  // outcomes must be Corruption with an offset.
  ExpectCorruptionWithOffset(ReadEverything(bad));
  std::string garbage = bytes;
  for (size_t i = 4; i < 4 + header_size; ++i) garbage[i] = static_cast<char>(0xFF);
  ExpectCorruptionWithOffset(ReadEverything(garbage));
}

TEST(CorruptionTest, BadCompressedData) {
  for (Codec codec : {Codec::kSnappy, Codec::kGzip, Codec::kZstd}) {
    std::string bytes = SmallFile(codec);
    PageHeader header;
    size_t header_size;
    ASSERT_TRUE(
        DecodePageHeader(std::string_view(bytes).substr(4), "x", 4, &header, &header_size).ok());
    size_t body = 4 + header_size;
    for (int i = 0; i < std::min(header.compressed_page_size, 8); ++i) bytes[body + i] ^= 0x5A;
    Status s = ReadEverything(bytes);
    ExpectCorruptionWithOffset(s);
    EXPECT_NE(s.message().find("byte offset 4"), std::string::npos) << s.message();
  }
}

// Every single-byte change and every truncation: an error or success, never a crash.
TEST(CorruptionTest, ByteFlipSweepNeverCrashes) {
  for (int version : {1, 2}) {
    std::string bytes = SmallFile(Codec::kSnappy, version);
    int errors = 0;
    for (size_t i = 0; i < bytes.size(); i += 3) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ 0xA5);
      errors += !ReadEverything(bad).ok();
    }
    for (size_t cut = 0; cut < bytes.size(); cut += 97)
      errors += !ReadEverything(bytes.substr(0, cut)).ok();
    EXPECT_GT(errors, 0);
  }
}

}  // namespace
}  // namespace thingsdb::parquet
