#include "parquet/column_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "parquet/bloom_filter.h"
#include "parquet/compression.h"
#include "parquet/encoding.h"
#include "parquet/page_header.h"
#include "parquet/predicate.h"

namespace thingsdb::parquet {
namespace {

int64_t DoubleBits(double v) {
  int64_t bits;
  std::memcpy(&bits, &v, 8);
  return bits;
}

bool IsString(Type type) { return type == Type::kByteArray || type == Type::kFixedLenByteArray; }

}  // namespace

ColumnWriter::ColumnWriter(const ColumnSpec& spec, const WriterOptions& options)
    : spec_(spec),
      options_(options),
      page_stats_(spec.type),
      chunk_stats_(spec.type),
      dictionary_active_(spec.dictionary && spec.type != Type::kBoolean) {}

Status ColumnWriter::Append(const ColumnBatch& batch, size_t begin, size_t end) {
  for (size_t row = begin; row < end; ++row) {
    if (batch.IsNull(row)) {
      if (!spec_.optional) {
        return Status::InvalidArgument(
            fmt::format("column '{}': null in a required column", spec_.name));
      }
      def_levels_.push_back(0);
      ++page_nulls_;
      page_stats_.AddNulls(1);
    } else {
      if (spec_.optional) def_levels_.push_back(1);
      AddValue(batch, row);
    }
    ++page_values_;
    if (dictionary_active_ && dict_plain_.size() > options_.dictionary_size_limit) {
      RETURN_IF_ERROR(FlushPage());
      dictionary_active_ = false;
    } else if (page_raw_bytes_ >= options_.page_size_bytes ||
               page_values_ >= options_.page_row_limit) {
      RETURN_IF_ERROR(FlushPage());
    }
  }
  return Status::OK();
}

void ColumnWriter::AddValue(const ColumnBatch& batch, size_t row) {
  if (batch.IsIntegral()) {
    page_stats_.AddInt(batch.ints[row]);
  } else if (batch.IsFloating()) {
    page_stats_.AddDouble(batch.doubles[row]);
  } else {
    page_stats_.AddBytes(batch.strings[row]);
  }
  if (spec_.bloom_filter) CollectBloomHash(batch, row);
  if (spec_.type == Type::kBoolean) {
    bools_.push_back(batch.ints[row] != 0);
    ++page_raw_bytes_;
  } else if (dictionary_active_) {
    AddToDictionary(batch, row);
    page_raw_bytes_ += 4;
  } else {
    AppendPlain(batch, row);
  }
}

void ColumnWriter::AddToDictionary(const ColumnBatch& batch, size_t row) {
  if (IsString(spec_.type)) {
    std::string_view v = batch.strings[row];
    auto it = str_dict_.find(v);
    if (it == str_dict_.end()) {
      it = str_dict_.emplace(std::string(v), dict_size_++).first;
      if (spec_.type == Type::kByteArray)
        PlainByteArray(v, &dict_plain_);
      else
        dict_plain_.append(v);
    }
    indices_.push_back(it->second);
    return;
  }
  int64_t key = batch.IsFloating() ? DoubleBits(batch.doubles[row]) : batch.ints[row];
  auto [it, inserted] = int_dict_.emplace(key, dict_size_);
  if (inserted) {
    ++dict_size_;
    switch (spec_.type) {
      case Type::kInt32:
        PlainInt32(static_cast<int32_t>(key), &dict_plain_);
        break;
      case Type::kInt64:
        PlainInt64(key, &dict_plain_);
        break;
      case Type::kFloat:
        PlainFloat(static_cast<float>(batch.doubles[row]), &dict_plain_);
        break;
      default:
        PlainDouble(batch.doubles[row], &dict_plain_);
        break;
    }
  }
  indices_.push_back(it->second);
}

void ColumnWriter::AppendPlain(const ColumnBatch& batch, size_t row) {
  size_t before = plain_.size();
  switch (spec_.type) {
    case Type::kInt32:
    case Type::kInt64:
      if (spec_.encoding == Encoding::kDeltaBinaryPacked) {
        delta_values_.push_back(batch.ints[row]);
        page_raw_bytes_ += spec_.type == Type::kInt32 ? 4 : 8;
        return;
      }
      if (spec_.type == Type::kInt32)
        PlainInt32(static_cast<int32_t>(batch.ints[row]), &plain_);
      else
        PlainInt64(batch.ints[row], &plain_);
      break;
    case Type::kFloat:
      PlainFloat(static_cast<float>(batch.doubles[row]), &plain_);
      break;
    case Type::kDouble:
      PlainDouble(batch.doubles[row], &plain_);
      break;
    case Type::kByteArray:
      PlainByteArray(batch.strings[row], &plain_);
      break;
    default:
      plain_.append(batch.strings[row]);
      break;
  }
  page_raw_bytes_ += plain_.size() - before;
}

void ColumnWriter::CollectBloomHash(const ColumnBatch& batch, size_t row) {
  switch (spec_.type) {
    case Type::kInt32:
      bloom_hashes_.push_back(BloomFilter::HashInt32(static_cast<int32_t>(batch.ints[row])));
      break;
    case Type::kInt64:
      bloom_hashes_.push_back(BloomFilter::HashInt64(batch.ints[row]));
      break;
    case Type::kFloat:
      bloom_hashes_.push_back(BloomFilter::HashFloat(static_cast<float>(batch.doubles[row])));
      break;
    case Type::kDouble:
      bloom_hashes_.push_back(BloomFilter::HashDouble(batch.doubles[row]));
      break;
    case Type::kByteArray:
    case Type::kFixedLenByteArray:
      bloom_hashes_.push_back(BloomFilter::Hash(batch.strings[row]));
      break;
    default:
      break;
  }
}

Encoding ColumnWriter::EncodeValues(std::string* out) {
  if (spec_.type == Type::kBoolean) {
    PlainBooleans(bools_, out);
    return Encoding::kPlain;
  }
  if (dictionary_active_ && dict_size_ > 0) {
    int width = std::max(1, BitWidth(dict_size_ - 1));
    out->push_back(static_cast<char>(width));
    EncodeRleBitPacked(indices_.data(), indices_.size(), width, out);
    dictionary_pages_ = true;
    return Encoding::kRleDictionary;
  }
  if (spec_.encoding == Encoding::kDeltaBinaryPacked && !dictionary_active_) {
    EncodeDeltaBinaryPacked(delta_values_.data(), delta_values_.size(), spec_.type == Type::kInt32,
                            out);
    return Encoding::kDeltaBinaryPacked;
  }
  out->append(plain_);
  return Encoding::kPlain;
}

Status ColumnWriter::BuildPageV1(std::string_view levels, std::string_view values,
                                 Encoding encoding, PageHeader* header, std::string* compressed) {
  std::string body;
  if (spec_.optional) {
    uint32_t length = static_cast<uint32_t>(levels.size());
    body.append(reinterpret_cast<const char*>(&length), 4);
    body.append(levels);
  }
  body.append(values);
  RETURN_IF_ERROR(Compress(options_.codec, options_.compression_level, body, compressed));
  DataPageHeader v1;
  v1.num_values = static_cast<int32_t>(page_values_);
  v1.encoding = encoding;
  header->type = PageType::kDataPage;
  header->uncompressed_page_size = static_cast<int32_t>(body.size());
  header->data_page = std::move(v1);
  return Status::OK();
}

Status ColumnWriter::BuildPageV2(std::string_view levels, std::string_view values,
                                 Encoding encoding, PageHeader* header, std::string* compressed) {
  compressed->append(levels);
  RETURN_IF_ERROR(Compress(options_.codec, options_.compression_level, values, compressed));
  DataPageHeaderV2 v2;
  v2.num_values = static_cast<int32_t>(page_values_);
  v2.num_nulls = static_cast<int32_t>(page_nulls_);
  v2.num_rows = static_cast<int32_t>(page_values_);
  v2.encoding = encoding;
  v2.definition_levels_byte_length = static_cast<int32_t>(levels.size());
  v2.is_compressed = options_.codec != Codec::kUncompressed;
  header->type = PageType::kDataPageV2;
  header->uncompressed_page_size = static_cast<int32_t>(levels.size() + values.size());
  header->data_page_v2 = std::move(v2);
  return Status::OK();
}

Result<ColumnWriter::Page> ColumnWriter::BuildPage(std::string_view levels, std::string_view values,
                                                   Encoding encoding) {
  PageHeader header;
  std::string compressed;
  if (options_.data_page_version == 2) {
    RETURN_IF_ERROR(BuildPageV2(levels, values, encoding, &header, &compressed));
  } else {
    RETURN_IF_ERROR(BuildPageV1(levels, values, encoding, &header, &compressed));
  }
  if (options_.write_statistics) {
    Statistics stats = page_stats_.ToStatistics(options_.statistics_truncate_length);
    if (header.data_page)
      header.data_page->statistics = std::move(stats);
    else
      header.data_page_v2->statistics = std::move(stats);
  }
  header.compressed_page_size = static_cast<int32_t>(compressed.size());
  std::string bytes = EncodePageHeader(header);
  int64_t uncompressed = static_cast<int64_t>(bytes.size()) + header.uncompressed_page_size;
  bytes += compressed;
  return Page{std::move(bytes), chunk_rows_, static_cast<int64_t>(page_values_), uncompressed,
              page_stats_};
}

Status ColumnWriter::FlushPage() {
  if (page_values_ == 0) return Status::OK();
  std::string levels;
  if (spec_.optional) EncodeRleBitPacked(def_levels_.data(), def_levels_.size(), 1, &levels);
  std::string values;
  Encoding encoding = EncodeValues(&values);
  ASSIGN_OR_RETURN(Page page, BuildPage(levels, values, encoding));
  if (std::find(used_encodings_.begin(), used_encodings_.end(), encoding) ==
      used_encodings_.end()) {
    used_encodings_.push_back(encoding);
  }
  chunk_stats_.Merge(page_stats_);
  chunk_rows_ += page.num_rows;
  buffered_bytes_ += static_cast<int64_t>(page.bytes.size());
  pages_.push_back(std::move(page));
  def_levels_.clear();
  indices_.clear();
  plain_.clear();
  bools_.clear();
  delta_values_.clear();
  page_values_ = page_nulls_ = page_raw_bytes_ = 0;
  page_stats_.Reset();
  return Status::OK();
}

int64_t ColumnWriter::EstimatedSize() const {
  return buffered_bytes_ + static_cast<int64_t>(page_raw_bytes_ + dict_plain_.size());
}

Status ColumnWriter::EmitDictionaryPage(std::string* out, int64_t* uncompressed) {
  std::string compressed;
  RETURN_IF_ERROR(Compress(options_.codec, options_.compression_level, dict_plain_, &compressed));
  PageHeader header;
  header.type = PageType::kDictionaryPage;
  header.uncompressed_page_size = static_cast<int32_t>(dict_plain_.size());
  header.compressed_page_size = static_cast<int32_t>(compressed.size());
  header.dictionary_page = DictionaryPageHeader{static_cast<int32_t>(dict_size_), Encoding::kPlain};
  std::string head = EncodePageHeader(header);
  *uncompressed = static_cast<int64_t>(head.size() + dict_plain_.size());
  *out = head + compressed;
  return Status::OK();
}

std::optional<std::string> ColumnWriter::BuildBloomFilter() {
  if (!spec_.bloom_filter) return std::nullopt;
  std::sort(bloom_hashes_.begin(), bloom_hashes_.end());
  bloom_hashes_.erase(std::unique(bloom_hashes_.begin(), bloom_hashes_.end()), bloom_hashes_.end());
  BloomFilter bloom(BloomFilter::OptimalBytes(bloom_hashes_.size(), options_.bloom_filter_fpp,
                                              options_.bloom_filter_max_bytes));
  for (uint64_t hash : bloom_hashes_) bloom.InsertHash(hash);
  bloom_hashes_.clear();
  bloom_hashes_.shrink_to_fit();
  return EncodeBloomFilterHeader({static_cast<int32_t>(bloom.bytes().size())}) + bloom.bytes();
}

namespace {

// -1, 0, 1 for two PLAIN statistics values, or 2 if incomparable.
int CompareStat(const ColumnSpec& spec, const std::string& a, const std::string& b) {
  auto va = StatValue(spec, a), vb = StatValue(spec, b);
  if (!va || !vb) return 2;
  if (va->kind == Value::Kind::kString) return va->s < vb->s ? -1 : va->s > vb->s ? 1 : 0;
  if (va->kind == Value::Kind::kInt) return va->i < vb->i ? -1 : va->i > vb->i ? 1 : 0;
  return va->d < vb->d ? -1 : va->d > vb->d ? 1 : 0;
}

}  // namespace

ColumnIndex ColumnWriter::BuildColumnIndex() const {
  ColumnIndex index;
  bool ascending = true, descending = true;
  std::optional<size_t> prev;  // last non-null page
  for (const Page& page : pages_) {
    Statistics s = page.stats.ToStatistics(options_.statistics_truncate_length);
    bool null_page = !page.stats.has_min_max();
    index.null_pages.push_back(null_page);
    index.min_values.push_back(null_page ? "" : s.min_value.value_or(""));
    index.max_values.push_back(null_page ? "" : s.max_value.value_or(""));
    index.null_counts.push_back(page.stats.null_count());
    if (null_page) continue;
    if (prev) {
      int cmin = CompareStat(spec_, index.min_values[*prev], index.min_values.back());
      int cmax = CompareStat(spec_, index.max_values[*prev], index.max_values.back());
      if (cmin == 2 || cmax == 2 || cmin > 0 || cmax > 0) ascending = false;
      if (cmin == 2 || cmax == 2 || cmin < 0 || cmax < 0) descending = false;
    }
    prev = index.min_values.size() - 1;
  }
  index.boundary_order = ascending    ? BoundaryOrder::kAscending
                         : descending ? BoundaryOrder::kDescending
                                      : BoundaryOrder::kUnordered;
  return index;
}

void ColumnWriter::ResetChunk() {
  pages_.clear();
  chunk_rows_ = buffered_bytes_ = 0;
  chunk_stats_.Reset();
  dictionary_active_ = spec_.dictionary && spec_.type != Type::kBoolean;
  dictionary_pages_ = false;
  dict_plain_.clear();
  dict_size_ = 0;
  int_dict_.clear();
  str_dict_.clear();
  used_encodings_.clear();
}

Result<FinishedChunk> ColumnWriter::Finish() {
  RETURN_IF_ERROR(FlushPage());
  FinishedChunk chunk;
  ColumnMetaData& meta = chunk.meta;
  int64_t uncompressed = 0;
  if (dictionary_pages_) {
    RETURN_IF_ERROR(EmitDictionaryPage(&chunk.bytes, &uncompressed));
    meta.dictionary_page_offset = 0;
  }
  meta.data_page_offset = static_cast<int64_t>(chunk.bytes.size());
  for (const Page& page : pages_) {
    chunk.offset_index.page_locations.push_back({static_cast<int64_t>(chunk.bytes.size()),
                                                 static_cast<int32_t>(page.bytes.size()),
                                                 page.first_row});
    chunk.bytes += page.bytes;
    uncompressed += page.uncompressed_size;
  }
  std::set<Encoding> encodings(used_encodings_.begin(), used_encodings_.end());
  encodings.insert(Encoding::kRle);
  if (dictionary_pages_) encodings.insert(Encoding::kPlain);
  meta.type = spec_.type;
  meta.encodings.assign(encodings.begin(), encodings.end());
  meta.path_in_schema = {spec_.name};
  meta.codec = options_.codec;
  meta.num_values = chunk_rows_;
  meta.total_uncompressed_size = uncompressed;
  meta.total_compressed_size = static_cast<int64_t>(chunk.bytes.size());
  if (options_.write_statistics) {
    meta.statistics = chunk_stats_.ToStatistics(options_.statistics_truncate_length);
  }
  chunk.column_index = BuildColumnIndex();
  chunk.bloom_filter = BuildBloomFilter();
  ResetChunk();
  return chunk;
}

}  // namespace thingsdb::parquet
