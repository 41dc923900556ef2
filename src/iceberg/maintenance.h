// Table maintenance: snapshot expiry (drop old snapshots from the metadata, then delete the
// files only they referenced) and orphan removal (delete objects under the table prefix that
// no snapshot references, once older than a grace period). Both commit through Table.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "iceberg/table.h"

namespace thingsdb::iceberg {

struct ExpireOptions {
  int64_t older_than_ms = 0;  // snapshots with timestamp-ms before this may expire
  int retain_last = 1;        // the newest N snapshots of the current branch always stay
};

struct ExpireResult {
  std::vector<int64_t> expired_snapshot_ids;
  std::vector<std::string> deleted_keys;
};

// Refreshes `table`, commits metadata without the expired snapshots, then deletes their
// manifest lists, manifests and data/delete files that no retained snapshot references.
Result<ExpireResult> ExpireSnapshots(Table& table, const ExpireOptions& options);

// Object keys reachable from the retained snapshots of `table` (manifest lists, manifests,
// data and delete files). Metadata JSON files and the version hint are not included.
Result<std::set<std::string>> ReferencedKeys(const Table& table);

struct OrphanOptions {
  int64_t older_than_ms = 0;  // only objects with mtime before this are removed
  bool dry_run = false;
};

// Refreshes `table`, lists its prefix and deletes every object that is neither referenced by
// a snapshot, nor a metadata file / version hint, nor younger than the grace period.
Result<std::vector<std::string>> RemoveOrphanFiles(Table& table, const OrphanOptions& options);

}  // namespace thingsdb::iceberg
