// libFuzzer target: any bytes as a Parquet file. Opens, prunes, reads every row group,
// bloom filter and page index, and renders schema/meta/cat. Must never crash, hang or
// allocate hugely; errors are fine. Seeds: `parquet_interop_tool seeds DIR` (run.sh).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "parquet/file_reader.h"
#include "parquet/parquet_tool.h"

namespace pq = thingsdb::parquet;

namespace {

void ReadEverything(pq::FileReader& reader) {
  std::vector<int> all;
  for (size_t c = 0; c < reader.schema().columns.size(); ++c) all.push_back(static_cast<int>(c));
  std::vector<pq::Predicate> where;
  if (!reader.schema().columns.empty()) {
    auto p = pq::ParsePredicate(reader.schema().columns[0].name + " = 'id3'");
    if (p.ok()) where.push_back(*p);
  }
  auto kept = reader.PruneRowGroups(where);
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    auto batch = reader.ReadRowGroup(g, all);
    if (!batch.ok()) return;
    auto pruned = reader.ReadRowGroup(g, all, where);
    for (int c : all) {
      (void)reader.ReadBloomFilter(g, c);
      (void)reader.ReadColumnIndex(g, c);
      (void)reader.ReadOffsetIndex(g, c);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  pq::MemorySource source(bytes, "fuzz");
  pq::ReaderOptions options;
  options.limits.max_page_bytes = 8 << 20;
  options.limits.max_values_per_page = 1 << 16;
  options.limits.max_rows_per_row_group = 1 << 18;
  auto reader = pq::FileReader::Open(&source, options);
  if (reader.ok()) ReadEverything(**reader);
  (void)pq::SchemaText(source);
  (void)pq::MetaText(source);
  std::ostringstream out;
  pq::CatOptions cat;
  cat.limit = 100;
  (void)pq::CatNdjson(source, cat, out);
  return 0;
}
