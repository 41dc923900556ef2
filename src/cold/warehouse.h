// Warehouse: names a namespace's two cold tables in one ObjectStore — keys `<ns>/things` and
// `<ns>/relationships`, locations under the store's URI (file:// for a local root, s3:// for
// S3) — and opens them, creating a table on first use. The store must outlive the Warehouse
// and the tables it opens. No state beyond names: copyable and thread-compatible.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "cold/cold_schema.h"
#include "core/status.h"
#include "iceberg/table.h"
#include "iceberg/table_paths.h"
#include "objectstore/object_store.h"

namespace thingsdb::cold {

struct WarehouseOptions {
  // The URI other engines reach the store's root by ("file:///data/warehouse",
  // "s3://bucket/prefix"). Empty: derived from ObjectStore::Describe() ("mem://" stays).
  std::string root_location;
  // Creation time of new tables (0: now); fixed in tests for deterministic metadata.
  int64_t create_timestamp_ms = 0;
};

// Brings `table`'s schema to `layout`'s by a metadata commit (nothing when it already has
// every column): JSON-index columns are only ever appended; a column whose field id would
// change meaning is NotSupported. OpenOrCreate calls it; the engine calls it on its open
// table before a flush writes a new index column.
Status EvolveSchema(iceberg::Table& table, const TableLayout& layout);

class Warehouse {
 public:
  Warehouse(ObjectStore& store, WarehouseOptions options = {});

  ObjectStore& store() const { return *store_; }
  const std::string& root_location() const { return root_location_; }

  // InvalidArgument unless `ns` is 1-128 of [A-Za-z0-9_.-], not starting with '.'.
  static Status ValidateNamespace(std::string_view ns);

  // "<ns>/things" (or relationships) and its location "<root>/<ns>/things".
  Result<iceberg::TablePaths> Paths(std::string_view ns, TableKind kind) const;

  // Loads the newest committed version; NotFound when the table was never created.
  Result<std::unique_ptr<iceberg::Table>> Open(std::string_view ns, TableKind kind) const;
  // Loads the table, or creates it (schema and spec of `layout`) when it does not exist yet.
  // A concurrent creator winning the race is fine: the table is then loaded. JSON-index
  // columns the layout appends are added by a schema change (a new metadata version);
  // NotSupported when a column's field id would change meaning (docs/cold.md).
  Result<std::unique_ptr<iceberg::Table>> OpenOrCreate(std::string_view ns,
                                                       const TableLayout& layout) const;

 private:
  ObjectStore* store_;
  std::string root_location_;
  int64_t create_timestamp_ms_;
};

}  // namespace thingsdb::cold
