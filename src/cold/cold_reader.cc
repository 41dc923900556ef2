#include "cold/cold_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "cold/object_source.h"
#include "iceberg/scan.h"
#include "parquet/file_reader.h"

namespace thingsdb::cold {
namespace {

constexpr int64_t kMicrosPerMilli = 1000;

bool IsTimestamp(const iceberg::NestedField& field) {
  return field.type->id == iceberg::TypeId::kTimestampTz ||
         field.type->id == iceberg::TypeId::kTimestamp;
}

parquet::Type ParquetTypeOf(const iceberg::NestedField& field) {
  switch (field.type->id) {
    case iceberg::TypeId::kDouble:
      return parquet::Type::kDouble;
    case iceberg::TypeId::kFloat:
      return parquet::Type::kFloat;
    case iceberg::TypeId::kBoolean:
      return parquet::Type::kBoolean;
    case iceberg::TypeId::kInt:
    case iceberg::TypeId::kDate:
      return parquet::Type::kInt32;
    case iceberg::TypeId::kLong:
    case iceberg::TypeId::kTime:
    case iceberg::TypeId::kTimestamp:
    case iceberg::TypeId::kTimestampTz:
      return parquet::Type::kInt64;
    default:
      return parquet::Type::kByteArray;
  }
}

// A predicate value in the file's units (timestamps ms → µs), checked against the column.
Result<parquet::Value> FileValue(const iceberg::NestedField& field, const parquet::Value& value) {
  auto mismatch = [&] {
    return Status::InvalidArgument(fmt::format("cold predicate on '{}': a {} value does not fit",
                                               field.name, field.type->ToString()));
  };
  if (IsTimestamp(field)) {
    if (value.kind != parquet::Value::Kind::kInt) return mismatch();
    return parquet::Value::Int(value.i * kMicrosPerMilli);
  }
  switch (field.type->id) {
    case iceberg::TypeId::kString:
      if (value.kind != parquet::Value::Kind::kString) return mismatch();
      return value;
    case iceberg::TypeId::kDouble:
      if (value.kind == parquet::Value::Kind::kInt) return parquet::Value::Double(value.i);
      if (value.kind != parquet::Value::Kind::kDouble) return mismatch();
      return value;
    case iceberg::TypeId::kLong:
      if (value.kind != parquet::Value::Kind::kInt) return mismatch();
      return value;
    default:
      return Status::InvalidArgument(
          fmt::format("cold predicate on '{}': {} columns cannot be filtered", field.name,
                      field.type->ToString()));
  }
}

iceberg::Literal ToLiteral(const iceberg::NestedField& field, const parquet::Value& file_value) {
  if (IsTimestamp(field)) {
    return iceberg::Literal::Timestamp(file_value.i,
                                       field.type->id == iceberg::TypeId::kTimestampTz);
  }
  switch (field.type->id) {
    case iceberg::TypeId::kString:
      return iceberg::Literal::String(file_value.s);
    case iceberg::TypeId::kDouble:
      return iceberg::Literal::Double(file_value.d);
    default:
      return iceberg::Literal::Long(file_value.i);
  }
}

int CompareValues(const parquet::Value& a, const parquet::Value& b) {
  if (a.kind == parquet::Value::Kind::kString) return a.s.compare(b.s);
  double x = a.kind == parquet::Value::Kind::kInt ? static_cast<double>(a.i) : a.d;
  double y = b.kind == parquet::Value::Kind::kInt ? static_cast<double>(b.i) : b.d;
  if (a.kind == parquet::Value::Kind::kInt && b.kind == parquet::Value::Kind::kInt) {
    return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

// Parquet predicates (file units) plus the Iceberg filter that prunes files by them.
struct PlannedFilter {
  std::vector<parquet::Predicate> file_predicates;
  std::vector<iceberg::Predicate> table_filter;
};

Result<PlannedFilter> PlanFilter(const iceberg::Schema& schema,
                                 const std::vector<ColdPredicate>& filter) {
  PlannedFilter out;
  for (const auto& predicate : filter) {
    const iceberg::NestedField* field = schema.FindField(predicate.column);
    if (field == nullptr) {
      return Status::InvalidArgument(
          fmt::format("cold predicate: no column '{}' in the table", predicate.column));
    }
    parquet::Predicate file_predicate{predicate.column, predicate.op, {}};
    size_t want = predicate.op == parquet::CompareOp::kIsNull ? 0
                  : predicate.op == parquet::CompareOp::kIn   ? predicate.values.size()
                                                              : 1;
    if (predicate.values.size() != want || (predicate.op == parquet::CompareOp::kIn && want == 0)) {
      return Status::InvalidArgument(
          fmt::format("cold predicate on '{}': wrong number of values", predicate.column));
    }
    for (const auto& value : predicate.values) {
      ASSIGN_OR_RETURN(parquet::Value file_value, FileValue(*field, value));
      file_predicate.values.push_back(std::move(file_value));
    }
    const auto& values = file_predicate.values;
    auto add = [&](iceberg::CompareOp op, const parquet::Value& value) {
      out.table_filter.push_back(
          iceberg::Predicate{predicate.column, op, ToLiteral(*field, value)});
    };
    switch (predicate.op) {
      case parquet::CompareOp::kEq:
        add(iceberg::CompareOp::kEq, values[0]);
        break;
      case parquet::CompareOp::kLt:
        add(iceberg::CompareOp::kLt, values[0]);
        break;
      case parquet::CompareOp::kLe:
        add(iceberg::CompareOp::kLe, values[0]);
        break;
      case parquet::CompareOp::kGt:
        add(iceberg::CompareOp::kGt, values[0]);
        break;
      case parquet::CompareOp::kGe:
        add(iceberg::CompareOp::kGe, values[0]);
        break;
      case parquet::CompareOp::kIn: {
        auto [low, high] = std::minmax_element(
            values.begin(), values.end(),
            [](const auto& a, const auto& b) { return CompareValues(a, b) < 0; });
        add(iceberg::CompareOp::kGe, *low);
        add(iceberg::CompareOp::kLe, *high);
        break;
      }
      case parquet::CompareOp::kIsNull:
        break;
    }
    out.file_predicates.push_back(std::move(file_predicate));
  }
  return out;
}

// A batch of `rows` nulls for a column an older file lacks.
parquet::ColumnBatch NullBatch(parquet::Type type, int64_t rows) {
  parquet::ColumnBatch batch;
  batch.type = type;
  if (batch.IsIntegral()) {
    batch.ints.assign(rows, 0);
  } else if (batch.IsFloating()) {
    batch.doubles.assign(rows, 0);
  } else {
    batch.strings.assign(rows, std::string_view());
  }
  batch.validity.assign(rows, 0);
  return batch;
}

std::string StringAt(const parquet::ColumnBatch& batch, size_t row) {
  return std::string(batch.strings[row]);
}

}  // namespace

int ColdBatch::ColumnIndex(std::string_view name) const {
  for (size_t column_idx = 0; column_idx < column_names.size(); ++column_idx) {
    if (column_names[column_idx] == name) return static_cast<int>(column_idx);
  }
  return -1;
}

Status ColdReader::Scan(const ScanRequest& request,
                        const std::function<Status(const ColdBatch&)>& sink) {
  const iceberg::Schema* schema = table_.metadata().CurrentSchema();
  if (schema == nullptr) {
    return Status::Corruption(
        fmt::format("cold table '{}': no current schema", table_.paths().key_prefix()));
  }
  std::vector<std::string> columns = request.columns;
  if (columns.empty()) {
    for (const auto& field : schema->fields) columns.push_back(field.name);
  }
  for (const auto& column : columns) {
    if (schema->FindField(column) == nullptr) {
      return Status::InvalidArgument(
          fmt::format("cold table '{}': no column '{}'", table_.paths().key_prefix(), column));
    }
  }
  ASSIGN_OR_RETURN(PlannedFilter filter, PlanFilter(*schema, request.filter));
  skip_if_missing_.clear();
  for (const auto& predicate : request.filter) {
    skip_if_missing_.push_back(predicate.skip_if_column_missing);
  }
  iceberg::ScanOptions options;
  options.snapshot_id = request.snapshot_id;
  options.as_of_timestamp_ms = request.as_of_timestamp_ms;
  options.filter = filter.table_filter;
  options.manifest_cache = manifest_cache_;
  options.use_manifest_cache = manifest_cache_ != nullptr;
  ASSIGN_OR_RETURN(iceberg::ScanPlan plan, table_.Scan(options));
  counters_.manifest_cache_hits += plan.manifest_cache_hits;
  counters_.manifest_cache_misses += plan.manifest_cache_misses;
  counters_.files_planned += static_cast<int64_t>(plan.tasks.size());
  counters_.files_pruned_by_plan += plan.files_pruned;
  delete_cache_.clear();
  for (const auto& task : plan.tasks) {
    Status status = ScanFile(task, columns, filter.file_predicates, sink);
    if (!status.ok()) {
      delete_cache_.clear();
      return status;
    }
  }
  delete_cache_.clear();
  return Status::OK();
}

Status ColdReader::ScanFile(const iceberg::FileScanTask& task,
                            const std::vector<std::string>& columns,
                            const std::vector<parquet::Predicate>& predicates,
                            const std::function<Status(const ColdBatch&)>& sink) {
  const iceberg::DataFile& data_file = task.data.file;
  ASSIGN_OR_RETURN(std::string key, table_.paths().ToKey(data_file.file_path));
  ObjectSource source(table_.store(), key,
                      data_file.file_size_in_bytes > 0
                          ? std::optional<uint64_t>(data_file.file_size_in_bytes)
                          : std::nullopt);
  // Footers are cached by (store, table, key, size): only when the manifest gave the size.
  std::string cache_key;
  std::shared_ptr<const parquet::DecodedFooter> footer;
  if (file_cache_ != nullptr && data_file.file_size_in_bytes > 0) {
    cache_key = ColdFileCache::FileKey(table_, key, data_file.file_size_in_bytes);
    footer = file_cache_->LookupFooter(cache_key);
    ++(footer != nullptr ? counters_.footer_cache_hits : counters_.footer_cache_misses);
  }
  auto opened = footer != nullptr ? parquet::FileReader::Open(&source, footer)
                                  : parquet::FileReader::Open(&source);
  if (opened.ok() && footer == nullptr && !cache_key.empty()) {
    file_cache_->InsertFooter(cache_key, (*opened)->footer());
  }
  Status status =
      opened.ok() ? ScanOpenFile(task, **opened, columns, predicates, sink) : opened.status();
  counters_.object_requests += source.requests();
  counters_.bytes_read += source.bytes_read();
  if (opened.ok()) {
    counters_.pages_read += (*opened)->counters().pages_read;
    counters_.pages_skipped += (*opened)->counters().pages_skipped;
  }
  if (!status.ok() && status.message().find(data_file.file_path) == std::string::npos) {
    return status.WithContext(fmt::format("cold data file '{}'", data_file.file_path));
  }
  return status;
}

Status ColdReader::ScanOpenFile(const iceberg::FileScanTask& task, parquet::FileReader& reader,
                                const std::vector<std::string>& columns,
                                const std::vector<parquet::Predicate>& predicates,
                                const std::function<Status(const ColdBatch&)>& sink) {
  const parquet::Schema& file_schema = reader.schema();
  // Predicates on a column the file lacks (an index added later): the column is all null.
  // A hint predicate (skip_if_column_missing) is dropped for such a file instead.
  FileScan scan;
  for (size_t pred_idx = 0; pred_idx < predicates.size(); ++pred_idx) {
    const auto& predicate = predicates[pred_idx];
    if (file_schema.Find(predicate.column) >= 0) {
      scan.predicates.push_back(predicate);
    } else if (pred_idx < skip_if_missing_.size() && skip_if_missing_[pred_idx]) {
      continue;
    } else if (predicate.op != parquet::CompareOp::kIsNull) {
      ++counters_.files_skipped;
      counters_.row_groups_skipped += reader.num_row_groups();
      return Status::OK();
    }
  }
  ASSIGN_OR_RETURN(std::vector<int> kept, reader.PruneRowGroups(scan.predicates));
  counters_.row_groups_skipped += reader.num_row_groups() - static_cast<int64_t>(kept.size());
  if (kept.empty()) {
    ++counters_.files_skipped;
    return Status::OK();
  }
  ++counters_.files_read;
  ASSIGN_OR_RETURN(scan.deleted, DeletedPositions(task));

  // Decode the requested columns the file has, plus the predicate columns.
  auto decode_slot = [&](const std::string& name) -> int {
    int schema_idx = file_schema.Find(name);
    if (schema_idx < 0) return -1;
    auto it = std::find(scan.decode.begin(), scan.decode.end(), schema_idx);
    if (it != scan.decode.end()) return static_cast<int>(it - scan.decode.begin());
    scan.decode.push_back(schema_idx);
    return static_cast<int>(scan.decode.size() - 1);
  };
  for (const auto& name : columns) scan.column_slots.push_back(decode_slot(name));
  for (const auto& predicate : scan.predicates) {
    scan.predicate_slots.push_back(decode_slot(predicate.column));
  }
  int64_t group_start = 0;
  int next_group = 0;
  for (int group : kept) {
    for (; next_group < group; ++next_group) {
      group_start += reader.metadata().row_groups[next_group].num_rows;
    }
    RETURN_IF_ERROR(ScanRowGroup(task, reader, scan, group, group_start, columns, sink));
  }
  return Status::OK();
}

Status ColdReader::ScanRowGroup(const iceberg::FileScanTask& task, parquet::FileReader& reader,
                                const FileScan& scan, int group, int64_t group_start,
                                const std::vector<std::string>& columns,
                                const std::function<Status(const ColdBatch&)>& sink) {
  ASSIGN_OR_RETURN(parquet::RowGroupBatch batch,
                   reader.ReadRowGroup(group, scan.decode, scan.predicates));
  ++counters_.row_groups_read;
  const parquet::Schema& file_schema = reader.schema();
  ColdBatch out;
  out.file = &task.data.file;
  for (int64_t row = 0; row < batch.num_rows; ++row) {
    int64_t position = group_start + (batch.row_numbers.empty() ? row : batch.row_numbers[row]);
    if (std::binary_search(scan.deleted.begin(), scan.deleted.end(), position)) {
      ++counters_.rows_deleted;
      continue;
    }
    bool match = true;
    for (size_t pred_idx = 0; pred_idx < scan.predicates.size() && match; ++pred_idx) {
      int slot = scan.predicate_slots[pred_idx];
      match = parquet::RowMatches(scan.predicates[pred_idx], file_schema.columns[scan.decode[slot]],
                                  batch.batches[slot], static_cast<size_t>(row));
    }
    if (!match) continue;
    out.rows.push_back(static_cast<size_t>(row));
    out.positions.push_back(position);
  }
  if (out.rows.empty()) return Status::OK();
  const iceberg::Schema* table_schema = table_.metadata().CurrentSchema();
  out.column_names = columns;
  for (size_t column_idx = 0; column_idx < columns.size(); ++column_idx) {
    int slot = scan.column_slots[column_idx];
    if (slot >= 0) {
      out.columns.push_back(batch.batches[slot]);
    } else {
      out.columns.push_back(
          NullBatch(ParquetTypeOf(*table_schema->FindField(columns[column_idx])), batch.num_rows));
    }
  }
  counters_.rows_returned += static_cast<int64_t>(out.rows.size());
  return sink(out);
}

Result<std::vector<int64_t>> ColdReader::DeletedPositions(const iceberg::FileScanTask& task) {
  std::vector<int64_t> positions;
  for (const auto& del : task.deletes) {
    if (del.file.content != iceberg::FileContent::kPositionDeletes) {
      return Status::NotSupported(fmt::format(
          "cold data file '{}': equality delete file '{}' (thingsdb writes position deletes only)",
          task.data.file.file_path, del.file.file_path));
    }
    ASSIGN_OR_RETURN(auto entries, LoadDeleteFile(del));
    auto first = std::lower_bound(entries->begin(), entries->end(), task.data.file.file_path,
                                  [](const std::pair<std::string, int64_t>& entry,
                                     const std::string& path) { return entry.first < path; });
    for (auto it = first; it != entries->end() && it->first == task.data.file.file_path; ++it) {
      positions.push_back(it->second);
    }
  }
  std::sort(positions.begin(), positions.end());
  return positions;
}

Result<std::shared_ptr<const ColdFileCache::DeleteEntries>> ColdReader::LoadDeleteFile(
    const iceberg::ScanFile& file) {
  auto cached = delete_cache_.find(file.file.file_path);
  if (cached != delete_cache_.end()) return cached->second;
  ASSIGN_OR_RETURN(std::string key, table_.paths().ToKey(file.file.file_path));
  std::string cache_key;
  if (file_cache_ != nullptr && file.file.file_size_in_bytes > 0) {
    cache_key = ColdFileCache::FileKey(table_, key, file.file.file_size_in_bytes);
    if (auto hit = file_cache_->LookupDeletes(cache_key)) {
      ++counters_.delete_cache_hits;
      delete_cache_.emplace(file.file.file_path, hit);
      return hit;
    }
  }
  ObjectSource source(table_.store(), key,
                      file.file.file_size_in_bytes > 0
                          ? std::optional<uint64_t>(file.file.file_size_in_bytes)
                          : std::nullopt);
  auto context = [&](const Status& status) {
    return status.WithContext(fmt::format("position delete file '{}'", file.file.file_path));
  };
  auto opened = parquet::FileReader::Open(&source);
  if (!opened.ok()) return context(opened.status());
  parquet::FileReader& reader = **opened;
  int path_col = reader.schema().Find("file_path");
  int pos_col = reader.schema().Find("pos");
  if (path_col < 0 || pos_col < 0) {
    return context(Status::Corruption("no file_path/pos columns"));
  }
  ColdFileCache::DeleteEntries entries;
  for (int group = 0; group < reader.num_row_groups(); ++group) {
    auto read = reader.ReadRowGroup(group, {path_col, pos_col});
    if (!read.ok()) return context(read.status());
    const auto& paths = read->batches[0];
    const auto& positions = read->batches[1];
    if (!paths.IsIntegral() && positions.IsIntegral()) {
      for (int64_t row = 0; row < read->num_rows; ++row) {
        entries.emplace_back(StringAt(paths, row), positions.ints[row]);
      }
    } else {
      return context(Status::Corruption("file_path must be a string and pos a long"));
    }
  }
  std::sort(entries.begin(), entries.end());
  ++counters_.delete_files_read;
  counters_.object_requests += source.requests();
  counters_.bytes_read += source.bytes_read();
  auto shared = std::make_shared<const ColdFileCache::DeleteEntries>(std::move(entries));
  if (!cache_key.empty()) file_cache_->InsertDeletes(cache_key, shared);
  delete_cache_.emplace(file.file.file_path, shared);
  return shared;
}

Result<std::vector<LocatedThing>> ColdReader::ReadThings(const ScanRequest& request) {
  if (layout_.kind != TableKind::kThings) {
    return Status::InvalidArgument("ReadThings on the relationships table");
  }
  std::vector<LocatedThing> out;
  RETURN_IF_ERROR(Scan(request, [&](const ColdBatch& batch) {
    int id = batch.ColumnIndex(kIdColumn), type = batch.ColumnIndex(kTypeColumn);
    int data = batch.ColumnIndex(kDataColumn), embedding = batch.ColumnIndex(kEmbeddingColumn);
    int created = batch.ColumnIndex(kCreatedAtColumn),
        updated = batch.ColumnIndex(kUpdatedAtColumn);
    std::vector<int> indexes;
    for (const auto& index : layout_.indexes)
      indexes.push_back(batch.ColumnIndex(index.ColumnName()));
    for (size_t sel = 0; sel < batch.rows.size(); ++sel) {
      size_t row = batch.rows[sel];
      LocatedThing located;
      ColdThing& thing = located.thing;
      if (id >= 0) thing.id = StringAt(batch.columns[id], row);
      if (type >= 0) thing.type = StringAt(batch.columns[type], row);
      if (data >= 0) thing.data = StringAt(batch.columns[data], row);
      if (embedding >= 0 && !batch.columns[embedding].IsNull(row)) {
        thing.embedding = DecodeEmbedding(batch.columns[embedding].strings[row]);
        if (!thing.embedding) {
          return Status::Corruption(fmt::format("cold data file '{}' row {}: embedding of {} bytes",
                                                batch.file->file_path, batch.positions[sel],
                                                batch.columns[embedding].strings[row].size()));
        }
      }
      if (created >= 0) thing.created_at = batch.columns[created].ints[row] / kMicrosPerMilli;
      if (updated >= 0) thing.updated_at = batch.columns[updated].ints[row] / kMicrosPerMilli;
      for (size_t index_idx = 0; index_idx < indexes.size(); ++index_idx) {
        IndexValue value;
        int column = indexes[index_idx];
        if (column >= 0 && !batch.columns[column].IsNull(row)) {
          if (layout_.indexes[index_idx].kind == IndexKind::kString) {
            value = StringAt(batch.columns[column], row);
          } else {
            value = batch.columns[column].doubles[row];
          }
        }
        thing.index_values.push_back(std::move(value));
      }
      located.location = RowLocation{batch.file->file_path, batch.positions[sel]};
      out.push_back(std::move(located));
    }
    return Status::OK();
  }));
  return out;
}

Result<std::vector<LocatedRelationship>> ColdReader::ReadRelationships(const ScanRequest& request) {
  if (layout_.kind != TableKind::kRelationships) {
    return Status::InvalidArgument("ReadRelationships on the things table");
  }
  std::vector<LocatedRelationship> out;
  RETURN_IF_ERROR(Scan(request, [&](const ColdBatch& batch) {
    int id = batch.ColumnIndex(kIdColumn), from = batch.ColumnIndex(kFromIdColumn);
    int to = batch.ColumnIndex(kToIdColumn), type = batch.ColumnIndex(kTypeColumn);
    int data = batch.ColumnIndex(kDataColumn), created = batch.ColumnIndex(kCreatedAtColumn);
    for (size_t sel = 0; sel < batch.rows.size(); ++sel) {
      size_t row = batch.rows[sel];
      LocatedRelationship located;
      ColdRelationship& rel = located.relationship;
      if (id >= 0) rel.id = StringAt(batch.columns[id], row);
      if (from >= 0) rel.from_id = StringAt(batch.columns[from], row);
      if (to >= 0) rel.to_id = StringAt(batch.columns[to], row);
      if (type >= 0) rel.type = StringAt(batch.columns[type], row);
      if (data >= 0 && !batch.columns[data].IsNull(row))
        rel.data = StringAt(batch.columns[data], row);
      if (created >= 0) rel.created_at = batch.columns[created].ints[row] / kMicrosPerMilli;
      located.location = RowLocation{batch.file->file_path, batch.positions[sel]};
      out.push_back(std::move(located));
    }
    return Status::OK();
  }));
  return out;
}

Result<std::optional<LocatedThing>> ColdReader::LookupThing(std::string_view id,
                                                            const ScanRequest& at) {
  // What a snapshot holds for an id never changes: a found thing is cached by snapshot (not
  // for reads as of a time, whose snapshot is resolved inside the scan).
  std::optional<int64_t> snapshot =
      at.snapshot_id ? at.snapshot_id
                     : (at.as_of_timestamp_ms ? std::nullopt : table_.metadata().current_snapshot_id);
  std::string key;
  if (file_cache_ != nullptr && snapshot) {
    key = ColdFileCache::ThingKey(table_, layout_, *snapshot, id);
    if (auto hit = file_cache_->LookupThing(key)) {
      ++counters_.things_from_cache;
      return std::optional<LocatedThing>(*hit);
    }
  }
  ScanRequest request;
  request.snapshot_id = at.snapshot_id;
  request.as_of_timestamp_ms = at.as_of_timestamp_ms;
  request.filter = {
      ColdPredicate{kIdColumn, parquet::CompareOp::kEq, {parquet::Value::String(std::string(id))}}};
  ASSIGN_OR_RETURN(std::vector<LocatedThing> found, ReadThings(request));
  if (found.empty()) return std::optional<LocatedThing>();
  if (found.size() > 1) {
    return Status::Corruption(fmt::format("cold table '{}': {} live rows with id '{}'",
                                          table_.paths().key_prefix(), found.size(), id));
  }
  if (!key.empty()) file_cache_->InsertThing(key, std::make_shared<const LocatedThing>(found[0]));
  return std::optional<LocatedThing>(std::move(found[0]));
}

}  // namespace thingsdb::cold
