// The page index (PageIndex.md): ColumnIndex holds per-page min/max/null counts and
// OffsetIndex per-page locations and first rows. Encoders and decoders of their Thrift
// bytes; RowRanges is the set of rows a predicate may match, built from a ColumnIndex.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "parquet/parquet_types.h"

namespace thingsdb::parquet {

struct PageLocation {
  int64_t offset = 0;
  int32_t compressed_page_size = 0;  // including the page header
  int64_t first_row_index = 0;
};

struct OffsetIndex {
  std::vector<PageLocation> page_locations;
};

struct ColumnIndex {
  std::vector<bool> null_pages;
  std::vector<std::string> min_values;
  std::vector<std::string> max_values;
  BoundaryOrder boundary_order = BoundaryOrder::kUnordered;
  std::vector<int64_t> null_counts;  // empty when the writer left them out
};

std::string EncodeOffsetIndex(const OffsetIndex& index);
Result<OffsetIndex> DecodeOffsetIndex(std::string_view bytes, std::string_view source,
                                      uint64_t base_offset);
std::string EncodeColumnIndex(const ColumnIndex& index);
Result<ColumnIndex> DecodeColumnIndex(std::string_view bytes, std::string_view source,
                                      uint64_t base_offset);

// A sorted list of disjoint half-open row intervals [begin, end) within a row group.
struct RowRange {
  int64_t begin = 0;
  int64_t end = 0;
};
using RowRanges = std::vector<RowRange>;

RowRanges IntersectRanges(const RowRanges& a, const RowRanges& b);
int64_t CountRows(const RowRanges& ranges);

}  // namespace thingsdb::parquet
