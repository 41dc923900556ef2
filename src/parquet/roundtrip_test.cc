// Round-trip property tests: random schemas and data (seeded) through every codec, page
// version and encoding, read back value for value; determinism of the bytes.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>

#include "parquet/file_reader.h"
#include "parquet/file_writer.h"
#include "parquet/testing/random_table.h"

namespace thingsdb::parquet {
namespace {

using testing::ExpectSameColumn;
using testing::RandomTable;
using testing::ReadAll;
using testing::Table;

std::unique_ptr<FileReader> OpenOrDie(MemorySource* source) {
  auto reader = FileReader::Open(source);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  return reader.ok() ? std::move(*reader) : nullptr;
}

void ExpectRoundTrip(const Table& t, const WriterOptions& options) {
  auto bytes = WriteToString(t.schema, options, t.columns);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  MemorySource source(*bytes, "roundtrip.parquet");
  auto reader = OpenOrDie(&source);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->metadata().num_rows, static_cast<int64_t>(t.rows()));
  auto columns = ReadAll(*reader);
  for (size_t c = 0; c < t.columns.size(); ++c) {
    ExpectSameColumn(t.columns[c], columns[c], t.schema.columns[c].name);
    EXPECT_EQ(reader->schema().columns[c].field_id, t.schema.columns[c].field_id);
  }
}

TEST(RoundTripTest, RandomSchemasEveryCodecAndPageVersion) {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    Table t = RandomTable(seed, 1000 + seed * 97);
    for (Codec codec : {Codec::kUncompressed, Codec::kSnappy, Codec::kGzip, Codec::kZstd}) {
      for (int version : {1, 2}) {
        SCOPED_TRACE(::testing::Message()
                     << "seed " << seed << " codec " << CodecName(codec) << " v" << version);
        WriterOptions options;
        options.codec = codec;
        options.data_page_version = version;
        options.page_row_limit = 100 + seed * 10;
        options.row_group_row_limit = 700;
        ExpectRoundTrip(t, options);
      }
    }
  }
}

TEST(RoundTripTest, DictionaryFallsBackToPlain) {
  Table t = RandomTable(99, 5000, 3);
  for (auto& c : t.schema.columns) c.dictionary = true;
  WriterOptions options;
  options.dictionary_size_limit = 512;
  options.page_row_limit = 300;
  auto bytes = WriteToString(t.schema, options, t.columns);
  ASSERT_TRUE(bytes.ok());
  MemorySource source(*bytes);
  auto reader = OpenOrDie(&source);
  auto columns = ReadAll(*reader);
  for (size_t c = 0; c < t.columns.size(); ++c) ExpectSameColumn(t.columns[c], columns[c], "c");
  ExpectRoundTrip(t, options);
}

TEST(RoundTripTest, RowGroupsCutByBytes) {
  Table t = RandomTable(5, 20000, 4);
  WriterOptions options;
  options.row_group_bytes = 64 << 10;
  auto bytes = WriteToString(t.schema, options, t.columns);
  ASSERT_TRUE(bytes.ok());
  MemorySource source(*bytes);
  auto reader = OpenOrDie(&source);
  EXPECT_GT(reader->num_row_groups(), 1);
  auto columns = ReadAll(*reader);
  for (size_t c = 0; c < t.columns.size(); ++c) ExpectSameColumn(t.columns[c], columns[c], "c");
}

TEST(RoundTripTest, SameInputGivesIdenticalBytes) {
  for (uint64_t seed : {3, 4}) {
    Table t = RandomTable(seed, 3000);
    Table u = RandomTable(seed, 3000);
    WriterOptions options;
    options.key_value_metadata = {{"iceberg.schema", std::string("{\"type\":\"struct\"}")}};
    auto a = WriteToString(t.schema, options, t.columns);
    auto b = WriteToString(u.schema, options, u.columns);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, *b);
  }
}

// Counts reads (a source whose footer another reader decoded must not read it again).
class CountingSource : public MemorySource {
 public:
  using MemorySource::MemorySource;
  Result<std::string> Read(uint64_t offset, uint64_t length) override {
    ++reads;
    return MemorySource::Read(offset, length);
  }
  int reads = 0;
};

TEST(RoundTripTest, ReaderFromASharedFooterReadsTheSameRowsWithoutTheFooter) {
  Table t = RandomTable(21, 2500, 4);
  WriterOptions options;
  options.row_group_row_limit = 900;
  auto bytes = WriteToString(t.schema, options, t.columns);
  ASSERT_TRUE(bytes.ok());
  CountingSource first_source(*bytes);
  auto first = FileReader::Open(&first_source);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first_source.reads, 3);  // head magic, tail, footer
  std::shared_ptr<const DecodedFooter> footer = (*first)->footer();
  ASSERT_NE(footer, nullptr);
  EXPECT_EQ(footer->file_size, bytes->size());
  EXPECT_GT(footer->EstimatedBytes(), footer->footer_length);

  CountingSource second_source(*bytes);
  auto second = FileReader::Open(&second_source, footer);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second_source.reads, 0);
  EXPECT_EQ((*second)->footer().get(), footer.get());
  EXPECT_EQ((*second)->num_row_groups(), (*first)->num_row_groups());
  auto columns = ReadAll(**second);
  for (size_t c = 0; c < t.columns.size(); ++c) ExpectSameColumn(t.columns[c], columns[c], "c");
  EXPECT_GT(second_source.reads, 0);

  // The footer is checked against the options of the reader that uses it.
  ReaderOptions strict;
  strict.limits.max_rows_per_row_group = 10;
  EXPECT_TRUE(FileReader::Open(&second_source, footer, strict).status().IsCorruption());
  EXPECT_TRUE(FileReader::Open(&second_source, nullptr).status().IsInvalidArgument());
  ReaderOptions small_footer;
  small_footer.max_footer_bytes = footer->footer_length - 1;
  EXPECT_TRUE(FileReader::Open(&second_source, footer, small_footer).status().IsCorruption());
}

TEST(RoundTripTest, WriterRejectsBadInput) {
  Table t = RandomTable(8, 10, 2);
  WriterOptions options;
  std::vector<ColumnBatch> short_batch = t.columns;
  short_batch.pop_back();
  EXPECT_TRUE(WriteToString(t.schema, options, short_batch).status().IsInvalidArgument());
  Schema bad = t.schema;
  bad.columns[1].name = bad.columns[0].name;
  EXPECT_TRUE(WriteToString(bad, options, t.columns).status().IsInvalidArgument());
  Schema required;
  required.columns.push_back({"x", Type::kInt64});
  ColumnBatch nulls;
  nulls.type = Type::kInt64;
  nulls.ints = {1, 2};
  nulls.validity = {1, 0};
  EXPECT_TRUE(WriteToString(required, options, {nulls}).status().IsInvalidArgument());
}

TEST(RoundTripTest, LocalFileSourceAndSink) {
  Table t = RandomTable(21, 500);
  std::string path = ::testing::TempDir() + "/roundtrip_file.parquet";
  {
    auto sink = FileSink::Open(path);
    ASSERT_TRUE(sink.ok());
    auto writer = FileWriter::Open(t.schema, WriterOptions(), sink->get());
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->WriteBatch(t.columns).ok());
    ASSERT_TRUE((*writer)->Close().ok());
  }
  auto source = LocalFileSource::Open(path);
  ASSERT_TRUE(source.ok());
  auto reader = FileReader::Open(source->get());
  ASSERT_TRUE(reader.ok());
  auto columns = ReadAll(**reader);
  for (size_t c = 0; c < t.columns.size(); ++c) ExpectSameColumn(t.columns[c], columns[c], "c");
  EXPECT_TRUE(LocalFileSource::Open(path + ".missing").status().IsNotFound());
}

}  // namespace
}  // namespace thingsdb::parquet

namespace thingsdb::parquet {
namespace {

// A literal for `column` taken from row `row` of the table (or a value no row has).
std::string Literal(const testing::Table& t, size_t column, size_t row) {
  const ColumnBatch& b = t.columns[column];
  if (b.IsIntegral()) return std::to_string(b.ints[row]);
  if (b.IsFloating()) return fmt::format("{}", b.doubles[row]);
  std::string s(b.strings[row]);
  if (s.find('\'') != std::string::npos || s.find('\0') != std::string::npos) return "";
  return "'" + s + "'";
}

// Pruned reads (statistics, bloom filters, page index) plus RowMatches return exactly the
// rows a brute-force scan finds, for random tables and predicates.
TEST(RoundTripTest, PrunedReadsMatchBruteForce) {
  static const char* kOps[] = {"=", "<", "<=", ">", ">="};
  std::mt19937_64 rng(2024);
  for (uint64_t seed = 30; seed < 42; ++seed) {
    testing::Table t = testing::RandomTable(seed, 3000);
    WriterOptions options;
    options.page_row_limit = 128;
    options.row_group_row_limit = 1000;
    options.data_page_version = seed % 2 ? 2 : 1;
    auto bytes = WriteToString(t.schema, options, t.columns);
    ASSERT_TRUE(bytes.ok());
    MemorySource source(*bytes);
    auto reader = FileReader::Open(&source);
    ASSERT_TRUE(reader.ok());
    for (int trial = 0; trial < 20; ++trial) {
      size_t column = rng() % t.columns.size();
      const ColumnSpec& spec = t.schema.columns[column];
      if (spec.type == Type::kFixedLenByteArray) continue;
      std::string literal = Literal(t, column, rng() % t.rows());
      if (literal.empty()) continue;
      std::string text = trial % 7 == 6 ? spec.name + " IS NULL"
                         : trial % 7 == 5
                             ? fmt::format("{} IN ({}, {})", spec.name, literal,
                                           Literal(t, column, rng() % t.rows()))
                             : fmt::format("{} {} {}", spec.name, kOps[rng() % 5], literal);
      auto predicate = ParsePredicate(text);
      ASSERT_TRUE(predicate.ok()) << text;
      std::vector<int64_t> want;
      for (size_t row = 0; row < t.rows(); ++row) {
        if (RowMatches(*predicate, spec, t.columns[column], row))
          want.push_back(static_cast<int64_t>(row));
      }
      std::vector<int64_t> got;
      auto groups = (*reader)->PruneRowGroups({*predicate});
      ASSERT_TRUE(groups.ok());
      for (int g : *groups) {
        auto batch = (*reader)->ReadRowGroup(g, {static_cast<int>(column)}, {*predicate});
        ASSERT_TRUE(batch.ok()) << batch.status().ToString();
        for (int64_t row = 0; row < batch->num_rows; ++row) {
          if (!RowMatches(*predicate, spec, batch->batches[0], row)) continue;
          int64_t in_group = batch->row_numbers.empty() ? row : batch->row_numbers[row];
          got.push_back(g * 1000 + in_group);
        }
      }
      EXPECT_EQ(got, want) << "seed " << seed << ": " << text;
    }
  }
}

}  // namespace
}  // namespace thingsdb::parquet
