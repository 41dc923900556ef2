#include "cold/table_rows.h"

#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "cold/object_source.h"
#include "core/json.h"
#include "iceberg/manifest.h"
#include "parquet/file_reader.h"

namespace thingsdb::cold {
namespace {

using iceberg::TypeId;

// Days since 1970-01-01 → "YYYY-MM-DD" (proleptic Gregorian; H. Hinnant's civil_from_days).
std::string DateString(int64_t days) {
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t year = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t day = doy - (153 * mp + 2) / 5 + 1;
  int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return fmt::format("{:04d}-{:02d}-{:02d}", year + (month <= 2), month, day);
}

void AppendValue(std::string& out, const parquet::ColumnBatch& batch, size_t row, TypeId type) {
  if (batch.IsNull(row)) {
    out += "null";
    return;
  }
  if (batch.IsIntegral()) {
    int64_t v = batch.ints[row];
    if (type == TypeId::kBoolean) {
      out += v ? "true" : "false";
    } else if (type == TypeId::kDate) {
      AppendJsonString(out, DateString(v));
    } else {
      fmt::format_to(std::back_inserter(out), "{}", v);
    }
  } else if (batch.IsFloating()) {
    double v = batch.doubles[row];
    if (!std::isfinite(v)) {
      AppendJsonString(out, std::isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"));
    } else {
      char buf[32];
      auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);
      out.append(buf, ptr);
    }
  } else if (type == TypeId::kString) {
    AppendJsonString(out, batch.strings[row]);
  } else {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    for (unsigned char c : batch.strings[row]) {
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
    out.push_back('"');
  }
}

void AppendLiteral(std::string& out, const iceberg::Literal& literal) {
  switch (literal.type) {
    case TypeId::kBoolean: out += literal.boolean ? "true" : "false"; break;
    case TypeId::kDate: AppendJsonString(out, DateString(literal.integer)); break;
    case TypeId::kFloat:
    case TypeId::kDouble: fmt::format_to(std::back_inserter(out), "{}", literal.real); break;
    case TypeId::kString: AppendJsonString(out, literal.bytes); break;
    case TypeId::kInt:
    case TypeId::kLong:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz: fmt::format_to(std::back_inserter(out), "{}", literal.integer); break;
    default: {
      parquet::ColumnBatch bytes;
      bytes.type = parquet::Type::kByteArray;
      bytes.strings.push_back(literal.bytes);
      AppendValue(out, bytes, 0, TypeId::kBinary);
    }
  }
}

// A column absent from a data file that is the source of an identity partition field takes
// the file's partition value (spec "Column Projection"); else it is null.
void AppendMissingColumn(std::string& out, const iceberg::TableMetadata& metadata,
                         const iceberg::DataFile& file, int32_t field_id) {
  if (const iceberg::PartitionSpec* spec = metadata.SpecById(file.spec_id)) {
    for (size_t idx = 0; idx < spec->fields.size() && idx < file.partition.size(); ++idx) {
      const auto& field = spec->fields[idx];
      if (field.source_id == field_id && field.transform.kind == iceberg::TransformKind::kIdentity &&
          file.partition[idx]) {
        AppendLiteral(out, *file.partition[idx]);
        return;
      }
    }
  }
  out += "null";
}

// One Parquet data or delete file, read whole, with each column matched to a field of the
// table schema by field id (else by name).
struct FileRows {
  std::vector<const iceberg::NestedField*> fields;  // per Parquet column; null: not in schema
  std::vector<parquet::RowGroupBatch> groups;
};

Result<FileRows> ReadFile(ObjectStore& store, const iceberg::Table& table,
                          const iceberg::DataFile& file, const iceberg::Schema& schema) {
  ASSIGN_OR_RETURN(std::string key, table.paths().ToKey(file.file_path));
  // The object's own size (a Head), not the manifest's: files copied between stores are
  // not always the size their manifest recorded.
  ObjectSource source(store, key);
  ASSIGN_OR_RETURN(auto reader, parquet::FileReader::Open(&source));
  FileRows rows;
  std::vector<int> columns;
  for (size_t col = 0; col < reader->schema().columns.size(); ++col) {
    const auto& spec = reader->schema().columns[col];
    const iceberg::NestedField* field =
        spec.field_id >= 0 ? schema.FindField(spec.field_id) : schema.FindField(spec.name);
    rows.fields.push_back(field);
    columns.push_back(static_cast<int>(col));
  }
  for (int group = 0; group < reader->num_row_groups(); ++group) {
    ASSIGN_OR_RETURN(parquet::RowGroupBatch batch, reader->ReadRowGroup(group, columns));
    rows.groups.push_back(std::move(batch));
  }
  return rows;
}

// Positions deleted from `data_path` by the position-delete files of a task.
Result<std::unordered_set<int64_t>> DeletedPositions(ObjectStore& store, const iceberg::Table& table,
                                                     const iceberg::FileScanTask& task,
                                                     TableRowsStats* stats) {
  std::unordered_set<int64_t> deleted;
  for (const auto& del : task.deletes) {
    if (del.file.content != iceberg::FileContent::kPositionDeletes) continue;
    ASSIGN_OR_RETURN(std::string key, table.paths().ToKey(del.file.file_path));
    ObjectSource source(store, key);
    ASSIGN_OR_RETURN(auto reader, parquet::FileReader::Open(&source));
    int path_col = -1, pos_col = -1;
    for (size_t col = 0; col < reader->schema().columns.size(); ++col) {
      const auto& spec = reader->schema().columns[col];
      if (spec.field_id == iceberg::kDeleteFilePathFieldId || spec.name == "file_path") path_col = col;
      if (spec.field_id == iceberg::kDeletePosFieldId || spec.name == "pos") pos_col = col;
    }
    if (path_col < 0 || pos_col < 0) {
      return Status::Corruption(fmt::format(
          "position delete file '{}' lacks a file_path or pos column", del.file.file_path));
    }
    if (stats) ++stats->delete_files;
    for (int group = 0; group < reader->num_row_groups(); ++group) {
      ASSIGN_OR_RETURN(auto batch, reader->ReadRowGroup(group, {path_col, pos_col}));
      for (int64_t row = 0; row < batch.num_rows; ++row) {
        if (batch.batches[0].strings[row] == task.data.file.file_path) {
          deleted.insert(batch.batches[1].ints[row]);
        }
      }
    }
  }
  return deleted;
}

std::string EqualityKey(const FileRows& rows, const parquet::RowGroupBatch& group, int64_t row,
                        const std::vector<int32_t>& ids) {
  std::string key;
  for (int32_t id : ids) {
    key += '|';
    for (size_t col = 0; col < rows.fields.size(); ++col) {
      if (rows.fields[col] && rows.fields[col]->id == id) {
        AppendValue(key, group.batches[col], row, rows.fields[col]->type->id);
      }
    }
  }
  return key;
}

// Equality-delete keys per list of field ids, from the equality-delete files of a task.
Result<std::map<std::vector<int32_t>, std::set<std::string>>> EqualityDeletes(
    ObjectStore& store, const iceberg::Table& table, const iceberg::FileScanTask& task,
    const iceberg::Schema& schema, TableRowsStats* stats) {
  std::map<std::vector<int32_t>, std::set<std::string>> keys;
  for (const auto& del : task.deletes) {
    if (del.file.content != iceberg::FileContent::kEqualityDeletes) continue;
    if (del.file.equality_ids.empty()) {
      return Status::Corruption(
          fmt::format("equality delete file '{}' has no equality_ids", del.file.file_path));
    }
    if (stats) ++stats->delete_files;
    ASSIGN_OR_RETURN(FileRows rows, ReadFile(store, table, del.file, schema));
    auto& set = keys[del.file.equality_ids];
    for (const auto& group : rows.groups) {
      for (int64_t row = 0; row < group.num_rows; ++row) {
        set.insert(EqualityKey(rows, group, row, del.file.equality_ids));
      }
    }
  }
  return keys;
}

}  // namespace

Status ForEachTableRow(const iceberg::Table& table, const iceberg::ScanOptions& scan,
                       const std::function<bool(const std::string&)>& visit,
                       TableRowsStats* stats) {
  ASSIGN_OR_RETURN(iceberg::ScanPlan plan, table.Scan(scan));
  const iceberg::Schema* schema = table.metadata().SchemaById(plan.schema_id);
  if (!schema) schema = table.metadata().CurrentSchema();
  if (!schema) return Status::Corruption("table metadata has no schema");
  ObjectStore& store = table.store();
  std::string line;
  for (const auto& task : plan.tasks) {
    if (stats) ++stats->data_files;
    ASSIGN_OR_RETURN(auto deleted, DeletedPositions(store, table, task, stats));
    ASSIGN_OR_RETURN(auto equality, EqualityDeletes(store, table, task, *schema, stats));
    ASSIGN_OR_RETURN(FileRows rows, ReadFile(store, table, task.data.file, *schema));
    int64_t position = 0;
    for (const auto& group : rows.groups) {
      for (int64_t row = 0; row < group.num_rows; ++row, ++position) {
        bool gone = deleted.count(position) > 0;
        for (const auto& [ids, set] : equality) {
          if (!gone && set.count(EqualityKey(rows, group, row, ids))) gone = true;
        }
        if (gone) {
          if (stats) ++stats->rows_deleted;
          continue;
        }
        line = "{";
        bool first = true;
        for (const auto& field : schema->fields) {  // schema order, missing columns as null
          if (!first) line += ",";
          first = false;
          AppendJsonString(line, field.name);
          line += ":";
          bool found = false;
          for (size_t col = 0; col < rows.fields.size() && !found; ++col) {
            if (rows.fields[col] == &field) {
              AppendValue(line, group.batches[col], row, field.type->id);
              found = true;
            }
          }
          if (!found) AppendMissingColumn(line, table.metadata(), task.data.file, field.id);
        }
        line += "}";
        if (!visit(line)) return Status::OK();
      }
    }
  }
  return Status::OK();
}

}  // namespace thingsdb::cold
