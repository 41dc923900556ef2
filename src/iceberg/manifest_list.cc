#include "iceberg/manifest_list.h"

#include <fmt/format.h>

#include "iceberg/avro_coding.h"
#include "iceberg/avro_reader.h"
#include "iceberg/avro_writer.h"
#include "iceberg/json_serde.h"

namespace thingsdb::iceberg {
namespace {

Json Field(const char* name, Json type, int32_t field_id, bool optional) {
  Json field = {{"name", name},
                {"type", optional ? Json::array({"null", std::move(type)}) : std::move(type)}};
  if (optional) field["default"] = nullptr;
  field["field-id"] = field_id;
  return field;
}

std::string ManifestFileAvroSchema() {
  Json summary = {{"type", "record"},
                  {"name", "r508"},
                  {"fields", Json::array({Field("contains_null", "boolean", 509, false),
                                          Field("contains_nan", "boolean", 518, true),
                                          Field("lower_bound", "bytes", 510, true),
                                          Field("upper_bound", "bytes", 511, true)})}};
  Json partitions = {{"type", "array"}, {"items", summary}, {"element-id", 508}};
  Json schema = {{"type", "record"},
                 {"name", "manifest_file"},
                 {"fields", Json::array({
                                Field("manifest_path", "string", 500, false),
                                Field("manifest_length", "long", 501, false),
                                Field("partition_spec_id", "int", 502, false),
                                Field("content", "int", 517, false),
                                Field("sequence_number", "long", 515, false),
                                Field("min_sequence_number", "long", 516, false),
                                Field("added_snapshot_id", "long", 503, false),
                                Field("added_files_count", "int", 504, false),
                                Field("existing_files_count", "int", 505, false),
                                Field("deleted_files_count", "int", 506, false),
                                Field("added_rows_count", "long", 512, false),
                                Field("existing_rows_count", "long", 513, false),
                                Field("deleted_rows_count", "long", 514, false),
                                Field("partitions", partitions, 507, true),
                                Field("key_metadata", "bytes", 519, true),
                            })}};
  return schema.dump();
}

void PutOptionalBytes(AvroEncoder& encoder, const std::optional<std::string>& value) {
  encoder.PutUnionBranch(value ? 1 : 0);
  if (value) encoder.PutBytes(*value);
}

const AvroValue* FirstField(const AvroValue& record, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (const AvroValue* value = record.Field(name)) return value;
  }
  return nullptr;
}

}  // namespace

Result<std::string> WriteManifestList(const ManifestListHeader& header,
                                      const std::vector<ManifestFile>& manifests,
                                      uint64_t sync_seed) {
  std::map<std::string, std::string> metadata = {
      {"snapshot-id", std::to_string(header.snapshot_id)},
      {"parent-snapshot-id",
       header.parent_snapshot_id ? std::to_string(*header.parent_snapshot_id) : "null"},
      {"sequence-number", std::to_string(header.sequence_number)},
      {"format-version", "2"},
  };
  AvroWriter writer(ManifestFileAvroSchema(), std::move(metadata), AvroCodec::kDeflate, sync_seed);
  AvroEncoder encoder;
  for (const auto& manifest : manifests) {
    encoder.Clear();
    encoder.PutBytes(manifest.manifest_path);
    encoder.PutLong(manifest.manifest_length);
    encoder.PutInt(manifest.partition_spec_id);
    encoder.PutInt(static_cast<int32_t>(manifest.content));
    encoder.PutLong(manifest.sequence_number);
    encoder.PutLong(manifest.min_sequence_number);
    encoder.PutLong(manifest.added_snapshot_id);
    encoder.PutInt(manifest.added_files_count);
    encoder.PutInt(manifest.existing_files_count);
    encoder.PutInt(manifest.deleted_files_count);
    encoder.PutLong(manifest.added_rows_count);
    encoder.PutLong(manifest.existing_rows_count);
    encoder.PutLong(manifest.deleted_rows_count);
    encoder.PutUnionBranch(1);
    encoder.PutArrayStart(static_cast<int64_t>(manifest.partitions.size()));
    for (const auto& summary : manifest.partitions) {
      encoder.PutBoolean(summary.contains_null);
      encoder.PutUnionBranch(summary.contains_nan ? 1 : 0);
      if (summary.contains_nan) encoder.PutBoolean(*summary.contains_nan);
      PutOptionalBytes(encoder, summary.lower_bound);
      PutOptionalBytes(encoder, summary.upper_bound);
    }
    encoder.PutArrayEnd();
    encoder.PutUnionBranch(0);  // key_metadata
    writer.Append(encoder.data());
  }
  return writer.Finish();
}

Result<std::vector<ManifestFile>> ReadManifestList(std::string bytes, std::string what) {
  ASSIGN_OR_RETURN(auto reader, AvroReader::Open(std::move(bytes), what));
  std::vector<ManifestFile> out;
  AvroValue record;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader->Next(record));
    if (!more) break;
    ManifestFile manifest;
    const AvroValue* path = record.Field("manifest_path");
    const AvroValue* length = record.Field("manifest_length");
    const AvroValue* spec_id = record.Field("partition_spec_id");
    if (path == nullptr || length == nullptr || spec_id == nullptr) {
      return Status::Corruption(
          fmt::format("{}: manifest_file without path, length or spec id", what));
    }
    manifest.manifest_path = path->bytes;
    manifest.manifest_length = length->integer;
    manifest.partition_spec_id = static_cast<int32_t>(spec_id->integer);
    if (const AvroValue* content = record.Field("content")) {
      if (content->integer < 0 || content->integer > 1) {
        return Status::Corruption(
            fmt::format("{}: manifest content {} out of range", what, content->integer));
      }
      manifest.content = static_cast<ManifestContent>(content->integer);
    }
    auto get = [&](std::initializer_list<const char*> names) -> int64_t {
      const AvroValue* value = FirstField(record, names);
      return (value == nullptr || value->is_null()) ? 0 : value->integer;
    };
    manifest.sequence_number = get({"sequence_number"});
    manifest.min_sequence_number = get({"min_sequence_number"});
    manifest.added_snapshot_id = get({"added_snapshot_id"});
    manifest.added_files_count =
        static_cast<int32_t>(get({"added_files_count", "added_data_files_count"}));
    manifest.existing_files_count =
        static_cast<int32_t>(get({"existing_files_count", "existing_data_files_count"}));
    manifest.deleted_files_count =
        static_cast<int32_t>(get({"deleted_files_count", "deleted_data_files_count"}));
    manifest.added_rows_count = get({"added_rows_count"});
    manifest.existing_rows_count = get({"existing_rows_count"});
    manifest.deleted_rows_count = get({"deleted_rows_count"});
    if (const AvroValue* partitions = record.Field("partitions");
        partitions && !partitions->is_null()) {
      for (const auto& item : partitions->items) {
        PartitionFieldSummary summary;
        if (const AvroValue* v = item.Field("contains_null")) summary.contains_null = v->boolean;
        if (const AvroValue* v = item.Field("contains_nan"); v && !v->is_null())
          summary.contains_nan = v->boolean;
        if (const AvroValue* v = item.Field("lower_bound"); v && !v->is_null())
          summary.lower_bound = v->bytes;
        if (const AvroValue* v = item.Field("upper_bound"); v && !v->is_null())
          summary.upper_bound = v->bytes;
        manifest.partitions.push_back(std::move(summary));
      }
    }
    out.push_back(std::move(manifest));
  }
  return out;
}

}  // namespace thingsdb::iceberg
