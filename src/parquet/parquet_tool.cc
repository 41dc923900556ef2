#include "parquet/parquet_tool.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "parquet/file_reader.h"

namespace thingsdb::parquet {
namespace {

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          *out += fmt::format("\\u{:04x}", static_cast<int>(c));
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t extra = c < 0x80             ? 0
                   : (c & 0xE0) == 0xC0 ? 1
                   : (c & 0xF0) == 0xE0 ? 2
                   : (c & 0xF8) == 0xF0 ? 3
                                        : 4;
    if (extra > 3 || s.size() - i <= extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

std::string Base64(std::string_view s) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < s.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(s[i]) << 16;
    if (i + 1 < s.size()) n |= static_cast<uint8_t>(s[i + 1]) << 8;
    if (i + 2 < s.size()) n |= static_cast<uint8_t>(s[i + 2]);
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < s.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < s.size() ? kAlphabet[n & 63] : '=');
  }
  return out;
}

// Binary cells: UTF-8 text as a JSON string, anything else as a base64 JSON string.
void AppendBinary(std::string_view s, std::string* out) {
  AppendJsonString(IsUtf8(s) ? std::string(s) : Base64(s), out);
}

std::string Hex(std::string_view s) {
  std::string out;
  for (unsigned char c : s) out += fmt::format("{:02x}", c);
  return out;
}

void AppendCell(const ColumnSpec& spec, const ColumnBatch& batch, size_t row, std::string* out) {
  if (batch.IsNull(row)) {
    *out += "null";
  } else if (spec.type == Type::kBoolean) {
    *out += batch.ints[row] ? "true" : "false";
  } else if (batch.IsIntegral()) {
    *out += fmt::format("{}", batch.ints[row]);
  } else if (batch.IsFloating()) {
    double v = batch.doubles[row];
    *out += std::isfinite(v) ? fmt::format("{}", v) : "null";
  } else {
    AppendBinary(batch.strings[row], out);
  }
}

std::string StatText(const ColumnSpec& spec, const std::optional<std::string>& plain) {
  if (!plain) return "-";
  auto value = StatValue(spec, *plain);
  if (!value) return fmt::format("0x{}", Hex(*plain));
  if (value->kind == Value::Kind::kString) {
    std::string out;
    AppendBinary(value->s, &out);
    return out;
  }
  return value->kind == Value::Kind::kInt ? fmt::format("{}", value->i)
                                          : fmt::format("{}", value->d);
}

std::string EncodingsText(const std::vector<Encoding>& encodings) {
  std::string out;
  for (Encoding e : encodings) {
    if (!out.empty()) out += ',';
    out += EncodingName(e);
  }
  return out;
}

std::string ColumnMetaText(const FileReader& reader, const ColumnChunk& chunk, int column) {
  const ColumnSpec& spec = reader.schema().columns[column];
  const ColumnMetaData& m = chunk.meta_data;
  std::string out = fmt::format(
      "  column {} {}: codec {}, encodings {}, values {}, compressed {}, uncompressed {}, "
      "data_page_offset {}",
      spec.name, TypeName(spec.type), CodecName(m.codec), EncodingsText(m.encodings), m.num_values,
      m.total_compressed_size, m.total_uncompressed_size, m.data_page_offset);
  if (m.dictionary_page_offset)
    out += fmt::format(", dictionary_page_offset {}", *m.dictionary_page_offset);
  out += "\n";
  if (m.statistics) {
    const Statistics& s = *m.statistics;
    out += fmt::format("    statistics: min {}{}, max {}{}, nulls {}\n",
                       StatText(spec, s.min_value), s.is_min_exact ? "" : " (truncated)",
                       StatText(spec, s.max_value), s.is_max_exact ? "" : " (truncated)",
                       s.null_count ? std::to_string(*s.null_count) : "-");
  }
  if (m.bloom_filter_offset) {
    out += fmt::format("    bloom filter: offset {}, length {}\n", *m.bloom_filter_offset,
                       m.bloom_filter_length ? std::to_string(*m.bloom_filter_length) : "-");
  } else {
    out += "    bloom filter: none\n";
  }
  if (chunk.column_index_offset) {
    out += fmt::format("    column index: offset {}, length {}\n", *chunk.column_index_offset,
                       chunk.column_index_length.value_or(0));
  }
  if (chunk.offset_index_offset) {
    out += fmt::format("    offset index: offset {}, length {}\n", *chunk.offset_index_offset,
                       chunk.offset_index_length.value_or(0));
  }
  return out;
}

}  // namespace

std::vector<std::string> SplitColumns(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string name = list.substr(start, comma - start);
    if (!name.empty()) out.push_back(name);
    start = comma + 1;
  }
  return out;
}

Result<std::string> SchemaText(RandomAccessSource& source) {
  ASSIGN_OR_RETURN(auto reader, FileReader::Open(&source));
  return SchemaToString(reader->metadata().schema);
}

Result<std::string> MetaText(RandomAccessSource& source) {
  ASSIGN_OR_RETURN(auto reader, FileReader::Open(&source));
  const FileMetaData& m = reader->metadata();
  std::string out = fmt::format("file: {}\nversion: {}\ncreated_by: {}\nrows: {}\nrow groups: {}\n",
                                reader->source_name(), m.version, m.created_by.value_or("-"),
                                m.num_rows, m.row_groups.size());
  if (!m.key_value_metadata.empty()) out += "key_value_metadata:\n";
  for (const KeyValue& kv : m.key_value_metadata) {
    out += fmt::format("  {} = {}\n", kv.key, kv.value.value_or(""));
  }
  for (size_t g = 0; g < m.row_groups.size(); ++g) {
    const RowGroup& group = m.row_groups[g];
    out += fmt::format(
        "row group {}: rows {}, total_byte_size {}, compressed {}\n", g, group.num_rows,
        group.total_byte_size,
        group.total_compressed_size ? std::to_string(*group.total_compressed_size) : "-");
    for (size_t c = 0; c < group.columns.size(); ++c) {
      out += ColumnMetaText(*reader, group.columns[c], static_cast<int>(c));
    }
  }
  return out;
}

namespace {

struct CatPlan {
  std::vector<Predicate> predicates;
  std::vector<int> predicate_columns;  // schema index per predicate
  std::vector<int> output;             // schema index per output column
  std::vector<int> read;               // columns to read (output, then predicate-only)
};

Result<CatPlan> PlanCat(const FileReader& reader, const CatOptions& options) {
  CatPlan plan;
  const Schema& schema = reader.schema();
  auto find = [&](const std::string& name) -> Result<int> {
    int column = schema.Find(name);
    if (column < 0)
      return Status::InvalidArgument(fmt::format("{}: no column '{}'", reader.source_name(), name));
    return column;
  };
  for (const auto& name : options.columns) {
    ASSIGN_OR_RETURN(int column, find(name));
    plan.output.push_back(column);
  }
  if (options.columns.empty()) {
    for (size_t c = 0; c < schema.columns.size(); ++c) plan.output.push_back(static_cast<int>(c));
  }
  plan.read = plan.output;
  for (const auto& text : options.where) {
    ASSIGN_OR_RETURN(Predicate p, ParsePredicate(text));
    ASSIGN_OR_RETURN(int column, find(p.column));
    plan.predicates.push_back(std::move(p));
    plan.predicate_columns.push_back(column);
    if (std::find(plan.read.begin(), plan.read.end(), column) == plan.read.end())
      plan.read.push_back(column);
  }
  return plan;
}

}  // namespace

Status CatNdjson(RandomAccessSource& source, const CatOptions& options, std::ostream& out) {
  ASSIGN_OR_RETURN(auto reader, FileReader::Open(&source));
  ASSIGN_OR_RETURN(CatPlan plan, PlanCat(*reader, options));
  const Schema& schema = reader->schema();
  ASSIGN_OR_RETURN(std::vector<int> groups, reader->PruneRowGroups(plan.predicates));
  int64_t printed = 0;
  std::string line;
  for (int g : groups) {
    if (options.limit >= 0 && printed >= options.limit) break;
    ASSIGN_OR_RETURN(RowGroupBatch batch, reader->ReadRowGroup(g, plan.read, plan.predicates));
    for (int64_t row = 0; row < batch.num_rows; ++row) {
      if (options.limit >= 0 && printed >= options.limit) break;
      bool match = true;
      for (size_t i = 0; i < plan.predicates.size() && match; ++i) {
        size_t slot = std::find(plan.read.begin(), plan.read.end(), plan.predicate_columns[i]) -
                      plan.read.begin();
        match = RowMatches(plan.predicates[i], schema.columns[plan.predicate_columns[i]],
                           batch.batches[slot], row);
      }
      if (!match) continue;
      line.clear();
      line.push_back('{');
      for (size_t i = 0; i < plan.output.size(); ++i) {
        const ColumnSpec& spec = schema.columns[plan.output[i]];
        if (i > 0) line += ",";
        AppendJsonString(spec.name, &line);
        line += ":";
        AppendCell(spec, batch.batches[i], row, &line);
      }
      line += "}\n";
      out << line;
      ++printed;
    }
  }
  if (!out) return Status::IOError("cat: output stream failed");
  return Status::OK();
}

}  // namespace thingsdb::parquet
