// Table: one Iceberg v2 table over an ObjectStore (which must outlive it). Loads the newest
// committed metadata (version hint, then probing forward / listing), plans scans, and commits
// snapshots: manifests, a manifest list, then `metadata/v<N+1>.metadata.json` by PutIfAbsent
// (the atomic swap; Conflict → reload and retry), then the version hint. Protocol and crash
// behaviour: docs/iceberg.md. Not thread-safe; several processes may commit concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "iceberg/manifest.h"
#include "iceberg/scan.h"
#include "iceberg/table_metadata.h"
#include "iceberg/table_paths.h"
#include "objectstore/object_store.h"

namespace thingsdb::iceberg {

// Table properties the commit path follows (Iceberg's names and defaults): the metadata log
// keeps the newest `previous-versions-max` metadata files; with `delete-after-commit`
// "true", a commit deletes the metadata files that fall off the log.
inline constexpr char kPreviousVersionsMaxProperty[] = "write.metadata.previous-versions-max";
inline constexpr int64_t kDefaultPreviousVersionsMax = 100;
inline constexpr char kDeleteAfterCommitProperty[] =
    "write.metadata.delete-after-commit.enabled";

struct CreateTableOptions {
  std::string table_uuid;    // empty: random
  int64_t timestamp_ms = 0;  // 0: now
  std::map<std::string, std::string> properties;
  SortOrder sort_order;  // unsorted by default
};

struct CommitOptions {
  // Makes object names and the snapshot id deterministic: a retried commit with the same
  // token overwrites its own orphans, and returns the earlier snapshot if it did commit.
  std::string commit_token;
  std::map<std::string, std::string> summary;  // extra summary properties
  int64_t timestamp_ms = 0;                    // 0: now (never before the parent's)
  int max_attempts = 5;                        // PutIfAbsent conflicts before giving up
};

// What one commit changes. Files are in the table's default partition spec.
struct ChangeSet {
  std::vector<DataFile> added_data_files;
  std::vector<DataFile> added_delete_files;  // content kPositionDeletes (or kEqualityDeletes)
  std::vector<std::string> removed_files;    // file_path of live data or delete files
  std::string operation;  // empty: "append", "delete", "overwrite" derived from the change
};

class Table {
 public:
  // Writes v1.metadata.json (no snapshot) and the version hint. Conflict if a table exists.
  static Result<std::unique_ptr<Table>> Create(ObjectStore& store, TablePaths paths, Schema schema,
                                               PartitionSpec spec, CreateTableOptions options = {});
  // Loads the newest committed version. NotFound when there is no table under the prefix.
  // The metadata's `location` replaces paths.location() for resolving file paths.
  static Result<std::unique_ptr<Table>> Load(ObjectStore& store, TablePaths paths);
  // Loads one metadata file (time travel by metadata file; read-only use recommended).
  static Result<std::unique_ptr<Table>> LoadMetadataFile(ObjectStore& store, TablePaths paths,
                                                         const std::string& metadata_key);

  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  const TableMetadata& metadata() const { return metadata_; }
  const TablePaths& paths() const { return paths_; }
  int64_t version() const { return version_; }
  std::string metadata_key() const { return paths_.MetadataFileKey(version_); }
  ObjectStore& store() const { return store_; }

  // Reloads the newest committed version.
  Status Refresh();

  Result<Snapshot> Append(std::vector<DataFile> data_files, const CommitOptions& options = {});
  // Row-level changes: position delete files, plus any new row versions (one snapshot).
  Result<Snapshot> AddDeletes(std::vector<DataFile> delete_files,
                              std::vector<DataFile> data_files = {},
                              const CommitOptions& options = {});
  // Compaction ("replace"): removes files, adds their rewritten replacements.
  Result<Snapshot> Replace(std::vector<std::string> removed_files,
                           std::vector<DataFile> added_files, const CommitOptions& options = {});
  Result<Snapshot> Commit(const ChangeSet& changes, const CommitOptions& options = {});

  // Commits `updated` (same table, no new snapshot required: expiry, property changes) as the
  // next version. Conflict when another writer committed first (caller reloads and redoes).
  Status CommitMetadata(TableMetadata updated);

  Result<ScanPlan> Scan(const ScanOptions& options = {}) const {
    return PlanScan(store_, paths_, metadata_, options);
  }

 private:
  Table(ObjectStore& store, TablePaths paths) : store_(store), paths_(std::move(paths)) {}
  Status LoadVersion(int64_t version);
  Result<int64_t> FindNewestVersion();
  Result<Snapshot> CommitAttempt(const ChangeSet& changes, const CommitOptions& options,
                                 const std::string& token, int64_t snapshot_id, int attempt);
  Status SwapMetadata(const TableMetadata& updated);  // PutIfAbsent v<N+1>, then the hint

  ObjectStore& store_;
  TablePaths paths_;
  TableMetadata metadata_;
  int64_t version_ = 0;
};

}  // namespace thingsdb::iceberg
