#include "parquet/column_reader.h"

#include <fmt/format.h>

#include <cstring>

#include "parquet/compression.h"
#include "parquet/encoding.h"

namespace thingsdb::parquet {

ColumnChunkDecoder::ColumnChunkDecoder(const ColumnSpec& spec, Codec codec, std::string source,
                                       DecodeLimits limits)
    : spec_(spec), codec_(codec), source_(std::move(source)), limits_(limits) {}

Status ColumnChunkDecoder::Fail(uint64_t offset, std::string_view what) const {
  return Status::Corruption(fmt::format("{}: column '{}': page at byte offset {}: {}", source_,
                                        spec_.name, offset, what));
}

Result<std::shared_ptr<const std::string>> ColumnChunkDecoder::Inflate(std::string_view compressed,
                                                                       size_t uncompressed_size,
                                                                       uint64_t offset) const {
  if (uncompressed_size > limits_.max_page_bytes) return Fail(offset, "page too large");
  auto out = std::make_shared<std::string>();
  Status status = Decompress(codec_, compressed, uncompressed_size, out.get());
  if (status.IsCorruption()) return Fail(offset, status.message());
  RETURN_IF_ERROR(status);
  return std::shared_ptr<const std::string>(std::move(out));
}

Status ColumnChunkDecoder::DecodePage(std::string_view bytes, uint64_t offset, ColumnBatch* out,
                                      size_t* consumed, int64_t* rows) {
  PageHeader header;
  size_t header_size = 0;
  RETURN_IF_ERROR(DecodePageHeader(bytes, source_, offset, &header, &header_size));
  if (static_cast<uint64_t>(header.compressed_page_size) > bytes.size() - header_size) {
    return Fail(offset, fmt::format("compressed size {} passes the column chunk",
                                    header.compressed_page_size));
  }
  std::string_view body = bytes.substr(header_size, header.compressed_page_size);
  *consumed = header_size + body.size();
  *rows = 0;
  switch (header.type) {
    case PageType::kDictionaryPage:
      return ReadDictionary(header, body, offset);
    case PageType::kDataPage:
    case PageType::kDataPageV2:
      return DecodeDataPage(header, body, offset, out, rows);
    default:
      return Status::OK();  // index pages and unknown kinds carry no rows
  }
}

Status ColumnChunkDecoder::ReadDictionary(const PageHeader& header, std::string_view body,
                                          uint64_t offset) {
  if (!header.dictionary_page) return Fail(offset, "dictionary page without its header");
  if (dictionary_) return Fail(offset, "second dictionary page");
  const auto& dict = *header.dictionary_page;
  if (dict.num_values < 0 || dict.num_values > limits_.max_values_per_page) {
    return Fail(offset, "bad dictionary size");
  }
  if (dict.encoding != Encoding::kPlain && dict.encoding != Encoding::kPlainDictionary) {
    return Fail(offset, "dictionary page not PLAIN");
  }
  ASSIGN_OR_RETURN(auto buffer, Inflate(body, header.uncompressed_page_size, offset));
  auto values = std::make_unique<ColumnBatch>();
  values->type = spec_.type;
  Status status =
      DecodePlain(spec_.type, spec_.type_length, *buffer, dict.num_values, values.get());
  if (!status.ok()) return Fail(offset, status.message());
  values->buffers.push_back(std::move(buffer));
  dictionary_ = std::move(values);
  return Status::OK();
}

namespace {

void AppendNulls(ColumnBatch* out, size_t n) {
  if (out->IsIntegral())
    out->ints.insert(out->ints.end(), n, 0);
  else if (out->IsFloating())
    out->doubles.insert(out->doubles.end(), n, 0.0);
  else
    out->strings.insert(out->strings.end(), n, std::string_view());
}

// Spreads `values` (non-null only) over the rows by definition level.
void Scatter(const std::vector<uint32_t>& levels, ColumnBatch& values, ColumnBatch* out) {
  size_t next = 0;
  for (uint32_t level : levels) {
    out->validity.push_back(level != 0);
    if (level == 0) {
      AppendNulls(out, 1);
      continue;
    }
    if (out->IsIntegral())
      out->ints.push_back(values.ints[next]);
    else if (out->IsFloating())
      out->doubles.push_back(values.doubles[next]);
    else
      out->strings.push_back(values.strings[next]);
    ++next;
  }
  for (auto& b : values.buffers) out->buffers.push_back(std::move(b));
}

}  // namespace

Status ColumnChunkDecoder::ShapeV1(const PageHeader& header, std::string_view body, uint64_t offset,
                                   PageShape* shape) {
  if (!header.data_page) return Fail(offset, "data page without its header");
  shape->num_values = header.data_page->num_values;
  shape->encoding = header.data_page->encoding;
  ASSIGN_OR_RETURN(shape->buffer, Inflate(body, header.uncompressed_page_size, offset));
  std::string_view page = *shape->buffer;
  size_t values_at = 0;
  if (spec_.optional) {
    uint32_t length;
    if (page.size() < 4) return Fail(offset, "truncated definition levels");
    std::memcpy(&length, page.data(), 4);
    if (length > page.size() - 4) return Fail(offset, "definition levels pass the page");
    shape->levels = page.substr(4, length);
    values_at = 4 + length;
  }
  shape->values = page.substr(values_at);
  return Status::OK();
}

Status ColumnChunkDecoder::ShapeV2(const PageHeader& header, std::string_view body, uint64_t offset,
                                   PageShape* shape) {
  if (!header.data_page_v2) return Fail(offset, "data page v2 without its header");
  const auto& v2 = *header.data_page_v2;
  shape->num_values = v2.num_values;
  shape->encoding = v2.encoding;
  if (v2.repetition_levels_byte_length != 0)
    return Fail(offset, "repetition levels in a flat column");
  if (v2.definition_levels_byte_length < 0 ||
      static_cast<size_t>(v2.definition_levels_byte_length) > body.size() ||
      v2.definition_levels_byte_length > header.uncompressed_page_size) {
    return Fail(offset, "definition levels pass the page");
  }
  shape->levels = body.substr(0, v2.definition_levels_byte_length);
  std::string_view rest = body.substr(v2.definition_levels_byte_length);
  size_t raw_size = header.uncompressed_page_size - v2.definition_levels_byte_length;
  if (v2.is_compressed && codec_ != Codec::kUncompressed) {
    ASSIGN_OR_RETURN(shape->buffer, Inflate(rest, raw_size, offset));
  } else {
    shape->buffer = std::make_shared<const std::string>(rest);
  }
  shape->values = *shape->buffer;
  return Status::OK();
}

Result<std::vector<uint32_t>> ColumnChunkDecoder::DecodeLevels(std::string_view levels,
                                                               size_t count, uint64_t offset,
                                                               size_t* present) {
  std::vector<uint32_t> out(count);
  RleBitPackedDecoder decoder(levels, 1);
  Status status = decoder.Get(out.data(), count);
  if (!status.ok()) return Fail(offset, status.message());
  *present = 0;
  for (uint32_t level : out) {
    if (level > 1) return Fail(offset, "definition level above 1");
    *present += level;
  }
  return out;
}

Status ColumnChunkDecoder::DecodeDataPage(const PageHeader& header, std::string_view body,
                                          uint64_t offset, ColumnBatch* out, int64_t* rows) {
  PageShape shape;
  if (header.type == PageType::kDataPage) {
    RETURN_IF_ERROR(ShapeV1(header, body, offset, &shape));
  } else {
    RETURN_IF_ERROR(ShapeV2(header, body, offset, &shape));
  }
  if (shape.num_values < 0 || shape.num_values > limits_.max_values_per_page) {
    return Fail(offset, fmt::format("bad value count {}", shape.num_values));
  }
  size_t count = static_cast<size_t>(shape.num_values);
  size_t present = count;
  std::vector<uint32_t> levels;
  if (spec_.optional) {
    ASSIGN_OR_RETURN(levels, DecodeLevels(shape.levels, count, offset, &present));
  }
  ColumnBatch values;
  values.type = spec_.type;
  ColumnBatch* target = spec_.optional ? &values : out;
  size_t before = target->size();
  Status status = DecodeValues(shape.encoding, shape.buffer, shape.values, present, target);
  if (!status.ok()) return status.IsCorruption() ? Fail(offset, status.message()) : status;
  if (target->size() - before != present) return Fail(offset, "value count mismatch");
  if (spec_.optional) Scatter(levels, values, out);
  *rows = shape.num_values;
  return Status::OK();
}

Status ColumnChunkDecoder::DecodeValues(Encoding encoding,
                                        std::shared_ptr<const std::string> buffer,
                                        std::string_view data, size_t count, ColumnBatch* values) {
  bool views = false;
  Status status;
  switch (encoding) {
    case Encoding::kPlain:
      status = DecodePlain(spec_.type, spec_.type_length, data, count, values);
      views = true;
      break;
    case Encoding::kRleDictionary:
    case Encoding::kPlainDictionary:
      status = DecodeDictionaryIndices(data, count, values);
      break;
    case Encoding::kRle: {  // booleans: 4-byte length, then the hybrid with width 1
      if (spec_.type != Type::kBoolean || data.size() < 4)
        return Status::Corruption("bad RLE booleans");
      std::vector<uint32_t> bits(count);
      RleBitPackedDecoder decoder(data.substr(4), 1);
      RETURN_IF_ERROR(decoder.Get(bits.data(), count));
      values->ints.insert(values->ints.end(), bits.begin(), bits.end());
      break;
    }
    case Encoding::kDeltaBinaryPacked: {
      if (spec_.type != Type::kInt32 && spec_.type != Type::kInt64) {
        return Status::Corruption("DELTA_BINARY_PACKED on a non-integer column");
      }
      size_t used = 0;
      status =
          DecodeDeltaBinaryPacked(data, count, spec_.type == Type::kInt32, &values->ints, &used);
      break;
    }
    case Encoding::kDeltaLengthByteArray:
      if (spec_.type != Type::kByteArray)
        return Status::Corruption("DELTA_LENGTH_BYTE_ARRAY on a non-binary column");
      status = DecodeDeltaLengthByteArray(data, count, &values->strings);
      views = true;
      break;
    case Encoding::kDeltaByteArray: {
      if (spec_.type != Type::kByteArray && spec_.type != Type::kFixedLenByteArray) {
        return Status::Corruption("DELTA_BYTE_ARRAY on a non-binary column");
      }
      std::shared_ptr<const std::string> storage;
      status = DecodeDeltaByteArray(data, count, &storage, &values->strings);
      if (storage) values->buffers.push_back(std::move(storage));
      break;
    }
    case Encoding::kByteStreamSplit:
      status = DecodeByteStreamSplit(spec_.type, spec_.type_length, data, count, values);
      break;
    default:
      return Status::NotSupported(fmt::format("{}: column '{}': encoding {}", source_, spec_.name,
                                              static_cast<int>(encoding)));
  }
  RETURN_IF_ERROR(status);
  if (views && !values->IsIntegral() && !values->IsFloating())
    values->buffers.push_back(std::move(buffer));
  return Status::OK();
}

Status ColumnChunkDecoder::DecodeDictionaryIndices(std::string_view data, size_t count,
                                                   ColumnBatch* values) {
  if (!dictionary_) return Status::Corruption("dictionary-encoded page without a dictionary");
  if (count == 0) return Status::OK();
  if (data.empty()) return Status::Corruption("missing dictionary index width");
  int width = static_cast<uint8_t>(data[0]);
  if (width > 32) return Status::Corruption("dictionary index width above 32");
  std::vector<uint32_t> indices(count);
  RleBitPackedDecoder decoder(data.substr(1), width);
  RETURN_IF_ERROR(decoder.Get(indices.data(), count));
  const ColumnBatch& dict = *dictionary_;
  size_t size = dict.size();
  for (uint32_t index : indices) {
    if (index >= size) return Status::Corruption("dictionary index out of range");
  }
  if (dict.IsIntegral()) {
    for (uint32_t index : indices) values->ints.push_back(dict.ints[index]);
  } else if (dict.IsFloating()) {
    for (uint32_t index : indices) values->doubles.push_back(dict.doubles[index]);
  } else {
    for (uint32_t index : indices) values->strings.push_back(dict.strings[index]);
    for (const auto& b : dict.buffers) values->buffers.push_back(b);
  }
  return Status::OK();
}

void AppendRows(const ColumnBatch& src, const std::vector<uint32_t>& rows, ColumnBatch* dst) {
  for (uint32_t row : rows) {
    if (src.IsIntegral())
      dst->ints.push_back(src.ints[row]);
    else if (src.IsFloating())
      dst->doubles.push_back(src.doubles[row]);
    else
      dst->strings.push_back(src.strings[row]);
    if (!src.validity.empty()) dst->validity.push_back(src.validity[row]);
  }
  dst->buffers.insert(dst->buffers.end(), src.buffers.begin(), src.buffers.end());
}

}  // namespace thingsdb::parquet
