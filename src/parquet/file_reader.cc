#include "parquet/file_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "parquet/page_header.h"

namespace thingsdb::parquet {
namespace {

constexpr std::string_view kMagic = "PAR1";

uint64_t ChunkStart(const ColumnMetaData& meta) {
  if (meta.dictionary_page_offset && *meta.dictionary_page_offset > 0 &&
      *meta.dictionary_page_offset < meta.data_page_offset) {
    return static_cast<uint64_t>(*meta.dictionary_page_offset);
  }
  return static_cast<uint64_t>(meta.data_page_offset);
}

}  // namespace

Result<std::unique_ptr<FileReader>> FileReader::Open(RandomAccessSource* source,
                                                     const ReaderOptions& options) {
  std::unique_ptr<FileReader> reader(new FileReader(source, options));
  RETURN_IF_ERROR(reader->ReadFooter());
  RETURN_IF_ERROR(reader->ValidateMetadata());
  return reader;
}

Result<std::unique_ptr<FileReader>> FileReader::Open(RandomAccessSource* source,
                                                     std::shared_ptr<const DecodedFooter> footer,
                                                     const ReaderOptions& options) {
  if (footer == nullptr) return Status::InvalidArgument("FileReader::Open: null footer");
  if (footer->footer_length > options.max_footer_bytes) {
    return Status::Corruption(fmt::format("{}: footer length {} is too large", source->Describe(),
                                          footer->footer_length));
  }
  std::unique_ptr<FileReader> reader(new FileReader(source, options));
  reader->footer_ = std::move(footer);
  RETURN_IF_ERROR(reader->ValidateMetadata());
  return reader;
}

size_t DecodedFooter::EstimatedBytes() const {
  // Decoded structs (statistics, paths, key-value strings) take a few times the thrift bytes.
  return sizeof(DecodedFooter) + 4 * static_cast<size_t>(footer_length) +
         schema.columns.size() * 128;
}

Result<std::string> FileReader::ReadRange(uint64_t offset, uint64_t length, std::string_view what) {
  if (offset > footer_->footer_start || length > footer_->footer_start - offset) {
    return Status::Corruption(
        fmt::format("{}: {} of {} bytes at byte offset {} passes the data "
                    "(which ends at {})",
                    name_, what, length, offset, footer_->footer_start));
  }
  counters_.bytes_read += static_cast<int64_t>(length);
  return source_->Read(offset, length);
}

Status FileReader::ReadFooter() {
  auto footer = std::make_shared<DecodedFooter>();
  ASSIGN_OR_RETURN(uint64_t size, source_->Size());
  if (size < 12) {
    return Status::Corruption(
        fmt::format("{}: file of {} bytes is too small for Parquet at byte "
                    "offset 0",
                    name_, size));
  }
  ASSIGN_OR_RETURN(std::string head, source_->Read(0, 4));
  ASSIGN_OR_RETURN(std::string tail, source_->Read(size - 8, 8));
  if (tail.substr(4) == "PARE")
    return Status::NotSupported(fmt::format("{}: encrypted footer", name_));
  if (head != kMagic)
    return Status::Corruption(fmt::format("{}: bad magic at byte offset 0", name_));
  if (tail.substr(4) != kMagic) {
    return Status::Corruption(fmt::format("{}: bad magic at byte offset {}", name_, size - 4));
  }
  uint32_t length;
  std::memcpy(&length, tail.data(), 4);
  if (length > size - 12 || length > options_.max_footer_bytes) {
    return Status::Corruption(fmt::format("{}: footer length {} at byte offset {} is too large",
                                          name_, length, size - 8));
  }
  footer->file_size = size;
  footer->footer_start = size - 8 - length;
  footer->footer_length = length;
  ASSIGN_OR_RETURN(std::string bytes, source_->Read(footer->footer_start, length));
  counters_.bytes_read += static_cast<int64_t>(length) + 12;
  ASSIGN_OR_RETURN(footer->metadata, DecodeFileMetaData(bytes, name_, footer->footer_start));
  ASSIGN_OR_RETURN(footer->schema, FromSchemaElements(footer->metadata.schema, name_));
  footer_ = std::move(footer);
  return Status::OK();
}

Status FileReader::ValidateMetadata() {
  auto bad = [&](size_t group, std::string_view what) {
    return Status::Corruption(fmt::format("{}: footer at byte offset {}: row group {}: {}", name_,
                                          footer_->footer_start, group, what));
  };
  for (size_t g = 0; g < footer_->metadata.row_groups.size(); ++g) {
    const RowGroup& group = footer_->metadata.row_groups[g];
    if (group.columns.size() != footer_->schema.columns.size())
      return bad(g, "column count differs from the schema");
    if (group.num_rows < 0 || group.num_rows > options_.limits.max_rows_per_row_group) {
      return bad(g, fmt::format("bad row count {}", group.num_rows));
    }
    for (size_t c = 0; c < group.columns.size(); ++c) {
      const ColumnMetaData& meta = group.columns[c].meta_data;
      if (meta.type != footer_->schema.columns[c].type)
        return bad(g, fmt::format("column {} type differs", c));
      uint64_t start = ChunkStart(meta);
      if (meta.data_page_offset < 4 || meta.total_compressed_size < 0 ||
          start > footer_->footer_start ||
          static_cast<uint64_t>(meta.total_compressed_size) > footer_->footer_start - start) {
        return bad(g, fmt::format("column {} chunk passes the data", c));
      }
    }
  }
  return Status::OK();
}

Result<int> FileReader::ColumnOf(const Predicate& predicate) const {
  int column = footer_->schema.Find(predicate.column);
  if (column < 0) {
    return Status::InvalidArgument(fmt::format("{}: no column '{}'", name_, predicate.column));
  }
  return column;
}

Result<bool> FileReader::RowGroupMayMatch(int row_group, const Predicate& predicate, int column) {
  const RowGroup& group = footer_->metadata.row_groups[row_group];
  const ColumnMetaData& meta = group.columns[column].meta_data;
  const ColumnSpec& spec = footer_->schema.columns[column];
  if (options_.use_statistics && meta.statistics) {
    const Statistics& s = *meta.statistics;
    StatsView view;
    bool binary = spec.type == Type::kByteArray || spec.type == Type::kFixedLenByteArray;
    if (!(s.legacy && binary)) {  // old writers ordered binary min/max as signed bytes
      if (s.min_value) view.min = StatValue(spec, *s.min_value);
      if (s.max_value) view.max = StatValue(spec, *s.max_value);
    }
    view.null_count = s.null_count;
    view.num_values = group.num_rows;
    if (!StatsMayMatch(predicate, spec, view)) {
      ++counters_.row_groups_pruned_by_statistics;
      return false;
    }
  }
  bool point = predicate.op == CompareOp::kEq || predicate.op == CompareOp::kIn;
  if (options_.use_bloom_filters && point && meta.bloom_filter_offset) {
    ASSIGN_OR_RETURN(auto bloom, ReadBloomFilter(row_group, column));
    if (bloom && !BloomMayMatch(predicate, spec, *bloom)) {
      ++counters_.row_groups_pruned_by_bloom;
      return false;
    }
  }
  return true;
}

Result<std::vector<int>> FileReader::PruneRowGroups(const std::vector<Predicate>& predicates) {
  std::vector<int> columns;
  for (const auto& p : predicates) {
    ASSIGN_OR_RETURN(int column, ColumnOf(p));
    columns.push_back(column);
  }
  std::vector<int> kept;
  for (int g = 0; g < num_row_groups(); ++g) {
    bool keep = true;
    for (size_t i = 0; i < predicates.size() && keep; ++i) {
      ASSIGN_OR_RETURN(keep, RowGroupMayMatch(g, predicates[i], columns[i]));
    }
    if (keep) kept.push_back(g);
  }
  return kept;
}

Result<std::optional<BloomFilter>> FileReader::ReadBloomFilter(int row_group, int column) {
  const ColumnMetaData& meta =
      footer_->metadata.row_groups.at(row_group).columns.at(column).meta_data;
  if (!meta.bloom_filter_offset) return std::optional<BloomFilter>();
  int64_t offset = *meta.bloom_filter_offset;
  if (offset < 4 || static_cast<uint64_t>(offset) >= footer_->footer_start) {
    return Status::Corruption(
        fmt::format("{}: bloom filter offset {} is outside the data", name_, offset));
  }
  uint64_t available = footer_->footer_start - offset;
  uint64_t length = meta.bloom_filter_length && *meta.bloom_filter_length > 0
                        ? static_cast<uint64_t>(*meta.bloom_filter_length)
                        : std::min<uint64_t>(available, 64);
  ASSIGN_OR_RETURN(std::string bytes, ReadRange(offset, length, "bloom filter"));
  BloomFilterHeader header;
  size_t header_size = 0;
  Status status = DecodeBloomFilterHeader(bytes, name_, offset, &header, &header_size);
  if (status.code() == StatusCode::kNotSupported) return std::optional<BloomFilter>();
  RETURN_IF_ERROR(status);
  uint64_t n = static_cast<uint64_t>(header.num_bytes);
  if (header.num_bytes < 32 || (n & (n - 1)) != 0 || n > BloomFilter::kMaxBytes ||
      n > available - header_size) {
    return Status::Corruption(fmt::format("{}: bloom filter at byte offset {} has bad size {}",
                                          name_, offset, header.num_bytes));
  }
  std::string bitset;
  if (bytes.size() >= header_size + n) {
    bitset = bytes.substr(header_size, n);
  } else {
    ASSIGN_OR_RETURN(bitset, ReadRange(offset + header_size, n, "bloom filter"));
  }
  ASSIGN_OR_RETURN(BloomFilter bloom, BloomFilter::FromBytes(std::move(bitset)));
  return std::optional<BloomFilter>(std::move(bloom));
}

Result<std::optional<ColumnIndex>> FileReader::ReadColumnIndex(int row_group, int column) {
  const ColumnChunk& chunk = footer_->metadata.row_groups.at(row_group).columns.at(column);
  if (!chunk.column_index_offset || !chunk.column_index_length) return std::optional<ColumnIndex>();
  if (*chunk.column_index_offset < 0 || *chunk.column_index_length < 0) {
    return Status::Corruption(fmt::format("{}: negative column index location", name_));
  }
  ASSIGN_OR_RETURN(std::string bytes, ReadRange(*chunk.column_index_offset,
                                                *chunk.column_index_length, "column index"));
  ASSIGN_OR_RETURN(ColumnIndex index, DecodeColumnIndex(bytes, name_, *chunk.column_index_offset));
  return std::optional<ColumnIndex>(std::move(index));
}

Result<std::optional<OffsetIndex>> FileReader::ReadOffsetIndex(int row_group, int column) {
  const RowGroup& group = footer_->metadata.row_groups.at(row_group);
  const ColumnChunk& chunk = group.columns.at(column);
  if (!chunk.offset_index_offset || !chunk.offset_index_length) return std::optional<OffsetIndex>();
  if (*chunk.offset_index_offset < 0 || *chunk.offset_index_length < 0) {
    return Status::Corruption(fmt::format("{}: negative offset index location", name_));
  }
  ASSIGN_OR_RETURN(std::string bytes, ReadRange(*chunk.offset_index_offset,
                                                *chunk.offset_index_length, "offset index"));
  ASSIGN_OR_RETURN(OffsetIndex index, DecodeOffsetIndex(bytes, name_, *chunk.offset_index_offset));
  uint64_t start = ChunkStart(chunk.meta_data);
  uint64_t end = start + chunk.meta_data.total_compressed_size;
  int64_t prev_row = -1;
  for (const PageLocation& loc : index.page_locations) {
    bool ok = loc.offset >= 0 && static_cast<uint64_t>(loc.offset) >= start &&
              loc.compressed_page_size > 0 &&
              static_cast<uint64_t>(loc.offset) + loc.compressed_page_size <= end &&
              loc.first_row_index > prev_row && loc.first_row_index < group.num_rows &&
              (prev_row >= 0 || loc.first_row_index == 0);
    if (!ok) {
      return Status::Corruption(
          fmt::format("{}: offset index at byte offset {} has a bad page "
                      "location",
                      name_, *chunk.offset_index_offset));
    }
    prev_row = loc.first_row_index;
  }
  return std::optional<OffsetIndex>(std::move(index));
}

Result<std::optional<RowRanges>> FileReader::PageRanges(int row_group,
                                                        const std::vector<Predicate>& predicates) {
  const int64_t num_rows = footer_->metadata.row_groups[row_group].num_rows;
  std::optional<RowRanges> result;
  for (const Predicate& predicate : predicates) {
    ASSIGN_OR_RETURN(int column, ColumnOf(predicate));
    ASSIGN_OR_RETURN(auto column_index, ReadColumnIndex(row_group, column));
    ASSIGN_OR_RETURN(auto offset_index, ReadOffsetIndex(row_group, column));
    if (!column_index || !offset_index) continue;
    const auto& locations = offset_index->page_locations;
    if (column_index->null_pages.size() != locations.size()) {
      return Status::Corruption(fmt::format("{}: page index of column '{}' disagrees on page count",
                                            name_, predicate.column));
    }
    const ColumnSpec& spec = footer_->schema.columns[column];
    RowRanges ranges;
    for (size_t page = 0; page < locations.size(); ++page) {
      int64_t begin = locations[page].first_row_index;
      int64_t end = page + 1 < locations.size() ? locations[page + 1].first_row_index : num_rows;
      StatsView view;
      view.all_null = column_index->null_pages[page];
      view.num_values = end - begin;
      if (!view.all_null) {
        view.min = StatValue(spec, column_index->min_values[page]);
        view.max = StatValue(spec, column_index->max_values[page]);
      }
      if (!column_index->null_counts.empty()) view.null_count = column_index->null_counts[page];
      if (!StatsMayMatch(predicate, spec, view)) continue;
      if (!ranges.empty() && ranges.back().end == begin)
        ranges.back().end = end;
      else
        ranges.push_back({begin, end});
    }
    result = result ? IntersectRanges(*result, ranges) : ranges;
  }
  return result;
}

Status FileReader::ReadChunk(int row_group, int column, ColumnBatch* out) {
  const RowGroup& group = footer_->metadata.row_groups[row_group];
  const ColumnMetaData& meta = group.columns[column].meta_data;
  uint64_t start = ChunkStart(meta);
  ASSIGN_OR_RETURN(std::string bytes, ReadRange(start, meta.total_compressed_size, "column chunk"));
  ColumnChunkDecoder decoder(footer_->schema.columns[column], meta.codec, name_, options_.limits);
  size_t pos = 0;
  int64_t rows = 0;
  while (pos < bytes.size() && rows < group.num_rows) {
    size_t consumed = 0;
    int64_t page_rows = 0;
    RETURN_IF_ERROR(decoder.DecodePage(std::string_view(bytes).substr(pos), start + pos, out,
                                       &consumed, &page_rows));
    pos += consumed;
    rows += page_rows;
    ++counters_.pages_read;
  }
  if (rows != group.num_rows) {
    return Status::Corruption(
        fmt::format("{}: column '{}' chunk at byte offset {} holds {} rows, "
                    "the row group {}",
                    name_, footer_->schema.columns[column].name, start, rows, group.num_rows));
  }
  return Status::OK();
}

namespace {

// Positions of decoded rows (numbered by `row_of`) that fall inside `ranges`.
std::vector<uint32_t> RowsInRanges(const std::vector<int64_t>& row_of, const RowRanges& ranges) {
  std::vector<uint32_t> keep;
  size_t r = 0;
  for (size_t i = 0; i < row_of.size(); ++i) {
    while (r < ranges.size() && ranges[r].end <= row_of[i]) ++r;
    if (r == ranges.size()) break;
    if (row_of[i] >= ranges[r].begin) keep.push_back(static_cast<uint32_t>(i));
  }
  return keep;
}

}  // namespace

Status FileReader::ReadSelectedPages(int row_group, int column, const OffsetIndex& index,
                                     const RowRanges& ranges, ColumnBatch* decoded,
                                     std::vector<int64_t>* row_of) {
  const RowGroup& group = footer_->metadata.row_groups[row_group];
  const ColumnMetaData& meta = group.columns[column].meta_data;
  const auto& locations = index.page_locations;
  ColumnChunkDecoder decoder(footer_->schema.columns[column], meta.codec, name_, options_.limits);
  uint64_t start = ChunkStart(meta);
  size_t consumed;
  int64_t rows;
  if (start < static_cast<uint64_t>(locations[0].offset)) {  // the dictionary page
    ASSIGN_OR_RETURN(std::string dict,
                     ReadRange(start, locations[0].offset - start, "dictionary page"));
    RETURN_IF_ERROR(decoder.DecodePage(dict, start, decoded, &consumed, &rows));
  }
  size_t r = 0;
  for (size_t page = 0; page < locations.size(); ++page) {
    int64_t begin = locations[page].first_row_index;
    int64_t end =
        page + 1 < locations.size() ? locations[page + 1].first_row_index : group.num_rows;
    while (r < ranges.size() && ranges[r].end <= begin) ++r;
    if (r == ranges.size() || ranges[r].begin >= end) {
      ++counters_.pages_skipped;
      continue;
    }
    const PageLocation& loc = locations[page];
    ASSIGN_OR_RETURN(std::string bytes, ReadRange(loc.offset, loc.compressed_page_size, "page"));
    RETURN_IF_ERROR(decoder.DecodePage(bytes, loc.offset, decoded, &consumed, &rows));
    ++counters_.pages_read;
    if (rows != end - begin) {
      return Status::Corruption(
          fmt::format("{}: page at byte offset {} holds {} rows, the offset "
                      "index says {}",
                      name_, loc.offset, rows, end - begin));
    }
    for (int64_t row = begin; row < end; ++row) row_of->push_back(row);
  }
  return Status::OK();
}

Status FileReader::ReadChunkPages(int row_group, int column, const RowRanges& ranges,
                                  ColumnBatch* out) {
  ColumnBatch decoded;
  decoded.type = out->type;
  std::vector<int64_t> row_of;  // row number of each decoded row
  ASSIGN_OR_RETURN(auto offset_index, ReadOffsetIndex(row_group, column));
  if (!offset_index || offset_index->page_locations.empty()) {
    RETURN_IF_ERROR(ReadChunk(row_group, column, &decoded));
    for (int64_t row = 0; row < footer_->metadata.row_groups[row_group].num_rows; ++row)
      row_of.push_back(row);
  } else {
    RETURN_IF_ERROR(ReadSelectedPages(row_group, column, *offset_index, ranges, &decoded, &row_of));
  }
  AppendRows(decoded, RowsInRanges(row_of, ranges), out);
  return Status::OK();
}

Status FileReader::ReadColumn(int row_group, int column, const std::optional<RowRanges>& ranges,
                              ColumnBatch* out) {
  out->type = footer_->schema.columns[column].type;
  if (ranges) return ReadChunkPages(row_group, column, *ranges, out);
  return ReadChunk(row_group, column, out);
}

Result<RowGroupBatch> FileReader::ReadRowGroup(int row_group, const std::vector<int>& columns,
                                               const std::vector<Predicate>& predicates) {
  if (row_group < 0 || row_group >= num_row_groups()) {
    return Status::InvalidArgument(fmt::format("{}: no row group {}", name_, row_group));
  }
  for (int column : columns) {
    if (column < 0 || static_cast<size_t>(column) >= footer_->schema.columns.size()) {
      return Status::InvalidArgument(fmt::format("{}: no column {}", name_, column));
    }
  }
  if (!predicates.empty()) return ReadMatchingRows(row_group, columns, predicates);
  RowGroupBatch result;
  result.row_group = row_group;
  result.columns = columns;
  result.num_rows = footer_->metadata.row_groups[row_group].num_rows;
  for (int column : columns) {
    ColumnBatch batch;
    RETURN_IF_ERROR(ReadColumn(row_group, column, std::nullopt, &batch));
    result.batches.push_back(std::move(batch));
  }
  return result;
}

namespace {

// Row runs [begin, end) of a sorted list of row numbers.
RowRanges RangesOf(const std::vector<int64_t>& rows) {
  RowRanges out;
  for (int64_t row : rows) {
    if (!out.empty() && out.back().end == row)
      out.back().end = row + 1;
    else
      out.push_back({row, row + 1});
  }
  return out;
}

std::vector<int64_t> Expand(const RowRanges& ranges) {
  std::vector<int64_t> rows;
  for (const RowRange& range : ranges) {
    for (int64_t row = range.begin; row < range.end; ++row) rows.push_back(row);
  }
  return rows;
}

}  // namespace

Status FileReader::ReadPredicateColumns(int row_group, const std::vector<Predicate>& predicates,
                                        const RowRanges& candidates, PredicateRows* rows) {
  for (const Predicate& predicate : predicates) {
    ASSIGN_OR_RETURN(int column, ColumnOf(predicate));
    auto it = std::find(rows->columns.begin(), rows->columns.end(), column);
    rows->slot_of.push_back(it - rows->columns.begin());
    if (it != rows->columns.end()) continue;
    rows->columns.push_back(column);
    rows->batches.emplace_back();
    RETURN_IF_ERROR(ReadColumn(row_group, column, candidates, &rows->batches.back()));
  }
  return Status::OK();
}

Result<RowGroupBatch> FileReader::ReadMatchingRows(int row_group, const std::vector<int>& columns,
                                                   const std::vector<Predicate>& predicates) {
  // 1. Rows the page index allows; 2. the predicate columns' pages over those rows;
  // 3. the exact matching rows; 4. the other columns' pages over just those rows.
  std::optional<RowRanges> candidates;
  if (options_.use_page_index) {
    ASSIGN_OR_RETURN(candidates, PageRanges(row_group, predicates));
  }
  if (!candidates) candidates = RowRanges{{0, footer_->metadata.row_groups[row_group].num_rows}};
  PredicateRows rows;
  RETURN_IF_ERROR(ReadPredicateColumns(row_group, predicates, *candidates, &rows));
  std::vector<uint32_t> positions;  // matching rows, as positions among the candidates
  std::vector<int64_t> matching;
  std::vector<int64_t> candidate_rows = Expand(*candidates);
  for (size_t i = 0; i < candidate_rows.size(); ++i) {
    bool match = true;
    for (size_t p = 0; p < predicates.size() && match; ++p) {
      size_t slot = rows.slot_of[p];
      match = RowMatches(predicates[p], footer_->schema.columns[rows.columns[slot]],
                         rows.batches[slot], i);
    }
    if (!match) continue;
    positions.push_back(static_cast<uint32_t>(i));
    matching.push_back(candidate_rows[i]);
  }
  RowGroupBatch result;
  result.row_group = row_group;
  result.columns = columns;
  result.num_rows = static_cast<int64_t>(matching.size());
  RowRanges matched = RangesOf(matching);
  for (int column : columns) {
    ColumnBatch batch;
    auto it = std::find(rows.columns.begin(), rows.columns.end(), column);
    if (it != rows.columns.end()) {
      batch.type = footer_->schema.columns[column].type;
      AppendRows(rows.batches[it - rows.columns.begin()], positions, &batch);
    } else if (matching.empty()) {
      batch.type = footer_->schema.columns[column].type;
    } else {
      RETURN_IF_ERROR(ReadColumn(row_group, column, matched, &batch));
    }
    result.batches.push_back(std::move(batch));
  }
  result.row_numbers = std::move(matching);
  return result;
}

}  // namespace thingsdb::parquet
