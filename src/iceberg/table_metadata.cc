#include "iceberg/table_metadata.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "iceberg/json_serde.h"

namespace thingsdb::iceberg {
namespace {

Status Bad(std::string_view reason) { return Status::InvalidArgument(std::string(reason)); }

Result<int64_t> GetLong(const Json& json, const char* key) {
  auto it = json.find(key);
  if (it == json.end() || !it->is_number_integer()) {
    return Bad(fmt::format("\"{}\" missing or not an integer", key));
  }
  return it->get<int64_t>();
}

Result<std::string> GetString(const Json& json, const char* key) {
  auto it = json.find(key);
  if (it == json.end() || !it->is_string())
    return Bad(fmt::format("\"{}\" missing or not a string", key));
  return it->get<std::string>();
}

std::optional<int64_t> OptLong(const Json& json, const char* key) {
  auto it = json.find(key);
  if (it == json.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

Result<Snapshot> SnapshotFromJson(const Json& json) {
  if (!json.is_object()) return Bad("snapshot is not an object");
  Snapshot snapshot;
  ASSIGN_OR_RETURN(snapshot.snapshot_id, GetLong(json, "snapshot-id"));
  snapshot.parent_snapshot_id = OptLong(json, "parent-snapshot-id");
  snapshot.sequence_number = OptLong(json, "sequence-number").value_or(0);
  ASSIGN_OR_RETURN(snapshot.timestamp_ms, GetLong(json, "timestamp-ms"));
  if (json.contains("manifest-list")) {
    ASSIGN_OR_RETURN(snapshot.manifest_list, GetString(json, "manifest-list"));
  } else {
    return Status::NotSupported("v1 snapshots with inline \"manifests\" are not supported");
  }
  if (auto summary = json.find("summary"); summary != json.end() && summary->is_object()) {
    for (const auto& [key, value] : summary->items()) {
      if (value.is_string()) snapshot.summary[key] = value.get<std::string>();
    }
  }
  if (auto id = OptLong(json, "schema-id")) snapshot.schema_id = static_cast<int32_t>(*id);
  return snapshot;
}

Json SnapshotToJson(const Snapshot& snapshot) {
  Json out = {{"snapshot-id", snapshot.snapshot_id}};
  if (snapshot.parent_snapshot_id) out["parent-snapshot-id"] = *snapshot.parent_snapshot_id;
  out["sequence-number"] = snapshot.sequence_number;
  out["timestamp-ms"] = snapshot.timestamp_ms;
  out["manifest-list"] = snapshot.manifest_list;
  Json summary = Json::object();
  // "operation" first, as other writers do.
  if (auto it = snapshot.summary.find("operation"); it != snapshot.summary.end())
    summary["operation"] = it->second;
  for (const auto& [key, value] : snapshot.summary) {
    if (key != "operation") summary[key] = value;
  }
  out["summary"] = summary;
  if (snapshot.schema_id) out["schema-id"] = *snapshot.schema_id;
  return out;
}

Result<TableMetadata> Parse(const Json& json) {
  if (!json.is_object()) return Bad("metadata is not a JSON object");
  TableMetadata md;
  ASSIGN_OR_RETURN(int64_t version, GetLong(json, "format-version"));
  if (version < 1 || version > 2) {
    return Status::NotSupported(fmt::format("format-version {} is not supported", version));
  }
  md.format_version = static_cast<int>(version);
  if (json.contains("table-uuid")) {
    ASSIGN_OR_RETURN(md.table_uuid, GetString(json, "table-uuid"));
  }
  ASSIGN_OR_RETURN(md.location, GetString(json, "location"));
  md.last_sequence_number = OptLong(json, "last-sequence-number").value_or(0);
  ASSIGN_OR_RETURN(md.last_updated_ms, GetLong(json, "last-updated-ms"));
  ASSIGN_OR_RETURN(int64_t last_column_id, GetLong(json, "last-column-id"));
  md.last_column_id = static_cast<int32_t>(last_column_id);

  if (auto schemas = json.find("schemas"); schemas != json.end() && schemas->is_array()) {
    for (const auto& schema : *schemas) {
      ASSIGN_OR_RETURN(Schema parsed, SchemaFromJson(schema));
      md.schemas.push_back(std::move(parsed));
    }
    ASSIGN_OR_RETURN(int64_t current, GetLong(json, "current-schema-id"));
    md.current_schema_id = static_cast<int32_t>(current);
  } else if (json.contains("schema")) {  // v1
    ASSIGN_OR_RETURN(Schema parsed, SchemaFromJson(json["schema"]));
    md.current_schema_id = parsed.schema_id;
    md.schemas.push_back(std::move(parsed));
  } else {
    return Bad("no schemas");
  }
  if (md.CurrentSchema() == nullptr) return Bad("current-schema-id names no schema");

  if (auto specs = json.find("partition-specs"); specs != json.end() && specs->is_array()) {
    for (const auto& spec : *specs) {
      ASSIGN_OR_RETURN(PartitionSpec parsed, PartitionSpecFromJson(spec));
      md.partition_specs.push_back(std::move(parsed));
    }
    md.default_spec_id = static_cast<int32_t>(OptLong(json, "default-spec-id").value_or(0));
  } else {
    md.partition_specs.push_back(PartitionSpec{});
  }
  md.last_partition_id = static_cast<int32_t>(OptLong(json, "last-partition-id").value_or(999));
  if (auto orders = json.find("sort-orders"); orders != json.end() && orders->is_array()) {
    for (const auto& order : *orders) {
      ASSIGN_OR_RETURN(SortOrder parsed, SortOrderFromJson(order));
      md.sort_orders.push_back(std::move(parsed));
    }
  }
  md.default_sort_order_id =
      static_cast<int32_t>(OptLong(json, "default-sort-order-id").value_or(0));
  if (auto props = json.find("properties"); props != json.end() && props->is_object()) {
    for (const auto& [key, value] : props->items()) {
      if (value.is_string()) md.properties[key] = value.get<std::string>();
    }
  }
  if (auto current = OptLong(json, "current-snapshot-id"); current && *current >= 0) {
    md.current_snapshot_id = current;
  }
  if (auto snapshots = json.find("snapshots"); snapshots != json.end() && snapshots->is_array()) {
    for (const auto& snapshot : *snapshots) {
      ASSIGN_OR_RETURN(Snapshot parsed, SnapshotFromJson(snapshot));
      md.snapshots.push_back(std::move(parsed));
    }
  }
  if (auto log = json.find("snapshot-log"); log != json.end() && log->is_array()) {
    for (const auto& entry : *log) {
      SnapshotLogEntry parsed;
      ASSIGN_OR_RETURN(parsed.timestamp_ms, GetLong(entry, "timestamp-ms"));
      ASSIGN_OR_RETURN(parsed.snapshot_id, GetLong(entry, "snapshot-id"));
      md.snapshot_log.push_back(parsed);
    }
  }
  if (auto log = json.find("metadata-log"); log != json.end() && log->is_array()) {
    for (const auto& entry : *log) {
      MetadataLogEntry parsed;
      ASSIGN_OR_RETURN(parsed.timestamp_ms, GetLong(entry, "timestamp-ms"));
      ASSIGN_OR_RETURN(parsed.metadata_file, GetString(entry, "metadata-file"));
      md.metadata_log.push_back(std::move(parsed));
    }
  }
  if (auto refs = json.find("refs"); refs != json.end() && refs->is_object()) {
    for (const auto& [name, ref] : refs->items()) {
      SnapshotRef parsed;
      ASSIGN_OR_RETURN(parsed.snapshot_id, GetLong(ref, "snapshot-id"));
      ASSIGN_OR_RETURN(parsed.type, GetString(ref, "type"));
      if (auto v = OptLong(ref, "min-snapshots-to-keep"))
        parsed.min_snapshots_to_keep = static_cast<int32_t>(*v);
      parsed.max_snapshot_age_ms = OptLong(ref, "max-snapshot-age-ms");
      parsed.max_ref_age_ms = OptLong(ref, "max-ref-age-ms");
      md.refs[name] = parsed;
    }
  } else if (md.current_snapshot_id) {
    SnapshotRef main;
    main.snapshot_id = *md.current_snapshot_id;
    md.refs["main"] = main;
  }
  if (md.current_snapshot_id && md.SnapshotById(*md.current_snapshot_id) == nullptr) {
    return Bad(fmt::format("current-snapshot-id {} names no snapshot", *md.current_snapshot_id));
  }
  return md;
}

}  // namespace

const Schema* TableMetadata::SchemaById(int32_t id) const {
  for (const auto& schema : schemas) {
    if (schema.schema_id == id) return &schema;
  }
  return nullptr;
}

const PartitionSpec* TableMetadata::SpecById(int32_t id) const {
  for (const auto& spec : partition_specs) {
    if (spec.spec_id == id) return &spec;
  }
  return nullptr;
}

const Snapshot* TableMetadata::SnapshotById(int64_t id) const {
  for (const auto& snapshot : snapshots) {
    if (snapshot.snapshot_id == id) return &snapshot;
  }
  return nullptr;
}

const Snapshot* TableMetadata::CurrentSnapshot() const {
  return current_snapshot_id ? SnapshotById(*current_snapshot_id) : nullptr;
}

std::vector<const Snapshot*> TableMetadata::CurrentAncestry() const {
  std::vector<const Snapshot*> out;
  const Snapshot* snapshot = CurrentSnapshot();
  while (snapshot != nullptr && out.size() <= snapshots.size()) {
    out.push_back(snapshot);
    snapshot = snapshot->parent_snapshot_id ? SnapshotById(*snapshot->parent_snapshot_id) : nullptr;
  }
  return out;
}

const Snapshot* TableMetadata::SnapshotAsOf(int64_t timestamp_ms) const {
  const Snapshot* found = nullptr;
  for (const auto& entry : snapshot_log) {
    if (entry.timestamp_ms <= timestamp_ms) {
      if (const Snapshot* snapshot = SnapshotById(entry.snapshot_id)) found = snapshot;
    }
  }
  if (found != nullptr || !snapshot_log.empty()) return found;
  for (const Snapshot* snapshot : CurrentAncestry()) {
    if (snapshot->timestamp_ms <= timestamp_ms) return snapshot;
  }
  return nullptr;
}

int64_t Snapshot::SummaryCount(const std::string& key) const {
  auto it = summary.find(key);
  if (it == summary.end()) return 0;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  return ec == std::errc() ? value : 0;
}

Result<TableMetadata> ParseTableMetadata(std::string_view json_text, std::string_view what) {
  Json json = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return Status::Corruption(fmt::format("{}: table metadata is not valid JSON", what));
  }
  try {
    auto parsed = Parse(json);
    if (!parsed.ok()) {
      const Status& status = parsed.status();
      StatusCode code =
          status.code() == StatusCode::kInvalidArgument ? StatusCode::kCorruption : status.code();
      return Status(code, fmt::format("{}: table metadata: {}", what, status.message()));
    }
    return parsed;
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(fmt::format("{}: table metadata: {}", what, e.what()));
  }
}

std::string SerializeTableMetadata(const TableMetadata& md) {
  Json out;
  out["format-version"] = md.format_version;
  out["table-uuid"] = md.table_uuid;
  out["location"] = md.location;
  out["last-sequence-number"] = md.last_sequence_number;
  out["last-updated-ms"] = md.last_updated_ms;
  out["last-column-id"] = md.last_column_id;
  out["current-schema-id"] = md.current_schema_id;
  out["schemas"] = Json::array();
  for (const auto& schema : md.schemas) out["schemas"].push_back(SchemaToJson(schema));
  out["default-spec-id"] = md.default_spec_id;
  out["partition-specs"] = Json::array();
  for (const auto& spec : md.partition_specs)
    out["partition-specs"].push_back(PartitionSpecToJson(spec));
  out["last-partition-id"] = md.last_partition_id;
  out["default-sort-order-id"] = md.default_sort_order_id;
  out["sort-orders"] = Json::array();
  for (const auto& order : md.sort_orders) out["sort-orders"].push_back(SortOrderToJson(order));
  out["properties"] = Json::object();
  for (const auto& [key, value] : md.properties) out["properties"][key] = value;
  out["current-snapshot-id"] = md.current_snapshot_id.value_or(-1);
  out["refs"] = Json::object();
  for (const auto& [name, ref] : md.refs) {
    Json json_ref = {{"snapshot-id", ref.snapshot_id}, {"type", ref.type}};
    if (ref.min_snapshots_to_keep) json_ref["min-snapshots-to-keep"] = *ref.min_snapshots_to_keep;
    if (ref.max_snapshot_age_ms) json_ref["max-snapshot-age-ms"] = *ref.max_snapshot_age_ms;
    if (ref.max_ref_age_ms) json_ref["max-ref-age-ms"] = *ref.max_ref_age_ms;
    out["refs"][name] = json_ref;
  }
  out["snapshots"] = Json::array();
  for (const auto& snapshot : md.snapshots) out["snapshots"].push_back(SnapshotToJson(snapshot));
  out["snapshot-log"] = Json::array();
  for (const auto& entry : md.snapshot_log) {
    out["snapshot-log"].push_back(
        {{"timestamp-ms", entry.timestamp_ms}, {"snapshot-id", entry.snapshot_id}});
  }
  out["metadata-log"] = Json::array();
  for (const auto& entry : md.metadata_log) {
    out["metadata-log"].push_back(
        {{"timestamp-ms", entry.timestamp_ms}, {"metadata-file", entry.metadata_file}});
  }
  return out.dump(2);
}

}  // namespace thingsdb::iceberg
