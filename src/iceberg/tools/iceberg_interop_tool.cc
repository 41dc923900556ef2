// iceberg_interop_tool: drives thingsdb's Iceberg writer and planner from the command line,
// for the node interop tests (tests/interop/iceberg.test.mjs). Not a user-facing tool.
//
//   iceberg_interop_tool create ROOT PREFIX LOCATION SCHEMA_JSON SPEC_JSON
//   iceberg_interop_tool commit ROOT PREFIX CHANGE_JSON     (prints the snapshot as JSON)
//   iceberg_interop_tool plan   ROOT PREFIX [SNAPSHOT_ID]   (prints the scan plan as JSON)
//   iceberg_interop_tool expire ROOT PREFIX OLDER_THAN_MS RETAIN_LAST
//   iceberg_interop_tool orphans ROOT PREFIX OLDER_THAN_MS
//
// ROOT is a directory (the object store), PREFIX the table's key prefix in it. CHANGE_JSON:
// {"add": [FILE...], "remove": ["path", ...], "operation": "...", "token": "...",
//  "summary": {...}} with FILE = {"key": "data/x.parquet" (under PREFIX), "record_count": n,
//  "content": "data"|"position-deletes", "partition": {NAME: value}, "lower_bounds": {ID: value},
//  "upper_bounds": {ID: value}}; sizes are read from the store.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "iceberg/json_serde.h"
#include "iceberg/maintenance.h"
#include "iceberg/table.h"
#include "objectstore/local_store.h"

namespace thingsdb::iceberg {
namespace {

Result<Json> ParseJsonArg(const std::string& text) {
  Json json = Json::parse(text, nullptr, false);
  if (json.is_discarded())
    return Status::InvalidArgument("argument is not JSON: " + text.substr(0, 80));
  return json;
}

Result<DataFile> FileFromJson(const Json& json, Table& table) {
  DataFile file;
  if (!json.contains("key") || !json["key"].is_string())
    return Status::InvalidArgument("file without \"key\"");
  std::string key = table.paths().key_prefix() + "/" + json["key"].get<std::string>();
  ASSIGN_OR_RETURN(ObjectInfo info, table.store().Head(key));
  file.file_path = table.paths().ToLocation(key);
  file.file_size_in_bytes = static_cast<int64_t>(info.size);
  file.record_count = json.value("record_count", int64_t{0});
  std::string content = json.value("content", std::string("data"));
  if (content == "position-deletes") file.content = FileContent::kPositionDeletes;
  const Schema& schema = *table.metadata().CurrentSchema();
  const PartitionSpec& spec = *table.metadata().DefaultSpec();
  ASSIGN_OR_RETURN(TypePtr partition_type, spec.PartitionType(schema));
  Json partition = json.value("partition", Json::object());
  for (const auto& field : partition_type->fields) {
    if (!partition.contains(field.name) || partition[field.name].is_null()) {
      file.partition.push_back(std::nullopt);
      continue;
    }
    ASSIGN_OR_RETURN(Literal value, LiteralFromJson(partition[field.name], *field.type));
    file.partition.push_back(std::move(value));
  }
  for (const char* which : {"lower_bounds", "upper_bounds"}) {
    Json bounds = json.value(which, Json::object());
    for (const auto& [id_text, value] : bounds.items()) {
      int32_t id = std::stoi(id_text);
      TypePtr type = id == kDeleteFilePathFieldId ? Type::Primitive(TypeId::kString) : nullptr;
      if (!type) {
        const NestedField* field = schema.FindField(id);
        if (field == nullptr) return Status::InvalidArgument("bound for unknown field " + id_text);
        type = field->type;
      }
      ASSIGN_OR_RETURN(Literal literal, LiteralFromJson(value, *type));
      ASSIGN_OR_RETURN(std::string bytes, SerializeSingleValue(literal, *type));
      (std::string(which) == "lower_bounds" ? file.lower_bounds : file.upper_bounds)[id] = bytes;
    }
  }
  return file;
}

Json PlanToJson(const ScanPlan& plan) {
  Json out = {{"snapshot_id", plan.snapshot_id ? Json(*plan.snapshot_id) : Json(nullptr)},
              {"tasks", Json::array()}};
  for (const auto& task : plan.tasks) {
    Json deletes = Json::array();
    for (const auto& del : task.deletes) {
      deletes.push_back({{"path", del.file.file_path},
                         {"content", static_cast<int>(del.file.content)},
                         {"sequence_number", del.data_sequence_number},
                         {"equality_ids", del.file.equality_ids}});
    }
    out["tasks"].push_back({{"path", task.data.file.file_path},
                            {"record_count", task.data.file.record_count},
                            {"sequence_number", task.data.data_sequence_number},
                            {"deletes", deletes}});
  }
  return out;
}

Status Run(int argc, char** argv) {
  if (argc < 4)
    return Status::InvalidArgument("usage: iceberg_interop_tool COMMAND ROOT PREFIX ...");
  std::string command = argv[1];
  ASSIGN_OR_RETURN(auto opened, LocalStore::Open(argv[2], LocalStoreOptions{false}));
  ObjectStore& store = *opened;
  std::string prefix = argv[3];
  if (command == "create") {
    if (argc != 7)
      return Status::InvalidArgument("create ROOT PREFIX LOCATION SCHEMA_JSON SPEC_JSON");
    ASSIGN_OR_RETURN(Json schema_json, ParseJsonArg(argv[5]));
    ASSIGN_OR_RETURN(Json spec_json, ParseJsonArg(argv[6]));
    ASSIGN_OR_RETURN(Schema schema, SchemaFromJson(schema_json));
    ASSIGN_OR_RETURN(PartitionSpec spec, PartitionSpecFromJson(spec_json));
    ASSIGN_OR_RETURN(auto table, Table::Create(store, TablePaths(prefix, argv[4]), schema, spec));
    std::cout << Json{{"version", table->version()}}.dump() << "\n";
    return Status::OK();
  }
  ASSIGN_OR_RETURN(auto table, Table::Load(store, TablePaths(prefix, "")));
  if (command == "commit") {
    if (argc != 5) return Status::InvalidArgument("commit ROOT PREFIX CHANGE_JSON");
    ASSIGN_OR_RETURN(Json change, ParseJsonArg(argv[4]));
    ChangeSet changes;
    for (const auto& file_json : change.value("add", Json::array())) {
      ASSIGN_OR_RETURN(DataFile file, FileFromJson(file_json, *table));
      (file.content == FileContent::kData ? changes.added_data_files : changes.added_delete_files)
          .push_back(file);
    }
    for (const auto& path : change.value("remove", Json::array()))
      changes.removed_files.push_back(path.get<std::string>());
    changes.operation = change.value("operation", std::string());
    CommitOptions options;
    options.commit_token = change.value("token", std::string());
    const Json summary = change.value("summary", Json::object());
    for (const auto& [key, value] : summary.items()) {
      options.summary[key] = value.get<std::string>();
    }
    ASSIGN_OR_RETURN(Snapshot snapshot, table->Commit(changes, options));
    std::cout << Json{{"snapshot_id", snapshot.snapshot_id},
                      {"sequence_number", snapshot.sequence_number},
                      {"version", table->version()},
                      {"manifest_list", snapshot.manifest_list},
                      {"summary", snapshot.summary}}
                     .dump()
              << "\n";
    return Status::OK();
  }
  if (command == "plan") {
    ScanOptions options;
    if (argc > 4) options.snapshot_id = std::stoll(argv[4]);
    ASSIGN_OR_RETURN(ScanPlan plan, table->Scan(options));
    std::cout << PlanToJson(plan).dump() << "\n";
    return Status::OK();
  }
  if (command == "expire" && argc == 6) {
    ASSIGN_OR_RETURN(
        ExpireResult result,
        ExpireSnapshots(*table, ExpireOptions{std::stoll(argv[4]), std::stoi(argv[5])}));
    std::cout
        << Json{{"expired", result.expired_snapshot_ids}, {"deleted", result.deleted_keys}}.dump()
        << "\n";
    return Status::OK();
  }
  if (command == "orphans" && argc == 5) {
    ASSIGN_OR_RETURN(auto removed,
                     RemoveOrphanFiles(*table, OrphanOptions{std::stoll(argv[4]), false}));
    std::cout << Json{{"removed", removed}}.dump() << "\n";
    return Status::OK();
  }
  return Status::InvalidArgument("unknown command or arguments: " + command);
}

}  // namespace
}  // namespace thingsdb::iceberg

int main(int argc, char** argv) {
  try {
    thingsdb::Status status = thingsdb::iceberg::Run(argc, argv);
    if (!status.ok()) {
      std::fprintf(stderr, "iceberg_interop_tool: %s\n", status.ToString().c_str());
      return 1;
    }
  } catch (const std::exception& e) {  // malformed JSON arguments (a test tool)
    std::fprintf(stderr, "iceberg_interop_tool: %s\n", e.what());
    return 1;
  }
  return 0;
}
