// parquet_bench ROWS OUT.parquet: writes ROWS seed-shaped things with our writer (zstd), then
// reads the file back fully, projected to one column, and by a point lookup on `id`
// (statistics + bloom filter + page index). Prints one JSON object of timings to stdout.
// `parquet_bench read FILE ID` does the reads on any file (e.g. DuckDB's) for comparison.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "parquet/file_reader.h"
#include "parquet/file_writer.h"

namespace pq = thingsdb::parquet;

namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Order-preserving base64 (the k-sortable id alphabet).
constexpr char kAlphabet[] = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

std::string Encode(uint64_t v, int chars) {
  std::string out(chars, '-');
  for (int i = chars - 1; i >= 0; --i) {
    out[i] = kAlphabet[v & 63];
    v >>= 6;
  }
  return out;
}

struct Rows {
  std::vector<std::string> ids, types, data;
  std::vector<int64_t> created, updated;
};

Rows MakeRows(size_t n) {
  static const char* kTypes[] = {"user", "post", "comment", "like"};
  Rows r;
  for (size_t i = 0; i < n; ++i) {
    int64_t ms = 1700000000000 + static_cast<int64_t>(i / 10);
    uint64_t mix = (i * 0x9E3779B97F4A7C15ULL) >> 40;
    r.ids.push_back(Encode(ms, 8) + Encode(i % 4096, 4) + Encode(mix, 4));
    r.types.push_back(kTypes[i % 4]);
    r.data.push_back(fmt::format(
        R"({{"name":"User {0}","email":"user{0}@example.com","age":{1},"active":{2},"tags":["a","b"],"address":{{"city":"City {3}","zip":"{4}"}}}})",
        i, 18 + i % 60, i % 3 ? "true" : "false", i % 100, 10000 + i % 100));
    r.created.push_back(ms);
    r.updated.push_back(ms + static_cast<int64_t>(i % 1000));
  }
  return r;
}

pq::Schema ThingsSchema() {
  pq::Schema s;
  s.columns = {{"id", pq::Type::kByteArray, pq::LogicalKind::kString, false, 1},
               {"type", pq::Type::kByteArray, pq::LogicalKind::kString, false, 2},
               {"data", pq::Type::kByteArray, pq::LogicalKind::kJson, false, 3},
               {"created_at", pq::Type::kInt64, pq::LogicalKind::kTimestampMillis, false, 4},
               {"updated_at", pq::Type::kInt64, pq::LogicalKind::kTimestampMillis, false, 5}};
  s.columns[0].bloom_filter = true;
  s.columns[0].dictionary = false;
  s.columns[2].dictionary = false;
  for (int c : {3, 4}) {
    s.columns[c].dictionary = false;
    s.columns[c].encoding = pq::Encoding::kDeltaBinaryPacked;
  }
  return s;
}

std::vector<pq::ColumnBatch> Batches(const Rows& r) {
  std::vector<pq::ColumnBatch> b(5);
  for (int c = 0; c < 3; ++c) b[c].type = pq::Type::kByteArray;
  b[3].type = b[4].type = pq::Type::kInt64;
  b[0].strings.assign(r.ids.begin(), r.ids.end());
  b[1].strings.assign(r.types.begin(), r.types.end());
  b[2].strings.assign(r.data.begin(), r.data.end());
  b[3].ints = r.created;
  b[4].ints = r.updated;
  return b;
}

int Check(const thingsdb::Status& s) {
  if (s.ok()) return 0;
  fmt::print(stderr, "{}\n", s.ToString());
  std::exit(1);
}

struct ReadFigures {
  double full_s = 0, projected_s = 0, lookup_s = 0;
  int64_t lookup_rows = 0, lookup_groups = 0, lookup_pages = 0, lookup_bytes = 0, file_groups = 0;
};

ReadFigures ReadBench(const std::string& path, const std::string& id) {
  ReadFigures f;
  auto source = pq::LocalFileSource::Open(path);
  Check(source.status());
  auto start = std::chrono::steady_clock::now();
  {
    auto reader = pq::FileReader::Open(source->get());
    Check(reader.status());
    std::vector<int> all;
    for (size_t c = 0; c < (*reader)->schema().columns.size(); ++c)
      all.push_back(static_cast<int>(c));
    for (int g = 0; g < (*reader)->num_row_groups(); ++g)
      Check((*reader)->ReadRowGroup(g, all).status());
    f.file_groups = (*reader)->num_row_groups();
  }
  f.full_s = Seconds(start);
  start = std::chrono::steady_clock::now();
  {
    auto reader = pq::FileReader::Open(source->get());
    Check(reader.status());
    int id_col = (*reader)->schema().Find("id");
    for (int g = 0; g < (*reader)->num_row_groups(); ++g)
      Check((*reader)->ReadRowGroup(g, {id_col}).status());
  }
  f.projected_s = Seconds(start);
  start = std::chrono::steady_clock::now();
  {
    auto reader = pq::FileReader::Open(source->get());
    Check(reader.status());
    auto where = pq::ParsePredicate("id = '" + id + "'");
    Check(where.status());
    std::vector<pq::Predicate> preds = {*where};
    auto groups = (*reader)->PruneRowGroups(preds);
    Check(groups.status());
    std::vector<int> all;
    for (size_t c = 0; c < (*reader)->schema().columns.size(); ++c)
      all.push_back(static_cast<int>(c));
    int id_col = (*reader)->schema().Find("id");
    for (int g : *groups) {
      auto batch = (*reader)->ReadRowGroup(g, all, preds);
      Check(batch.status());
      for (int64_t row = 0; row < batch->num_rows; ++row) {
        if (pq::RowMatches(*where, (*reader)->schema().columns[id_col], batch->batches[id_col],
                           row))
          ++f.lookup_rows;
      }
    }
    f.lookup_groups = static_cast<int64_t>(groups->size());
    f.lookup_pages = (*reader)->counters().pages_read;
    f.lookup_bytes = (*reader)->counters().bytes_read;
  }
  f.lookup_s = Seconds(start);
  return f;
}

std::string ReadJson(const ReadFigures& f) {
  return fmt::format(
      R"("full_read_s":{},"projected_read_s":{},"lookup_s":{},"lookup_rows":{},)"
      R"("lookup_row_groups":{},"lookup_pages":{},"lookup_bytes":{},"row_groups":{})",
      f.full_s, f.projected_s, f.lookup_s, f.lookup_rows, f.lookup_groups, f.lookup_pages,
      f.lookup_bytes, f.file_groups);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "read") == 0) {
    fmt::print("{{{}}}\n", ReadJson(ReadBench(argv[2], argv[3])));
    return 0;
  }
  if (argc != 3) {
    fmt::print(stderr, "usage: parquet_bench ROWS OUT.parquet | parquet_bench read FILE ID\n");
    return 2;
  }
  size_t n = std::strtoull(argv[1], nullptr, 10);
  std::string path = argv[2];
  Rows rows = MakeRows(n);
  std::vector<pq::ColumnBatch> batches = Batches(rows);
  uint64_t raw_bytes = 0;
  for (size_t i = 0; i < n; ++i)
    raw_bytes += rows.ids[i].size() + rows.types[i].size() + rows.data[i].size() + 16;
  pq::WriterOptions options;
  options.row_group_row_limit = 122880;  // DuckDB's default row group
  if (const char* env = std::getenv("PARQUET_BENCH_PAGE_BYTES"))
    options.page_size_bytes = std::atoll(env);
  if (const char* env = std::getenv("PARQUET_BENCH_ZSTD_LEVEL"))
    options.compression_level = std::atoi(env);
  auto start = std::chrono::steady_clock::now();
  {
    auto sink = pq::FileSink::Open(path);
    Check(sink.status());
    auto writer = pq::FileWriter::Open(ThingsSchema(), options, sink->get());
    Check(writer.status());
    Check((*writer)->WriteBatch(batches));
    Check((*writer)->Close());
  }
  double write_s = Seconds(start);
  auto source = pq::LocalFileSource::Open(path);
  Check(source.status());
  uint64_t size = *(*source)->Size();
  int64_t bloom_bytes = 0;
  {
    auto reader = pq::FileReader::Open(source->get());
    Check(reader.status());
    for (const auto& group : (*reader)->metadata().row_groups) {
      for (const auto& chunk : group.columns)
        bloom_bytes += chunk.meta_data.bloom_filter_length.value_or(0);
    }
  }
  ReadFigures f = ReadBench(path, rows.ids[n / 2 + 7]);
  fmt::print(R"({{"rows":{},"raw_bytes":{},"write_s":{},"file_bytes":{},"bloom_bytes":{},)"
             R"("lookup_id":"{}",{}}})"
             "\n",
             n, raw_bytes, write_s, size, bloom_bytes, rows.ids[n / 2 + 7], ReadJson(f));
  return 0;
}
