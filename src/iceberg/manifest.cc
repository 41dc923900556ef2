#include "iceberg/manifest.h"

#include <fmt/format.h>

#include "iceberg/avro_coding.h"
#include "iceberg/avro_reader.h"
#include "iceberg/avro_writer.h"
#include "iceberg/json_serde.h"
#include "iceberg/single_value.h"

namespace thingsdb::iceberg {
namespace {

Json Optional(Json type) { return Json::array({"null", std::move(type)}); }

Json SchemaField(const char* name, Json type, int32_t field_id, bool optional,
                 const char* doc = nullptr) {
  Json field = {{"name", name}, {"type", optional ? Optional(std::move(type)) : std::move(type)}};
  if (doc != nullptr) field["doc"] = doc;
  if (optional) field["default"] = nullptr;
  field["field-id"] = field_id;
  return field;
}

// An Iceberg map<int, V> as Avro: array of key/value records with logicalType "map".
Json IntMap(int32_t key_id, int32_t value_id, const char* value_type) {
  Json record = {
      {"type", "record"},
      {"name", fmt::format("k{}_v{}", key_id, value_id)},
      {"fields",
       Json::array({Json{{"name", "key"}, {"type", "int"}, {"field-id", key_id}},
                    Json{{"name", "value"}, {"type", value_type}, {"field-id", value_id}}})}};
  return Json{{"type", "array"}, {"items", record}, {"logicalType", "map"}};
}

Result<Json> AvroTypeFor(const Type& type) {
  switch (type.id) {
    case TypeId::kBoolean:
      return Json("boolean");
    case TypeId::kInt:
      return Json("int");
    case TypeId::kLong:
      return Json("long");
    case TypeId::kFloat:
      return Json("float");
    case TypeId::kDouble:
      return Json("double");
    case TypeId::kString:
      return Json("string");
    case TypeId::kBinary:
      return Json("bytes");
    case TypeId::kDate:
      return Json{{"type", "int"}, {"logicalType", "date"}};
    case TypeId::kTime:
      return Json{{"type", "long"}, {"logicalType", "time-micros"}};
    case TypeId::kTimestamp:
      return Json{{"type", "long"}, {"logicalType", "timestamp-micros"}, {"adjust-to-utc", false}};
    case TypeId::kTimestampTz:
      return Json{{"type", "long"}, {"logicalType", "timestamp-micros"}, {"adjust-to-utc", true}};
    case TypeId::kDecimal:
      return Json{{"type", "bytes"},
                  {"logicalType", "decimal"},
                  {"precision", type.precision},
                  {"scale", type.scale}};
    default:
      return Status::NotSupported(fmt::format(
          "partition values of type {} are not written (icebird reads no fixed)", type.ToString()));
  }
}

void PutIntLongMap(AvroEncoder& encoder, const std::map<int32_t, int64_t>& map) {
  if (map.empty()) {
    encoder.PutUnionBranch(0);
    return;
  }
  encoder.PutUnionBranch(1);
  encoder.PutArrayStart(static_cast<int64_t>(map.size()));
  for (const auto& [key, value] : map) {
    encoder.PutInt(key);
    encoder.PutLong(value);
  }
  encoder.PutArrayEnd();
}

void PutIntBytesMap(AvroEncoder& encoder, const std::map<int32_t, std::string>& map) {
  if (map.empty()) {
    encoder.PutUnionBranch(0);
    return;
  }
  encoder.PutUnionBranch(1);
  encoder.PutArrayStart(static_cast<int64_t>(map.size()));
  for (const auto& [key, value] : map) {
    encoder.PutInt(key);
    encoder.PutBytes(value);
  }
  encoder.PutArrayEnd();
}

void PutOptionalLong(AvroEncoder& encoder, const std::optional<int64_t>& value) {
  encoder.PutUnionBranch(value ? 1 : 0);
  if (value) encoder.PutLong(*value);
}

Status PutPartitionValue(AvroEncoder& encoder, const std::optional<Literal>& value,
                         const Type& type) {
  if (!value) {
    encoder.PutUnionBranch(0);
    return Status::OK();
  }
  ASSIGN_OR_RETURN(Literal cast, CastLiteral(*value, type));
  encoder.PutUnionBranch(1);
  switch (type.id) {
    case TypeId::kBoolean:
      encoder.PutBoolean(cast.boolean);
      break;
    case TypeId::kInt:
    case TypeId::kDate:
      encoder.PutInt(static_cast<int32_t>(cast.integer));
      break;
    case TypeId::kLong:
    case TypeId::kTime:
    case TypeId::kTimestamp:
    case TypeId::kTimestampTz:
      encoder.PutLong(cast.integer);
      break;
    case TypeId::kFloat:
      encoder.PutFloat(static_cast<float>(cast.real));
      break;
    case TypeId::kDouble:
      encoder.PutDouble(cast.real);
      break;
    default:
      encoder.PutBytes(cast.bytes);
      break;
  }
  return Status::OK();
}

Status EncodeEntry(AvroEncoder& encoder, const ManifestEntry& entry, const Type& partition_type) {
  const DataFile& file = entry.data_file;
  if (file.partition.size() != partition_type.fields.size()) {
    return Status::InvalidArgument(
        fmt::format("data file '{}' has {} partition values, the spec has {}", file.file_path,
                    file.partition.size(), partition_type.fields.size()));
  }
  encoder.PutInt(static_cast<int32_t>(entry.status));
  PutOptionalLong(encoder, entry.snapshot_id);
  PutOptionalLong(encoder, entry.sequence_number);
  PutOptionalLong(encoder, entry.file_sequence_number);
  encoder.PutInt(static_cast<int32_t>(file.content));
  encoder.PutBytes(file.file_path);
  encoder.PutBytes(file.file_format);
  for (size_t field_idx = 0; field_idx < file.partition.size(); ++field_idx) {
    RETURN_IF_ERROR(PutPartitionValue(encoder, file.partition[field_idx],
                                      *partition_type.fields[field_idx].type));
  }
  encoder.PutLong(file.record_count);
  encoder.PutLong(file.file_size_in_bytes);
  PutIntLongMap(encoder, file.column_sizes);
  PutIntLongMap(encoder, file.value_counts);
  PutIntLongMap(encoder, file.null_value_counts);
  PutIntLongMap(encoder, file.nan_value_counts);
  PutIntBytesMap(encoder, file.lower_bounds);
  PutIntBytesMap(encoder, file.upper_bounds);
  encoder.PutUnionBranch(0);  // key_metadata
  if (file.split_offsets.empty()) {
    encoder.PutUnionBranch(0);
  } else {
    encoder.PutUnionBranch(1);
    encoder.PutArrayStart(static_cast<int64_t>(file.split_offsets.size()));
    for (int64_t offset : file.split_offsets) encoder.PutLong(offset);
    encoder.PutArrayEnd();
  }
  if (file.equality_ids.empty()) {
    encoder.PutUnionBranch(0);
  } else {
    encoder.PutUnionBranch(1);
    encoder.PutArrayStart(static_cast<int64_t>(file.equality_ids.size()));
    for (int32_t id : file.equality_ids) encoder.PutInt(id);
    encoder.PutArrayEnd();
  }
  encoder.PutUnionBranch(file.sort_order_id ? 1 : 0);
  if (file.sort_order_id) encoder.PutInt(*file.sort_order_id);
  return Status::OK();
}

// ---- reading ----

Status Bad(const std::string& what, std::string_view reason) {
  return Status::Corruption(fmt::format("{}: {}", what, reason));
}

std::optional<int64_t> OptionalLong(const AvroValue* value) {
  if (value == nullptr || value->is_null()) return std::nullopt;
  return value->integer;
}

// Reads an Iceberg map<int, long|bytes> written as an array of key/value records or an Avro map.
template <typename V>
Status ReadIdMap(const AvroValue* value, std::map<int32_t, V>& out, const std::string& what) {
  if (value == nullptr || value->is_null()) return Status::OK();
  if (value->type != AvroType::kArray)
    return Bad(what, "metrics map is not an array of key/value records");
  for (const auto& item : value->items) {
    const AvroValue* key = item.Field("key");
    const AvroValue* entry = item.Field("value");
    if (key == nullptr || entry == nullptr) return Bad(what, "metrics map entry without key/value");
    if constexpr (std::is_same_v<V, int64_t>) {
      out[static_cast<int32_t>(key->integer)] = entry->integer;
    } else {
      out[static_cast<int32_t>(key->integer)] = entry->bytes;
    }
  }
  return Status::OK();
}

Result<std::optional<Literal>> PartitionValueFromAvro(const AvroValue& value, const Type& type) {
  if (value.is_null()) return std::optional<Literal>();
  Literal out;
  out.type = type.id;
  switch (value.type) {
    case AvroType::kBoolean:
      out.boolean = value.boolean;
      break;
    case AvroType::kInt:
    case AvroType::kLong:
      out.integer = value.integer;
      break;
    case AvroType::kFloat:
    case AvroType::kDouble:
      out.real = value.real;
      break;
    case AvroType::kString:
    case AvroType::kBytes:
    case AvroType::kFixed:
      out.bytes = value.bytes;
      break;
    default:
      return Status::Corruption(
          fmt::format("partition value of Avro type {}", AvroTypeName(value.type)));
  }
  return std::optional<Literal>(std::move(out));
}

Result<ManifestEntry> DecodeEntry(const AvroValue& record, const Type& partition_type,
                                  const std::string& what) {
  ManifestEntry entry;
  const AvroValue* status = record.Field("status");
  const AvroValue* file = record.Field("data_file");
  if (status == nullptr || file == nullptr || file->type != AvroType::kRecord) {
    return Bad(what, "manifest entry without status or data_file");
  }
  if (status->integer < 0 || status->integer > 2)
    return Bad(what, "manifest entry status out of range");
  entry.status = static_cast<EntryStatus>(status->integer);
  entry.snapshot_id = OptionalLong(record.Field("snapshot_id"));
  entry.sequence_number = OptionalLong(record.Field("sequence_number"));
  entry.file_sequence_number = OptionalLong(record.Field("file_sequence_number"));

  DataFile& out = entry.data_file;
  if (const AvroValue* content = file->Field("content")) {
    if (content->integer < 0 || content->integer > 2)
      return Bad(what, "data file content out of range");
    out.content = static_cast<FileContent>(content->integer);
  }
  const AvroValue* path = file->Field("file_path");
  const AvroValue* count = file->Field("record_count");
  const AvroValue* size = file->Field("file_size_in_bytes");
  if (path == nullptr || count == nullptr || size == nullptr) {
    return Bad(what, "data_file without file_path, record_count or file_size_in_bytes");
  }
  out.file_path = path->bytes;
  if (const AvroValue* format = file->Field("file_format")) out.file_format = format->bytes;
  out.record_count = count->integer;
  out.file_size_in_bytes = size->integer;
  const AvroValue* partition = file->Field("partition");
  out.partition.resize(partition_type.fields.size());
  if (partition != nullptr && partition->type == AvroType::kRecord) {
    for (size_t field_idx = 0; field_idx < partition_type.fields.size(); ++field_idx) {
      const NestedField& field = partition_type.fields[field_idx];
      // Match by field id, then by name.
      const AvroValue* value = nullptr;
      for (size_t avro_idx = 0; avro_idx < partition->node->fields.size(); ++avro_idx) {
        if (partition->node->fields[avro_idx].field_id == field.id)
          value = &partition->items[avro_idx];
      }
      if (value == nullptr) value = partition->Field(field.name);
      if (value == nullptr) continue;
      auto literal = PartitionValueFromAvro(*value, *field.type);
      if (!literal.ok()) return literal.status().WithContext(what);
      out.partition[field_idx] = std::move(*literal);
    }
  }
  RETURN_IF_ERROR(ReadIdMap(file->Field("column_sizes"), out.column_sizes, what));
  RETURN_IF_ERROR(ReadIdMap(file->Field("value_counts"), out.value_counts, what));
  RETURN_IF_ERROR(ReadIdMap(file->Field("null_value_counts"), out.null_value_counts, what));
  RETURN_IF_ERROR(ReadIdMap(file->Field("nan_value_counts"), out.nan_value_counts, what));
  RETURN_IF_ERROR(ReadIdMap(file->Field("lower_bounds"), out.lower_bounds, what));
  RETURN_IF_ERROR(ReadIdMap(file->Field("upper_bounds"), out.upper_bounds, what));
  if (const AvroValue* offsets = file->Field("split_offsets"); offsets && !offsets->is_null()) {
    for (const auto& item : offsets->items) out.split_offsets.push_back(item.integer);
  }
  if (const AvroValue* ids = file->Field("equality_ids"); ids && !ids->is_null()) {
    for (const auto& item : ids->items)
      out.equality_ids.push_back(static_cast<int32_t>(item.integer));
  }
  if (const AvroValue* order = file->Field("sort_order_id"); order && !order->is_null()) {
    out.sort_order_id = static_cast<int32_t>(order->integer);
  }
  return entry;
}

}  // namespace

Result<std::string> ManifestEntryAvroSchema(const Type& partition_type) {
  Json partition_fields = Json::array();
  for (const auto& field : partition_type.fields) {
    ASSIGN_OR_RETURN(Json avro_type, AvroTypeFor(*field.type));
    partition_fields.push_back(
        SchemaField(field.name.c_str(), std::move(avro_type), field.id, true));
  }
  Json partition = {{"type", "record"}, {"name", "r102"}, {"fields", partition_fields}};
  Json long_list = {{"type", "array"}, {"items", "long"}, {"element-id", 133}};
  Json int_list = {{"type", "array"}, {"items", "int"}, {"element-id", 136}};
  Json data_file_fields = Json::array({
      SchemaField("content", "int", 134, false,
                  "Contents of the file: 0=data, 1=position deletes, 2=equality deletes"),
      SchemaField("file_path", "string", 100, false, "Location URI with FS scheme"),
      SchemaField("file_format", "string", 101, false, "File format name: avro, orc, or parquet"),
      SchemaField("partition", partition, 102, false,
                  "Partition data tuple, schema based on the partition spec"),
      SchemaField("record_count", "long", 103, false, "Number of records in the file"),
      SchemaField("file_size_in_bytes", "long", 104, false, "Total file size in bytes"),
      SchemaField("column_sizes", IntMap(117, 118, "long"), 108, true,
                  "Map of column id to total size on disk"),
      SchemaField("value_counts", IntMap(119, 120, "long"), 109, true,
                  "Map of column id to total count, including null and NaN"),
      SchemaField("null_value_counts", IntMap(121, 122, "long"), 110, true,
                  "Map of column id to null value count"),
      SchemaField("nan_value_counts", IntMap(138, 139, "long"), 137, true,
                  "Map of column id to number of NaN values in the column"),
      SchemaField("lower_bounds", IntMap(126, 127, "bytes"), 125, true,
                  "Map of column id to lower bound"),
      SchemaField("upper_bounds", IntMap(129, 130, "bytes"), 128, true,
                  "Map of column id to upper bound"),
      SchemaField("key_metadata", "bytes", 131, true, "Encryption key metadata blob"),
      SchemaField("split_offsets", long_list, 132, true, "Splittable offsets"),
      SchemaField("equality_ids", int_list, 135, true, "Equality comparison field IDs"),
      SchemaField("sort_order_id", "int", 140, true, "Sort order ID"),
  });
  Json schema = {
      {"type", "record"},
      {"name", "manifest_entry"},
      {"fields",
       Json::array({
           SchemaField("status", "int", 0, false),
           SchemaField("snapshot_id", "long", 1, true),
           SchemaField("sequence_number", "long", 3, true),
           SchemaField("file_sequence_number", "long", 4, true),
           SchemaField("data_file",
                       Json{{"type", "record"}, {"name", "r2"}, {"fields", data_file_fields}}, 2,
                       false),
       })}};
  return schema.dump();
}

Result<std::string> WriteManifest(const Schema& schema, const PartitionSpec& spec,
                                  ManifestContent content,
                                  const std::vector<ManifestEntry>& entries, uint64_t sync_seed) {
  ASSIGN_OR_RETURN(TypePtr partition_type, spec.PartitionType(schema));
  ASSIGN_OR_RETURN(std::string avro_schema, ManifestEntryAvroSchema(*partition_type));
  std::map<std::string, std::string> metadata = {
      {"schema", SchemaToJson(schema).dump()},
      {"schema-id", std::to_string(schema.schema_id)},
      {"partition-spec", PartitionFieldsToJson(spec).dump()},
      {"partition-spec-id", std::to_string(spec.spec_id)},
      {"format-version", "2"},
      {"content", content == ManifestContent::kData ? "data" : "deletes"},
  };
  AvroWriter writer(std::move(avro_schema), std::move(metadata), AvroCodec::kDeflate, sync_seed);
  AvroEncoder encoder;
  for (const auto& entry : entries) {
    encoder.Clear();
    RETURN_IF_ERROR(EncodeEntry(encoder, entry, *partition_type));
    writer.Append(encoder.data());
  }
  return writer.Finish();
}

Result<std::vector<ManifestEntry>> ReadManifest(std::string bytes, std::string what,
                                                const Schema& schema, const PartitionSpec& spec) {
  ASSIGN_OR_RETURN(TypePtr partition_type, spec.PartitionType(schema));
  ASSIGN_OR_RETURN(auto reader, AvroReader::Open(std::move(bytes), what));
  if (reader->schema().type != AvroType::kRecord)
    return Bad(what, "manifest schema is not a record");
  std::vector<ManifestEntry> entries;
  AvroValue record;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader->Next(record));
    if (!more) break;
    ASSIGN_OR_RETURN(ManifestEntry entry, DecodeEntry(record, *partition_type, what));
    entry.data_file.spec_id = spec.spec_id;
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace thingsdb::iceberg
