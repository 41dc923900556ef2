// cold_interop_tool: drives the cold tier from the node interop tests
// (tests/interop/cold.test.mjs) on a local directory warehouse.
//   flush ROOT NS FLUSH_ID ROWS.ndjson [DELETE_ID...]
//       Things ({"id","type","data","embedding","createdAt","updatedAt"}) and relationships
//       ({"id","fromId","toId","type","data","createdAt"}) from NDJSON; an id already cold is
//       an update (position delete + new version), DELETE_IDs are deleted. Commits both tables.
//   read ROOT NS things|relationships [SNAPSHOT_ID]
//       The live rows as our reader sees them, with their file and position, as one JSON.
// Things get JSON indexes idx_email ($.email, string) and idx_age ($.age, double).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cold/cold_reader.h"
#include "cold/flush_writer.h"
#include "cold/warehouse.h"
#include "objectstore/local_store.h"

namespace thingsdb::cold {
namespace {

using Json = nlohmann::ordered_json;

TableLayout ThingsLayout() {
  return TableLayout::Things({JsonIndexColumn{"email", "$.email", IndexKind::kString},
                              JsonIndexColumn{"age", "$.age", IndexKind::kDouble}});
}

IndexValue Extract(const Json& data, const JsonIndexColumn& index) {
  const Json* node = &data;
  std::string path = index.json_path.substr(2);  // "$.a.b" → "a.b"
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string key =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node->is_object() || !node->contains(key)) return IndexValue();
    node = &(*node)[key];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (index.kind == IndexKind::kString && node->is_string()) return node->get<std::string>();
  if (index.kind == IndexKind::kDouble && node->is_number()) return node->get<double>();
  return IndexValue();
}

Json ThingToJson(const LocatedThing& located) {
  const ColdThing& thing = located.thing;
  Json embedding = nullptr;
  if (thing.embedding) embedding = *thing.embedding;
  Json out = {{"id", thing.id},
              {"type", thing.type},
              {"data", thing.data},
              {"embedding", embedding},
              {"createdAt", thing.created_at},
              {"updatedAt", thing.updated_at},
              {"file", located.location.file_path},
              {"pos", located.location.position}};
  return out;
}

Json RelationshipToJson(const LocatedRelationship& located) {
  const ColdRelationship& rel = located.relationship;
  return {{"id", rel.id},
          {"fromId", rel.from_id},
          {"toId", rel.to_id},
          {"type", rel.type},
          {"data", rel.data ? Json(*rel.data) : Json(nullptr)},
          {"createdAt", rel.created_at},
          {"file", located.location.file_path},
          {"pos", located.location.position}};
}

Status Flush(Warehouse& warehouse, const std::string& ns, const std::string& flush_id,
             const std::string& rows_path, const std::vector<std::string>& delete_ids, Json* out) {
  std::ifstream in(rows_path);
  if (!in) return Status::NotFound("cannot open " + rows_path);
  TableLayout things_layout = ThingsLayout();
  std::vector<ColdThing> things;
  std::vector<ColdRelationship> rels;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Json row = Json::parse(line);
    if (row.contains("fromId")) {
      ColdRelationship rel{row["id"],   row["fromId"], row["toId"],
                           row["type"], std::nullopt,  row["createdAt"]};
      if (!row["data"].is_null()) rel.data = row["data"].dump();
      rels.push_back(rel);
    } else {
      ColdThing thing;
      thing.id = row["id"];
      thing.type = row["type"];
      thing.data = row["data"].dump();
      if (!row["embedding"].is_null()) thing.embedding = row["embedding"].get<std::vector<float>>();
      thing.created_at = row["createdAt"];
      thing.updated_at = row["updatedAt"];
      for (const auto& index : things_layout.indexes) {
        thing.index_values.push_back(Extract(row["data"], index));
      }
      things.push_back(thing);
    }
  }
  for (TableLayout layout : {things_layout, TableLayout::Relationships()}) {
    ASSIGN_OR_RETURN(auto table, warehouse.OpenOrCreate(ns, layout));
    ColdReader reader(*table, layout);
    std::vector<std::string> gone = delete_ids;
    if (layout.kind == TableKind::kThings) {
      for (const auto& thing : things) gone.push_back(thing.id);
    } else {
      for (const auto& rel : rels) gone.push_back(rel.id);
    }
    std::vector<PositionDelete> deletes;
    for (const auto& id : gone) {
      ScanRequest request;
      request.filter = {
          ColdPredicate{kIdColumn, parquet::CompareOp::kEq, {parquet::Value::String(id)}}};
      request.columns = {kIdColumn, kTypeColumn, kCreatedAtColumn};
      Status scanned = reader.Scan(request, [&](const ColdBatch& batch) {
        for (size_t sel = 0; sel < batch.rows.size(); ++sel) {
          size_t row = batch.rows[sel];
          deletes.push_back(PositionDelete{RowLocation{batch.file->file_path, batch.positions[sel]},
                                           std::string(batch.columns[1].strings[row]),
                                           batch.columns[2].ints[row] / 1000});
        }
        return Status::OK();
      });
      RETURN_IF_ERROR(scanned);
    }
    FlushOptions options;
    options.flush_id = flush_id;
    ASSIGN_OR_RETURN(FlushWriter writer,
                     FlushWriter::Make(warehouse.store(), table->paths(), layout, options));
    WrittenFiles data;
    if (layout.kind == TableKind::kThings) {
      ASSIGN_OR_RETURN(data, writer.WriteThings(things));
    } else {
      ASSIGN_OR_RETURN(data, writer.WriteRelationships(rels));
    }
    ASSIGN_OR_RETURN(WrittenFiles dels, writer.WritePositionDeletes(deletes));
    if (data.files.empty() && dels.files.empty()) continue;
    ASSIGN_OR_RETURN(iceberg::Snapshot snapshot, CommitFlush(*table, flush_id, data, dels));
    Json files = Json::array();
    for (const auto& file : data.files)
      files.push_back({{"path", file.file_path}, {"records", file.record_count}});
    for (const auto& file : dels.files)
      files.push_back(
          {{"path", file.file_path}, {"records", file.record_count}, {"deletes", true}});
    (*out)[std::string(TableName(layout.kind))] = {
        {"snapshot_id", std::to_string(snapshot.snapshot_id)},  // JS numbers lose int64 digits
        {"version", table->version()},
        {"deleted", deletes.size()},
        {"files", files}};
  }
  return Status::OK();
}

Status Read(Warehouse& warehouse, const std::string& ns, const std::string& table_name,
            std::optional<int64_t> snapshot_id, Json* out) {
  TableLayout layout = table_name == "things" ? ThingsLayout() : TableLayout::Relationships();
  ASSIGN_OR_RETURN(auto table, warehouse.Open(ns, layout.kind));
  ColdReader reader(*table, layout);
  ScanRequest request;
  request.snapshot_id = snapshot_id;
  *out = Json::array();
  if (layout.kind == TableKind::kThings) {
    ASSIGN_OR_RETURN(auto rows, reader.ReadThings(request));
    for (const auto& row : rows) out->push_back(ThingToJson(row));
  } else {
    ASSIGN_OR_RETURN(auto rows, reader.ReadRelationships(request));
    for (const auto& row : rows) out->push_back(RelationshipToJson(row));
  }
  return Status::OK();
}

Status Run(int argc, char** argv) {
  if (argc < 4) return Status::InvalidArgument("usage: cold_interop_tool flush|read ROOT NS ...");
  std::string command = argv[1];
  ASSIGN_OR_RETURN(auto store, LocalStore::Open(argv[2], LocalStoreOptions{false}));
  Warehouse warehouse(*store);
  Json out = Json::object();
  if (command == "flush" && argc >= 6) {
    std::vector<std::string> deletes(argv + 6, argv + argc);
    RETURN_IF_ERROR(Flush(warehouse, argv[3], argv[4], argv[5], deletes, &out));
  } else if (command == "read" && (argc == 5 || argc == 6)) {
    std::optional<int64_t> snapshot;
    if (argc == 6) snapshot = std::stoll(argv[5]);
    RETURN_IF_ERROR(Read(warehouse, argv[3], argv[4], snapshot, &out));
  } else {
    return Status::InvalidArgument("unknown command or arguments: " + command);
  }
  std::cout << out.dump() << "\n";
  return Status::OK();
}

}  // namespace
}  // namespace thingsdb::cold

int main(int argc, char** argv) {
  try {
    thingsdb::Status status = thingsdb::cold::Run(argc, argv);
    if (!status.ok()) {
      std::fprintf(stderr, "cold_interop_tool: %s\n", status.ToString().c_str());
      return 1;
    }
  } catch (const std::exception& e) {  // malformed NDJSON (a test tool)
    std::fprintf(stderr, "cold_interop_tool: %s\n", e.what());
    return 1;
  }
  return 0;
}
