#include "cold/flush_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <tuple>

#include "iceberg/single_value.h"
#include "iceberg/transforms.h"
#include "parquet/bloom_filter.h"
#include "parquet/file_writer.h"
#include "parquet/output_sink.h"

namespace thingsdb::cold {
namespace {

// String bounds longer than this are truncated (lower) or left out (upper).
constexpr size_t kMaxBoundBytes = 64;
constexpr int64_t kMicrosPerMilli = 1000;

// One file's worth of column values, with the storage the string views point into.
struct FileColumns {
  std::vector<parquet::ColumnBatch> batches;
  std::vector<std::string> owned;  // encoded embeddings (stable: reserved up front)
  int64_t rows = 0;
};

parquet::ColumnBatch MakeBatch(parquet::Type type, size_t reserve) {
  parquet::ColumnBatch batch;
  batch.type = type;
  if (batch.IsIntegral()) {
    batch.ints.reserve(reserve);
  } else if (batch.IsFloating()) {
    batch.doubles.reserve(reserve);
  } else {
    batch.strings.reserve(reserve);
  }
  return batch;
}

// Marks row `row` (just appended) present or null; validity stays empty until a null.
void AddNullable(parquet::ColumnBatch& batch, size_t row, bool present) {
  if (!present && batch.validity.empty()) {
    batch.validity.assign(row, 1);
    batch.validity.push_back(0);
    return;
  }
  if (!batch.validity.empty()) batch.validity.push_back(present ? 1 : 0);
}

void AddIndexValue(parquet::ColumnBatch& batch, size_t row, const IndexValue* value,
                   IndexKind kind) {
  bool present = false;
  if (kind == IndexKind::kString) {
    const std::string* text = value ? std::get_if<std::string>(value) : nullptr;
    present = text != nullptr;
    batch.strings.push_back(present ? std::string_view(*text) : std::string_view());
  } else {
    const double* number = value ? std::get_if<double>(value) : nullptr;
    present = number != nullptr;
    batch.doubles.push_back(present ? *number : 0.0);
  }
  AddNullable(batch, row, present);
}

FileColumns ThingColumns(const TableLayout& layout, const std::vector<const ColdThing*>& rows) {
  parquet::Schema schema = ParquetSchema(layout);
  FileColumns out;
  out.rows = static_cast<int64_t>(rows.size());
  for (const auto& spec : schema.columns) out.batches.push_back(MakeBatch(spec.type, rows.size()));
  out.owned.reserve(rows.size());
  for (size_t row = 0; row < rows.size(); ++row) {
    const ColdThing& thing = *rows[row];
    out.batches[0].strings.push_back(thing.id);
    out.batches[1].strings.push_back(thing.type);
    out.batches[2].strings.push_back(thing.data);
    if (thing.embedding) {
      out.owned.push_back(EncodeEmbedding(*thing.embedding));
      out.batches[3].strings.push_back(out.owned.back());
    } else {
      out.batches[3].strings.push_back(std::string_view());
    }
    AddNullable(out.batches[3], row, thing.embedding.has_value());
    out.batches[4].ints.push_back(thing.created_at * kMicrosPerMilli);
    out.batches[5].ints.push_back(thing.updated_at * kMicrosPerMilli);
    for (size_t index_idx = 0; index_idx < layout.indexes.size(); ++index_idx) {
      const IndexValue* value =
          index_idx < thing.index_values.size() ? &thing.index_values[index_idx] : nullptr;
      AddIndexValue(out.batches[6 + index_idx], row, value, layout.indexes[index_idx].kind);
    }
  }
  return out;
}

FileColumns RelationshipColumns(const TableLayout& layout,
                                const std::vector<const ColdRelationship*>& rows) {
  parquet::Schema schema = ParquetSchema(layout);
  FileColumns out;
  out.rows = static_cast<int64_t>(rows.size());
  for (const auto& spec : schema.columns) out.batches.push_back(MakeBatch(spec.type, rows.size()));
  for (size_t row = 0; row < rows.size(); ++row) {
    const ColdRelationship& rel = *rows[row];
    out.batches[0].strings.push_back(rel.id);
    out.batches[1].strings.push_back(rel.from_id);
    out.batches[2].strings.push_back(rel.to_id);
    out.batches[3].strings.push_back(rel.type);
    out.batches[4].strings.push_back(rel.data ? std::string_view(*rel.data) : std::string_view());
    AddNullable(out.batches[4], row, rel.data.has_value());
    out.batches[5].ints.push_back(rel.created_at * kMicrosPerMilli);
  }
  return out;
}

// A prefix of at most n bytes that does not split a UTF-8 sequence.
std::string Utf8Prefix(std::string_view value, size_t n) {
  if (value.size() <= n) return std::string(value);
  size_t cut = n;
  while (cut > 0 && (static_cast<uint8_t>(value[cut]) & 0xC0) == 0x80) --cut;
  return std::string(value.substr(0, cut));
}

bool WantsBounds(const iceberg::NestedField& field) {
  // JSON documents and embeddings: bounds would be large and never prune anything.
  return field.type->id != iceberg::TypeId::kBinary && field.name != kDataColumn;
}

// Iceberg column metrics of one column computed from the values written.
Status AddMetrics(const iceberg::NestedField& field, const parquet::ColumnBatch& batch,
                  bool full_string_bounds, iceberg::DataFile* file) {
  int64_t nulls = 0;
  std::optional<std::string_view> smin, smax;
  std::optional<int64_t> imin, imax;
  std::optional<double> dmin, dmax;
  int64_t nans = 0;
  for (size_t row = 0; row < batch.size(); ++row) {
    if (batch.IsNull(row)) {
      ++nulls;
      continue;
    }
    if (batch.IsIntegral()) {
      int64_t v = batch.ints[row];
      if (!imin || v < *imin) imin = v;
      if (!imax || v > *imax) imax = v;
    } else if (batch.IsFloating()) {
      double v = batch.doubles[row];
      if (std::isnan(v)) {
        ++nans;
        continue;
      }
      if (!dmin || v < *dmin) dmin = v;
      if (!dmax || v > *dmax) dmax = v;
    } else {
      std::string_view v = batch.strings[row];
      if (!smin || v < *smin) smin = v;
      if (!smax || v > *smax) smax = v;
    }
  }
  file->value_counts[field.id] = static_cast<int64_t>(batch.size());
  file->null_value_counts[field.id] = nulls;
  if (batch.IsFloating()) file->nan_value_counts[field.id] = nans;
  if (!WantsBounds(field)) return Status::OK();
  std::optional<iceberg::Literal> lower, upper;
  switch (field.type->id) {
    case iceberg::TypeId::kString:
      if (smin) {
        lower = iceberg::Literal::String(full_string_bounds ? std::string(*smin)
                                                            : Utf8Prefix(*smin, kMaxBoundBytes));
        if (full_string_bounds || smax->size() <= kMaxBoundBytes) {
          upper = iceberg::Literal::String(std::string(*smax));
        }
      }
      break;
    case iceberg::TypeId::kTimestampTz:
      if (imin) {
        lower = iceberg::Literal::Timestamp(*imin, true);
        upper = iceberg::Literal::Timestamp(*imax, true);
      }
      break;
    case iceberg::TypeId::kLong:
      if (imin) {
        lower = iceberg::Literal::Long(*imin);
        upper = iceberg::Literal::Long(*imax);
      }
      break;
    case iceberg::TypeId::kDouble:
      if (dmin) {
        // -0.0 and 0.0 compare equal: widen so either sign is inside the bounds.
        lower = iceberg::Literal::Double(*dmin == 0 ? -0.0 : *dmin);
        upper = iceberg::Literal::Double(*dmax == 0 ? 0.0 : *dmax);
      }
      break;
    default:
      break;
  }
  if (lower) {
    ASSIGN_OR_RETURN(file->lower_bounds[field.id],
                     iceberg::SerializeSingleValue(*lower, *field.type));
  }
  if (upper) {
    ASSIGN_OR_RETURN(file->upper_bounds[field.id],
                     iceberg::SerializeSingleValue(*upper, *field.type));
  }
  return Status::OK();
}

// Encodes `columns` as one Parquet file, stores it at `key`, and describes it.
Result<iceberg::DataFile> WriteFile(ObjectStore& store, const iceberg::TablePaths& paths,
                                    const std::string& key, const iceberg::Schema& iceberg_schema,
                                    const parquet::Schema& parquet_schema,
                                    const parquet::WriterOptions& base_options,
                                    const FileColumns& columns, iceberg::FileContent content) {
  parquet::WriterOptions options = base_options;
  options.key_value_metadata.push_back(
      parquet::KeyValue{kIcebergSchemaKey, IcebergSchemaJson(iceberg_schema)});
  parquet::StringSink sink;
  ASSIGN_OR_RETURN(auto writer, parquet::FileWriter::Open(parquet_schema, options, &sink));
  RETURN_IF_ERROR(writer->WriteBatch(columns.batches));
  RETURN_IF_ERROR(writer->Close());
  const parquet::FileMetaData& meta = writer->metadata();

  iceberg::DataFile file;
  file.content = content;
  file.file_path = paths.ToLocation(key);
  file.record_count = columns.rows;
  file.file_size_in_bytes = static_cast<int64_t>(sink.Tell());
  for (const auto& group : meta.row_groups) {
    if (group.file_offset) file.split_offsets.push_back(*group.file_offset);
    for (size_t column_idx = 0; column_idx < group.columns.size(); ++column_idx) {
      file.column_sizes[iceberg_schema.fields[column_idx].id] +=
          group.columns[column_idx].meta_data.total_compressed_size;
    }
  }
  if (file.split_offsets.size() != meta.row_groups.size()) file.split_offsets.clear();
  bool full_bounds = content == iceberg::FileContent::kPositionDeletes;
  for (size_t column_idx = 0; column_idx < iceberg_schema.fields.size(); ++column_idx) {
    RETURN_IF_ERROR(AddMetrics(iceberg_schema.fields[column_idx], columns.batches[column_idx],
                               full_bounds, &file));
  }
  Status put = store.Put(key, sink.data());
  if (!put.ok()) return put.WithContext(fmt::format("flush: writing '{}'", key));
  return file;
}

ColdFileInfo MakeInfo(const TableLayout& layout, const iceberg::DataFile& file,
                      const std::string& key, const std::string& type, int32_t day,
                      const FileColumns& columns) {
  ColdFileInfo info;
  info.kind = layout.kind;
  info.file_path = file.file_path;
  info.key = key;
  info.type = type;
  info.day = day;
  info.row_count = columns.rows;
  info.file_size = file.file_size_in_bytes;
  const auto& ids = columns.batches[0].strings;
  parquet::BloomFilter bloom(parquet::BloomFilter::OptimalBytes(ids.size(), 0.01, 1 << 20));
  for (size_t row = 0; row < ids.size(); ++row) {
    if (row == 0 || ids[row] < info.min_id) info.min_id = std::string(ids[row]);
    if (row == 0 || ids[row] > info.max_id) info.max_id = std::string(ids[row]);
    bloom.InsertHash(parquet::BloomFilter::Hash(ids[row]));
  }
  info.id_bloom = bloom.bytes();
  size_t created_col = layout.kind == TableKind::kThings ? 4 : 5;
  size_t updated_col = 5;  // things: updated_at; relationships: created_at
  const auto& created = columns.batches[created_col].ints;
  const auto& updated = columns.batches[updated_col].ints;
  auto [cmin, cmax] = std::minmax_element(created.begin(), created.end());
  auto [umin, umax] = std::minmax_element(updated.begin(), updated.end());
  info.min_created_at = *cmin / kMicrosPerMilli;
  info.max_created_at = *cmax / kMicrosPerMilli;
  info.min_updated_at = *umin / kMicrosPerMilli;
  info.max_updated_at = *umax / kMicrosPerMilli;
  for (size_t index_idx = 0; index_idx < layout.indexes.size(); ++index_idx) {
    const parquet::ColumnBatch& batch = columns.batches[6 + index_idx];
    std::pair<IndexValue, IndexValue> bounds;
    for (size_t row = 0; row < batch.size(); ++row) {
      if (batch.IsNull(row)) continue;
      if (layout.indexes[index_idx].kind == IndexKind::kString) {
        std::string v(batch.strings[row]);
        if (std::holds_alternative<std::monostate>(bounds.first) ||
            v < std::get<std::string>(bounds.first))
          bounds.first = v;
        if (std::holds_alternative<std::monostate>(bounds.second) ||
            v > std::get<std::string>(bounds.second))
          bounds.second = v;
      } else {
        double v = batch.doubles[row];
        if (std::isnan(v)) continue;
        if (std::holds_alternative<std::monostate>(bounds.first) ||
            v < std::get<double>(bounds.first))
          bounds.first = v;
        if (std::holds_alternative<std::monostate>(bounds.second) ||
            v > std::get<double>(bounds.second))
          bounds.second = v;
      }
    }
    info.index_bounds.push_back(std::move(bounds));
  }
  return info;
}

Status ValidateFlushId(std::string_view flush_id) {
  bool ok = !flush_id.empty() && flush_id.size() <= 64;
  for (char c : flush_id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-');
  }
  if (!ok) {
    return Status::InvalidArgument(
        fmt::format("flush id '{}': must be 1-64 of [A-Za-z0-9_-]", flush_id));
  }
  return Status::OK();
}

std::string EscapePartitionValue(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == '.' || c == '*';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

using PartitionKey = std::pair<std::string, int32_t>;  // (type, day)

iceberg::PartitionValues PartitionOf(const PartitionKey& key) {
  return {iceberg::Literal::String(key.first), iceberg::Literal::Date(key.second)};
}

// Splits rows of one partition into files by the row and raw-byte limits.
template <typename Row, typename SizeOf>
std::vector<std::vector<const Row*>> SplitFiles(std::vector<const Row*> rows,
                                                const FlushOptions& options, SizeOf size_of) {
  std::vector<std::vector<const Row*>> files(1);
  int64_t bytes = 0;
  for (const Row* row : rows) {
    int64_t row_bytes = size_of(*row);
    if (!files.back().empty() &&
        (static_cast<int64_t>(files.back().size()) >= options.max_rows_per_file ||
         bytes + row_bytes > options.max_file_raw_bytes)) {
      files.emplace_back();
      bytes = 0;
    }
    files.back().push_back(row);
    bytes += row_bytes;
  }
  return files;
}

// The order of rows in a file: things by id (point lookups prune row groups and pages by
// id); relationships by (from_id, id), so a `from_id = / IN` read of the outgoing edges
// prunes by from_id statistics (the id and to_id bloom filters still find the others).
bool RowBefore(const ColdThing* a, const ColdThing* b) { return a->id < b->id; }
bool RowBefore(const ColdRelationship* a, const ColdRelationship* b) {
  return std::tie(a->from_id, a->id) < std::tie(b->from_id, b->id);
}

// Writes the rows of each partition, sorted by RowBefore and split by the file limits, as
// data files named <partition folder>/<flush id>-<n>.parquet (things and relationships alike).
template <typename Row, typename SizeOf, typename ColumnsOf>
Result<WrittenFiles> WritePartitions(ObjectStore& store, const iceberg::TablePaths& paths,
                                     const TableLayout& layout, const FlushOptions& options,
                                     std::map<PartitionKey, std::vector<const Row*>>& partitions,
                                     SizeOf size_of, ColumnsOf columns_of) {
  iceberg::Schema iceberg_schema = IcebergSchema(layout);
  parquet::Schema parquet_schema = ParquetSchema(layout);
  WrittenFiles out;
  for (auto& [partition, members] : partitions) {
    std::stable_sort(members.begin(), members.end(),
                     [](const Row* a, const Row* b) { return RowBefore(a, b); });
    auto files = SplitFiles(std::move(members), options, size_of);
    for (size_t file_idx = 0; file_idx < files.size(); ++file_idx) {
      std::string key = paths.DataFileKey(
          fmt::format("{}/{}-{}.parquet", PartitionFolder(partition.first, partition.second),
                      options.flush_id, file_idx));
      FileColumns columns = columns_of(layout, files[file_idx]);
      ASSIGN_OR_RETURN(iceberg::DataFile file,
                       WriteFile(store, paths, key, iceberg_schema, parquet_schema, options.writer,
                                 columns, iceberg::FileContent::kData));
      file.partition = PartitionOf(partition);
      out.infos.push_back(MakeInfo(layout, file, key, partition.first, partition.second, columns));
      out.files.push_back(std::move(file));
    }
  }
  return out;
}

}  // namespace

int32_t DayOfMillis(int64_t ms) {
  constexpr int64_t kMsPerDay = int64_t{86400} * 1000;
  int64_t day = ms / kMsPerDay;
  if (ms % kMsPerDay < 0) --day;
  return static_cast<int32_t>(day);
}

bool IdBloomMayContain(std::string_view id_bloom, std::string_view id) {
  auto bloom = parquet::BloomFilter::FromBytes(std::string(id_bloom));
  if (!bloom.ok()) return true;
  return bloom->MightContainHash(parquet::BloomFilter::Hash(id));
}

std::string PartitionFolder(std::string_view type, int32_t day) {
  int32_t year = 0;
  uint32_t month = 0, mday = 0;
  iceberg::CivilFromDays(day, year, month, mday);
  return fmt::format("type={}/created_at_day={:04d}-{:02d}-{:02d}", EscapePartitionValue(type),
                     year, month, mday);
}

parquet::WriterOptions DefaultColdWriterOptions() {
  parquet::WriterOptions options;
  options.codec = parquet::Codec::kZstd;
  options.row_group_bytes = int64_t{64} << 20;
  options.row_group_row_limit = 64 * 1024;
  options.page_row_limit = 4096;
  options.bloom_filter_fpp = 0.01;
  options.created_by = "thingsdb version 0.1.0";
  return options;
}

Result<FlushWriter> FlushWriter::Make(ObjectStore& store, iceberg::TablePaths paths,
                                      TableLayout layout, FlushOptions options) {
  RETURN_IF_ERROR(ValidateFlushId(options.flush_id));
  RETURN_IF_ERROR(ValidateLayout(layout));
  if (options.max_rows_per_file <= 0 || options.max_file_raw_bytes <= 0) {
    return Status::InvalidArgument("flush options: file limits must be positive");
  }
  return FlushWriter(store, std::move(paths), std::move(layout), std::move(options));
}

Result<WrittenFiles> FlushWriter::WriteThings(const std::vector<ColdThing>& rows) const {
  if (layout_.kind != TableKind::kThings) {
    return Status::InvalidArgument("flush: things written to the relationships table");
  }
  std::map<PartitionKey, std::vector<const ColdThing*>> partitions;
  for (const auto& row : rows) {
    partitions[{row.type, DayOfMillis(row.created_at)}].push_back(&row);
  }
  return WritePartitions<ColdThing>(
      *store_, paths_, layout_, options_, partitions,
      [](const ColdThing& t) {
        return static_cast<int64_t>(t.id.size() + t.type.size() + t.data.size() + 16 +
                                    (t.embedding ? t.embedding->size() * 4 : 0));
      },
      ThingColumns);
}

Result<WrittenFiles> FlushWriter::WriteRelationships(
    const std::vector<ColdRelationship>& rows) const {
  if (layout_.kind != TableKind::kRelationships) {
    return Status::InvalidArgument("flush: relationships written to the things table");
  }
  std::map<PartitionKey, std::vector<const ColdRelationship*>> partitions;
  for (const auto& row : rows) {
    partitions[{row.type, DayOfMillis(row.created_at)}].push_back(&row);
  }
  return WritePartitions<ColdRelationship>(
      *store_, paths_, layout_, options_, partitions,
      [](const ColdRelationship& r) {
        return static_cast<int64_t>(r.id.size() + r.from_id.size() + r.to_id.size() +
                                    r.type.size() + (r.data ? r.data->size() : 0) + 8);
      },
      RelationshipColumns);
}

Result<WrittenFiles> FlushWriter::WritePositionDeletes(
    const std::vector<PositionDelete>& deletes) const {
  std::map<PartitionKey, std::vector<RowLocation>> partitions;
  for (const auto& del : deletes) {
    if (del.location.position < 0 || del.location.file_path.empty()) {
      return Status::InvalidArgument(fmt::format("position delete '{}'@{}: bad location",
                                                 del.location.file_path, del.location.position));
    }
    partitions[{del.type, DayOfMillis(del.created_at)}].push_back(del.location);
  }
  iceberg::Schema iceberg_schema = PositionDeleteIcebergSchema();
  parquet::Schema parquet_schema = PositionDeleteParquetSchema();
  WrittenFiles out;
  for (auto& [partition, locations] : partitions) {
    std::sort(locations.begin(), locations.end());
    locations.erase(std::unique(locations.begin(), locations.end()), locations.end());
    FileColumns columns;
    columns.rows = static_cast<int64_t>(locations.size());
    columns.batches = {MakeBatch(parquet::Type::kByteArray, locations.size()),
                       MakeBatch(parquet::Type::kInt64, locations.size())};
    for (const auto& location : locations) {
      columns.batches[0].strings.push_back(location.file_path);
      columns.batches[1].ints.push_back(location.position);
    }
    std::string key = paths_.DataFileKey(
        fmt::format("{}/{}-deletes-0.parquet", PartitionFolder(partition.first, partition.second),
                    options_.flush_id));
    ASSIGN_OR_RETURN(iceberg::DataFile file,
                     WriteFile(*store_, paths_, key, iceberg_schema, parquet_schema,
                               options_.writer, columns, iceberg::FileContent::kPositionDeletes));
    file.partition = PartitionOf(partition);
    out.files.push_back(std::move(file));
  }
  return out;
}

Result<iceberg::Snapshot> CommitFlush(iceberg::Table& table, const std::string& flush_id,
                                      const WrittenFiles& data, const WrittenFiles& deletes,
                                      std::map<std::string, std::string> summary,
                                      int64_t timestamp_ms) {
  RETURN_IF_ERROR(ValidateFlushId(flush_id));
  if (data.files.empty() && deletes.files.empty()) {
    return Status::InvalidArgument(fmt::format("flush '{}': nothing to commit to '{}'", flush_id,
                                               table.paths().key_prefix()));
  }
  iceberg::ChangeSet changes;
  changes.added_data_files = data.files;
  changes.added_delete_files = deletes.files;
  iceberg::CommitOptions options;
  options.commit_token = flush_id;
  options.summary = std::move(summary);
  options.summary["thingsdb.flush-id"] = flush_id;
  options.timestamp_ms = timestamp_ms;
  auto snapshot = table.Commit(changes, options);
  if (!snapshot.ok()) {
    return snapshot.status().WithContext(
        fmt::format("flush '{}': committing table '{}'", flush_id, table.paths().key_prefix()));
  }
  return snapshot;
}

}  // namespace thingsdb::cold
