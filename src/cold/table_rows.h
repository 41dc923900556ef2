// Rows of any Iceberg table — ours or another writer's — at a snapshot, as JSON objects
// keyed by column name, with position and equality deletes applied by the spec's
// sequence-number rule. For `thingsdb iceberg cat` and for checking foreign tables; the
// things/relationships fast path is ColdReader.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"
#include "iceberg/scan.h"
#include "iceberg/table.h"
#include "objectstore/object_store.h"

namespace thingsdb::cold {

struct TableRowsStats {
  int64_t data_files = 0;
  int64_t delete_files = 0;
  int64_t rows_deleted = 0;
};

// Calls visit(json_object) for each live row of the snapshot `scan` selects, file by file in
// plan order; visit returns false to stop. Dates print as "YYYY-MM-DD", timestamps as
// microseconds, binary as lowercase hex strings.
Status ForEachTableRow(const iceberg::Table& table, const iceberg::ScanOptions& scan,
                       const std::function<bool(const std::string&)>& visit,
                       TableRowsStats* stats = nullptr);

}  // namespace thingsdb::cold
