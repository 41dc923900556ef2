#include "iceberg/maintenance.h"

#include <fmt/format.h>

#include <algorithm>

namespace thingsdb::iceberg {
namespace {

Status CollectSnapshot(const Table& table, const TableMetadata& metadata, const Snapshot& snapshot,
                       std::set<std::string>& keys) {
  const TablePaths& paths = table.paths();
  ASSIGN_OR_RETURN(std::string list_key, paths.ToKey(snapshot.manifest_list));
  keys.insert(list_key);
  ASSIGN_OR_RETURN(auto manifests, ReadSnapshotManifests(table.store(), paths, snapshot));
  for (const auto& manifest : manifests) {
    ASSIGN_OR_RETURN(std::string manifest_key, paths.ToKey(manifest.manifest_path));
    if (!keys.insert(manifest_key).second) continue;  // already walked
    ASSIGN_OR_RETURN(auto entries, ReadManifestEntries(table.store(), paths, metadata, manifest));
    for (const auto& entry : entries) {
      // DELETED entries still name files: a retained older snapshot may read them, and if
      // none does they are deleted by the expiry that drops that snapshot.
      if (entry.status == EntryStatus::kDeleted) continue;
      ASSIGN_OR_RETURN(std::string file_key, paths.ToKey(entry.data_file.file_path));
      keys.insert(file_key);
    }
  }
  return Status::OK();
}

Result<std::set<std::string>> KeysOf(const Table& table, const TableMetadata& metadata,
                                     const std::vector<const Snapshot*>& snapshots) {
  std::set<std::string> keys;
  for (const Snapshot* snapshot : snapshots) {
    RETURN_IF_ERROR(CollectSnapshot(table, metadata, *snapshot, keys));
  }
  return keys;
}

}  // namespace

Result<std::set<std::string>> ReferencedKeys(const Table& table) {
  std::vector<const Snapshot*> all;
  for (const auto& snapshot : table.metadata().snapshots) all.push_back(&snapshot);
  return KeysOf(table, table.metadata(), all);
}

Result<ExpireResult> ExpireSnapshots(Table& table, const ExpireOptions& options) {
  RETURN_IF_ERROR(table.Refresh());
  const TableMetadata& metadata = table.metadata();
  std::set<int64_t> keep;
  auto ancestry = metadata.CurrentAncestry();
  for (size_t idx = 0;
       idx < ancestry.size() && idx < static_cast<size_t>(std::max(1, options.retain_last));
       ++idx) {
    keep.insert(ancestry[idx]->snapshot_id);
  }
  for (const auto& [name, ref] : metadata.refs) keep.insert(ref.snapshot_id);
  for (const auto& snapshot : metadata.snapshots) {
    if (snapshot.timestamp_ms >= options.older_than_ms) keep.insert(snapshot.snapshot_id);
  }
  ExpireResult result;
  std::vector<const Snapshot*> retained, expired;
  for (const auto& snapshot : metadata.snapshots) {
    if (keep.count(snapshot.snapshot_id))
      retained.push_back(&snapshot);
    else
      expired.push_back(&snapshot);
  }
  if (expired.empty()) return result;
  // What each side references, read before the metadata changes.
  ASSIGN_OR_RETURN(auto live_keys, KeysOf(table, metadata, retained));
  std::set<std::string> expired_keys;
  for (const Snapshot* snapshot : expired) {
    result.expired_snapshot_ids.push_back(snapshot->snapshot_id);
    // A snapshot whose manifest list is already gone still expires; its files are left to
    // orphan removal.
    Status status = CollectSnapshot(table, metadata, *snapshot, expired_keys);
    if (!status.ok() && !status.IsNotFound()) return status;
  }
  TableMetadata updated = metadata;
  updated.snapshots.clear();
  for (const Snapshot* snapshot : retained) updated.snapshots.push_back(*snapshot);
  std::erase_if(updated.snapshot_log,
                [&](const SnapshotLogEntry& entry) { return !keep.count(entry.snapshot_id); });
  RETURN_IF_ERROR(table.CommitMetadata(std::move(updated)));
  for (const auto& key : expired_keys) {
    if (live_keys.count(key)) continue;
    RETURN_IF_ERROR(table.store().Delete(key));
    result.deleted_keys.push_back(key);
  }
  return result;
}

Result<std::vector<std::string>> RemoveOrphanFiles(Table& table, const OrphanOptions& options) {
  RETURN_IF_ERROR(table.Refresh());
  ASSIGN_OR_RETURN(auto referenced, ReferencedKeys(table));
  const TablePaths& paths = table.paths();
  std::string prefix = paths.key_prefix().empty() ? std::string() : paths.key_prefix() + "/";
  ASSIGN_OR_RETURN(auto objects, table.store().List(prefix));
  std::vector<std::string> removed;
  for (const auto& info : objects) {
    if (referenced.count(info.key)) continue;
    if (TablePaths::ParseMetadataVersion(info.key) || info.key == paths.VersionHintKey()) continue;
    if (info.mtime_ms >= options.older_than_ms) continue;
    if (!options.dry_run) RETURN_IF_ERROR(table.store().Delete(info.key));
    removed.push_back(info.key);
  }
  return removed;
}

}  // namespace thingsdb::iceberg
