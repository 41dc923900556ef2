#include "cold/warehouse.h"

#include <fmt/format.h>

#include <algorithm>

namespace thingsdb::cold {
namespace {

std::string LocationOfStore(const ObjectStore& store) {
  std::string described = store.Describe();
  // S3Store describes itself as "s3://bucket/prefix (http://endpoint)".
  size_t space = described.find(' ');
  if (space != std::string::npos) described.resize(space);
  while (described.size() > 1 && described.back() == '/' && !described.ends_with("://")) {
    described.pop_back();
  }
  return described;
}

// Whether fields a and b agree on id, name, type and nullability.
bool SameField(const iceberg::NestedField& a, const iceberg::NestedField& b) {
  return a.id == b.id && a.name == b.name && a.required == b.required &&
         a.type->ToString() == b.type->ToString();
}

}  // namespace

// Brings the table's schema to `layout`'s: JSON-index columns are only ever appended (a
// layout that lists fewer indexes leaves the table's extra columns null in new files); a
// column whose field id now means something else is NotSupported (ids must never be reused).
Status EvolveSchema(iceberg::Table& table, const TableLayout& layout) {
  const iceberg::Schema* current = table.metadata().CurrentSchema();
  if (current == nullptr) {
    return Status::Corruption(
        fmt::format("cold table '{}': no current schema", table.paths().key_prefix()));
  }
  iceberg::Schema wanted = IcebergSchema(layout);
  size_t common = std::min(current->fields.size(), wanted.fields.size());
  for (size_t field_idx = 0; field_idx < common; ++field_idx) {
    if (!SameField(current->fields[field_idx], wanted.fields[field_idx])) {
      return Status::NotSupported(fmt::format(
          "cold table '{}': column {} is '{}' in the table but '{}' in the layout (JSON-index "
          "columns can only be appended)",
          table.paths().key_prefix(), field_idx + 1, current->fields[field_idx].name,
          wanted.fields[field_idx].name));
    }
  }
  if (wanted.fields.size() <= current->fields.size()) return Status::OK();
  iceberg::TableMetadata updated = table.metadata();
  int32_t next_id = 0;
  for (const auto& schema : updated.schemas) next_id = std::max(next_id, schema.schema_id + 1);
  wanted.schema_id = next_id;
  updated.last_column_id = std::max(updated.last_column_id, wanted.HighestFieldId());
  updated.schemas.push_back(wanted);
  updated.current_schema_id = next_id;
  return table.CommitMetadata(std::move(updated));
}

Warehouse::Warehouse(ObjectStore& store, WarehouseOptions options)
    : store_(&store),
      root_location_(options.root_location.empty() ? LocationOfStore(store)
                                                   : options.root_location),
      create_timestamp_ms_(options.create_timestamp_ms) {
  while (root_location_.size() > 1 && root_location_.back() == '/' &&
         !root_location_.ends_with("://")) {
    root_location_.pop_back();
  }
}

Status Warehouse::ValidateNamespace(std::string_view ns) {
  bool ok = !ns.empty() && ns.size() <= 128 && ns.front() != '.';
  for (char c : ns) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || c == '.');
  }
  if (!ok) {
    return Status::InvalidArgument(
        fmt::format("namespace '{}': must be 1-128 of [A-Za-z0-9_.-], not starting with '.'", ns));
  }
  return Status::OK();
}

Result<iceberg::TablePaths> Warehouse::Paths(std::string_view ns, TableKind kind) const {
  RETURN_IF_ERROR(ValidateNamespace(ns));
  std::string key_prefix = fmt::format("{}/{}", ns, TableName(kind));
  std::string location;
  if (root_location_.ends_with("://")) {
    location = root_location_ + key_prefix;  // "mem://ns/things"
  } else {
    location = fmt::format("{}/{}", root_location_, key_prefix);
  }
  return iceberg::TablePaths(std::move(key_prefix), std::move(location));
}

Result<std::unique_ptr<iceberg::Table>> Warehouse::Open(std::string_view ns, TableKind kind) const {
  ASSIGN_OR_RETURN(iceberg::TablePaths paths, Paths(ns, kind));
  return iceberg::Table::Load(*store_, std::move(paths));
}

Result<std::unique_ptr<iceberg::Table>> Warehouse::OpenOrCreate(std::string_view ns,
                                                                const TableLayout& layout) const {
  RETURN_IF_ERROR(ValidateLayout(layout));
  ASSIGN_OR_RETURN(iceberg::TablePaths paths, Paths(ns, layout.kind));
  auto loaded = iceberg::Table::Load(*store_, paths);
  if (loaded.ok()) {
    RETURN_IF_ERROR(EvolveSchema(**loaded, layout));
    return loaded;
  }
  if (!loaded.status().IsNotFound()) return loaded;
  iceberg::CreateTableOptions options;
  options.timestamp_ms = create_timestamp_ms_;
  options.properties["write.format.default"] = "parquet";
  options.properties["write.parquet.compression-codec"] = "zstd";
  options.properties["write.delete.mode"] = "merge-on-read";
  options.properties["write.update.mode"] = "merge-on-read";
  // A flush every few minutes commits hundreds of times a day: keep the last 100 metadata
  // files, delete older ones (snapshot expiry bounds the snapshots each file lists).
  options.properties[iceberg::kDeleteAfterCommitProperty] = "true";
  auto created = iceberg::Table::Create(*store_, paths, IcebergSchema(layout),
                                        PartitionSpecFor(layout), options);
  if (created.ok() || !created.status().IsConflict()) return created;
  ASSIGN_OR_RETURN(auto raced, iceberg::Table::Load(*store_, std::move(paths)));
  RETURN_IF_ERROR(EvolveSchema(*raced, layout));
  return raced;
}

}  // namespace thingsdb::cold
