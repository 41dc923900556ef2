#include "iceberg/table.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <random>
#include <set>

namespace thingsdb::iceberg {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string RandomUuid() {
  std::random_device device;
  std::mt19937_64 rng((static_cast<uint64_t>(device()) << 32) ^ device() ^
                      static_cast<uint64_t>(NowMs()));
  uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;                         // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff,
                     hi & 0xffff, lo >> 48, lo & 0xffffffffffffULL);
}

// An integer table property; `fallback` when absent or not a number.
int64_t PropertyInt(const TableMetadata& metadata, const char* name, int64_t fallback) {
  auto it = metadata.properties.find(name);
  if (it == metadata.properties.end()) return fallback;
  int64_t value = 0;
  auto [end, ec] =
      std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
  return ec == std::errc() && end == it->second.data() + it->second.size() ? value : fallback;
}

uint64_t HashToken(std::string_view token) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a, then a splitmix finalizer
  for (char c : token) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 0x100000001b3ULL;
  }
  hash ^= hash >> 30;
  hash *= 0xbf58476d1ce4e5b9ULL;
  hash ^= hash >> 27;
  hash *= 0x94d049bb133111ebULL;
  return hash ^ (hash >> 31);
}

int64_t SnapshotIdFromToken(std::string_view token) {
  int64_t id = static_cast<int64_t>(HashToken(token) & static_cast<uint64_t>(INT64_MAX));
  return id == 0 ? 1 : id;
}

// Per-partition-field summaries of a manifest's files.
Result<std::vector<PartitionFieldSummary>> Summarize(const std::vector<ManifestEntry>& entries,
                                                     const Type& partition_type) {
  std::vector<PartitionFieldSummary> out(partition_type.fields.size());
  std::vector<std::optional<Literal>> lower(out.size()), upper(out.size());
  for (const auto& entry : entries) {
    for (size_t field_idx = 0; field_idx < out.size(); ++field_idx) {
      const auto& value = entry.data_file.partition[field_idx];
      if (!value) {
        out[field_idx].contains_null = true;
        continue;
      }
      if (!lower[field_idx] || Literal::Compare(*value, *lower[field_idx]) < 0)
        lower[field_idx] = value;
      if (!upper[field_idx] || Literal::Compare(*value, *upper[field_idx]) > 0)
        upper[field_idx] = value;
    }
  }
  for (size_t field_idx = 0; field_idx < out.size(); ++field_idx) {
    const Type& type = *partition_type.fields[field_idx].type;
    if (type.id == TypeId::kFloat || type.id == TypeId::kDouble)
      out[field_idx].contains_nan = false;
    if (lower[field_idx]) {
      ASSIGN_OR_RETURN(out[field_idx].lower_bound, SerializeSingleValue(*lower[field_idx], type));
      ASSIGN_OR_RETURN(out[field_idx].upper_bound, SerializeSingleValue(*upper[field_idx], type));
    }
  }
  return out;
}

// Summary counters of one commit (spec "Snapshot Summary").
struct SummaryDelta {
  std::map<std::string, int64_t> counts;
  void Add(const DataFile& file, bool added) {
    const char* verb = added ? "added" : "removed";
    if (added)
      counts["added-files-size"] += file.file_size_in_bytes;
    else
      counts["removed-files-size"] += file.file_size_in_bytes;
    switch (file.content) {
      case FileContent::kData:
        counts[added ? "added-data-files" : "deleted-data-files"] += 1;
        counts[added ? "added-records" : "deleted-records"] += file.record_count;
        break;
      case FileContent::kPositionDeletes:
        counts[fmt::format("{}-delete-files", verb)] += 1;
        counts[fmt::format("{}-position-delete-files", verb)] += 1;
        counts[fmt::format("{}-position-deletes", verb)] += file.record_count;
        break;
      case FileContent::kEqualityDeletes:
        counts[fmt::format("{}-delete-files", verb)] += 1;
        counts[fmt::format("{}-equality-delete-files", verb)] += 1;
        counts[fmt::format("{}-equality-deletes", verb)] += file.record_count;
        break;
    }
  }
  int64_t Get(const char* key) const {
    auto it = counts.find(key);
    return it == counts.end() ? 0 : it->second;
  }
};

std::map<std::string, std::string> BuildSummary(const SummaryDelta& delta, const Snapshot* parent,
                                                const std::string& operation) {
  std::map<std::string, std::string> summary;
  summary["operation"] = operation;
  for (const auto& [key, value] : delta.counts) {
    if (value != 0) summary[key] = std::to_string(value);
  }
  auto total = [&](const char* key, int64_t change) {
    int64_t base = parent ? parent->SummaryCount(key) : 0;
    summary[key] = std::to_string(base + change);
  };
  total("total-records", delta.Get("added-records") - delta.Get("deleted-records"));
  total("total-files-size", delta.Get("added-files-size") - delta.Get("removed-files-size"));
  total("total-data-files", delta.Get("added-data-files") - delta.Get("deleted-data-files"));
  total("total-delete-files", delta.Get("added-delete-files") - delta.Get("removed-delete-files"));
  total("total-position-deletes",
        delta.Get("added-position-deletes") - delta.Get("removed-position-deletes"));
  total("total-equality-deletes",
        delta.Get("added-equality-deletes") - delta.Get("removed-equality-deletes"));
  return summary;
}

}  // namespace

Result<std::unique_ptr<Table>> Table::Create(ObjectStore& store, TablePaths paths, Schema schema,
                                             PartitionSpec spec, CreateTableOptions options) {
  ASSIGN_OR_RETURN(auto existing, store.List(paths.MetadataPrefix()));
  for (const auto& info : existing) {
    if (TablePaths::ParseMetadataVersion(info.key)) {
      return Status::Conflict(fmt::format("a table already exists at {}", paths.MetadataPrefix()));
    }
  }
  RETURN_IF_ERROR(spec.PartitionType(schema));
  std::unique_ptr<Table> table(new Table(store, paths));
  TableMetadata& md = table->metadata_;
  md.format_version = 2;
  md.table_uuid = options.table_uuid.empty() ? RandomUuid() : options.table_uuid;
  md.location = paths.location();
  md.last_updated_ms = options.timestamp_ms != 0 ? options.timestamp_ms : NowMs();
  md.last_column_id = schema.HighestFieldId();
  md.current_schema_id = schema.schema_id;
  md.schemas.push_back(std::move(schema));
  md.default_spec_id = spec.spec_id;
  md.last_partition_id = spec.HighestFieldId();
  md.partition_specs.push_back(std::move(spec));
  md.default_sort_order_id = options.sort_order.order_id;
  md.sort_orders.push_back(options.sort_order);
  md.properties = std::move(options.properties);
  std::string key = paths.MetadataFileKey(1);
  RETURN_IF_ERROR(store.PutIfAbsent(key, SerializeTableMetadata(md)));
  table->version_ = 1;
  (void)store.Put(paths.VersionHintKey(), "1");  // a missing hint is tolerated by Load
  return table;
}

Result<std::unique_ptr<Table>> Table::Load(ObjectStore& store, TablePaths paths) {
  std::unique_ptr<Table> table(new Table(store, std::move(paths)));
  RETURN_IF_ERROR(table->Refresh());
  return table;
}

Result<std::unique_ptr<Table>> Table::LoadMetadataFile(ObjectStore& store, TablePaths paths,
                                                       const std::string& metadata_key) {
  std::unique_ptr<Table> table(new Table(store, std::move(paths)));
  ASSIGN_OR_RETURN(std::string bytes, store.Get(metadata_key));
  ASSIGN_OR_RETURN(table->metadata_, ParseTableMetadata(bytes, metadata_key));
  table->version_ = TablePaths::ParseMetadataVersion(metadata_key).value_or(0);
  table->paths_ = table->paths_.WithLocation(table->metadata_.location);
  return table;
}

Result<int64_t> Table::FindNewestVersion() {
  std::optional<int64_t> version;
  auto hint = store_.Get(paths_.VersionHintKey());
  if (hint.ok()) {
    std::string text = *hint;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    if (!text.empty() && text[0] == 'v') text.erase(0, 1);
    version = TablePaths::ParseMetadataVersion(fmt::format("v{}.metadata.json", text));
    if (version && !store_.Head(paths_.MetadataFileKey(*version)).ok()) version.reset();
  } else if (!hint.status().IsNotFound()) {
    return hint.status();
  }
  if (!version) {
    // No usable hint: the largest vN among the metadata files.
    ASSIGN_OR_RETURN(auto objects, store_.List(paths_.MetadataPrefix()));
    for (const auto& info : objects) {
      auto parsed = TablePaths::ParseMetadataVersion(info.key);
      if (parsed && (!version || *parsed > *version)) version = parsed;
    }
    if (!version) {
      return Status::NotFound(
          fmt::format("no Iceberg table at {} ({})", paths_.MetadataPrefix(), store_.Describe()));
    }
  }
  // The hint is written after the commit, so it may lag: probe forward.
  while (true) {
    auto next = store_.Head(paths_.MetadataFileKey(*version + 1));
    if (!next.ok()) {
      if (next.status().IsNotFound()) break;
      return next.status();
    }
    ++*version;
  }
  return *version;
}

Status Table::LoadVersion(int64_t version) {
  std::string key = paths_.MetadataFileKey(version);
  ASSIGN_OR_RETURN(std::string bytes, store_.Get(key));
  ASSIGN_OR_RETURN(TableMetadata metadata, ParseTableMetadata(bytes, key));
  metadata_ = std::move(metadata);
  version_ = version;
  paths_ = paths_.WithLocation(metadata_.location);
  return Status::OK();
}

Status Table::Refresh() {
  ASSIGN_OR_RETURN(int64_t version, FindNewestVersion());
  return LoadVersion(version);
}

Result<Snapshot> Table::Append(std::vector<DataFile> data_files, const CommitOptions& options) {
  ChangeSet changes;
  changes.added_data_files = std::move(data_files);
  return Commit(changes, options);
}

Result<Snapshot> Table::AddDeletes(std::vector<DataFile> delete_files,
                                   std::vector<DataFile> data_files, const CommitOptions& options) {
  ChangeSet changes;
  changes.added_delete_files = std::move(delete_files);
  changes.added_data_files = std::move(data_files);
  return Commit(changes, options);
}

Result<Snapshot> Table::Replace(std::vector<std::string> removed_files,
                                std::vector<DataFile> added_files, const CommitOptions& options) {
  ChangeSet changes;
  changes.removed_files = std::move(removed_files);
  for (auto& file : added_files) {
    if (file.content == FileContent::kData)
      changes.added_data_files.push_back(std::move(file));
    else
      changes.added_delete_files.push_back(std::move(file));
  }
  changes.operation = "replace";
  return Commit(changes, options);
}

Result<Snapshot> Table::Commit(const ChangeSet& changes, const CommitOptions& options) {
  if (version_ <= 0)
    return Status::InvalidArgument("this table was not loaded by version; cannot commit");
  const std::string token = options.commit_token.empty() ? RandomUuid() : options.commit_token;
  const int64_t snapshot_id = SnapshotIdFromToken(token);
  for (int attempt = 1; attempt <= std::max(1, options.max_attempts); ++attempt) {
    if (attempt > 1) RETURN_IF_ERROR(Refresh());
    if (!options.commit_token.empty()) {
      for (const auto& snapshot : metadata_.snapshots) {
        auto it = snapshot.summary.find(kCommitTokenProperty);
        if (it != snapshot.summary.end() && it->second == token)
          return snapshot;  // already committed
      }
    }
    auto result = CommitAttempt(changes, options, token, snapshot_id, attempt);
    if (result.ok() || !result.status().IsConflict()) return result;
  }
  return Status::Conflict(fmt::format("commit to {} gave up after {} conflicting attempts",
                                      paths_.location(), options.max_attempts));
}

namespace {

// One commit attempt's manifest writing: names objects by (token, attempt), tracks the
// summary counters and the manifests of the new list.
class ManifestBuilder {
 public:
  ManifestBuilder(ObjectStore& store, const TablePaths& paths, const TableMetadata& base,
                  const std::string& token, int attempt, int64_t snapshot_id,
                  int64_t sequence_number)
      : store_(store),
        paths_(paths),
        base_(base),
        schema_(*base.CurrentSchema()),
        token_(token),
        attempt_(attempt),
        snapshot_id_(snapshot_id),
        sequence_number_(sequence_number),
        seed_(HashToken(token) + static_cast<uint64_t>(attempt)) {}

  // A manifest of ADDED entries (sequence numbers inherited from the manifest list).
  Status AddFiles(const std::vector<DataFile>& files, ManifestContent content,
                  const PartitionSpec& spec) {
    if (files.empty()) return Status::OK();
    ASSIGN_OR_RETURN(TypePtr partition_type, spec.PartitionType(schema_));
    std::vector<ManifestEntry> entries;
    for (const auto& file : files) {
      RETURN_IF_ERROR(CheckFile(file, content, *partition_type));
      ManifestEntry entry;
      entry.status = EntryStatus::kAdded;
      entry.snapshot_id = snapshot_id_;
      entry.data_file = file;
      entry.data_file.spec_id = spec.spec_id;
      delta_.Add(file, true);
      entries.push_back(std::move(entry));
    }
    return Write(entries, spec, content);
  }

  // Carries the parent's manifests over, rewriting those that hold a removed file (removed
  // entries DELETED, others EXISTING). InvalidArgument when a removed path is not live.
  Status CarryOver(const Snapshot* parent, const std::set<std::string>& removed) {
    std::set<std::string> found;
    if (parent != nullptr) {
      ASSIGN_OR_RETURN(auto manifests, ReadSnapshotManifests(store_, paths_, *parent));
      for (auto& manifest : manifests)
        RETURN_IF_ERROR(CarryOne(std::move(manifest), removed, found));
    }
    for (const auto& path : removed) {
      if (!found.count(path)) {
        return Status::InvalidArgument(
            fmt::format("cannot remove '{}': not a live file of the current snapshot", path));
      }
    }
    return Status::OK();
  }

  // The new list: written manifests first, then the carried ones.
  std::vector<ManifestFile> Manifests() const {
    std::vector<ManifestFile> out = written_;
    out.insert(out.end(), kept_.begin(), kept_.end());
    return out;
  }
  const SummaryDelta& delta() const { return delta_; }
  uint64_t seed() const { return seed_; }

 private:
  Status CheckFile(const DataFile& file, ManifestContent content,
                   const Type& partition_type) const {
    bool is_data = file.content == FileContent::kData;
    if (is_data != (content == ManifestContent::kData)) {
      return Status::InvalidArgument(
          fmt::format("'{}' has the wrong content for this change", file.file_path));
    }
    if (file.content == FileContent::kEqualityDeletes && file.equality_ids.empty()) {
      return Status::InvalidArgument(
          fmt::format("equality delete file '{}' has no equality_ids", file.file_path));
    }
    if (file.partition.size() != partition_type.fields.size()) {
      return Status::InvalidArgument(fmt::format("'{}' has {} partition values; the spec has {}",
                                                 file.file_path, file.partition.size(),
                                                 partition_type.fields.size()));
    }
    return Status::OK();
  }

  Status CarryOne(ManifestFile manifest, const std::set<std::string>& removed,
                  std::set<std::string>& found) {
    bool has_live = manifest.added_files_count + manifest.existing_files_count > 0 ||
                    manifest.deleted_files_count == 0;
    if (!has_live) return Status::OK();  // only DELETED entries of an older commit
    if (removed.empty()) {
      kept_.push_back(std::move(manifest));
      return Status::OK();
    }
    ASSIGN_OR_RETURN(auto entries, ReadManifestEntries(store_, paths_, base_, manifest));
    bool touched = std::any_of(entries.begin(), entries.end(), [&](const ManifestEntry& entry) {
      return entry.status != EntryStatus::kDeleted && removed.count(entry.data_file.file_path);
    });
    if (!touched) {
      kept_.push_back(std::move(manifest));
      return Status::OK();
    }
    std::vector<ManifestEntry> rewritten;
    for (auto& entry : entries) {
      if (entry.status == EntryStatus::kDeleted) continue;
      if (removed.count(entry.data_file.file_path)) {
        found.insert(entry.data_file.file_path);
        delta_.Add(entry.data_file, false);
        entry.status = EntryStatus::kDeleted;
        entry.snapshot_id = snapshot_id_;
      } else {
        entry.status = EntryStatus::kExisting;
      }
      rewritten.push_back(std::move(entry));
    }
    const PartitionSpec* spec = base_.SpecById(manifest.partition_spec_id);
    if (spec == nullptr) return Status::Corruption("manifest names an unknown partition spec");
    return Write(rewritten, *spec, manifest.content);
  }

  // Writes one manifest and describes it for the manifest list.
  Status Write(const std::vector<ManifestEntry>& entries, const PartitionSpec& spec,
               ManifestContent content) {
    ASSIGN_OR_RETURN(TypePtr type, spec.PartitionType(schema_));
    ASSIGN_OR_RETURN(std::string bytes,
                     WriteManifest(schema_, spec, content, entries, seed_ + next_index_));
    std::string key = paths_.ManifestKey(token_, attempt_, next_index_++);
    RETURN_IF_ERROR(store_.Put(key, bytes));
    ManifestFile manifest;
    manifest.manifest_path = paths_.ToLocation(key);
    manifest.manifest_length = static_cast<int64_t>(bytes.size());
    manifest.partition_spec_id = spec.spec_id;
    manifest.content = content;
    manifest.sequence_number = sequence_number_;
    manifest.min_sequence_number = sequence_number_;
    manifest.added_snapshot_id = snapshot_id_;
    for (const auto& entry : entries) {
      int64_t rows = entry.data_file.record_count;
      if (entry.status == EntryStatus::kAdded) {
        ++manifest.added_files_count;
        manifest.added_rows_count += rows;
      } else if (entry.status == EntryStatus::kExisting) {
        ++manifest.existing_files_count;
        manifest.existing_rows_count += rows;
      } else {
        ++manifest.deleted_files_count;
        manifest.deleted_rows_count += rows;
      }
      if (entry.sequence_number && entry.status != EntryStatus::kDeleted) {
        manifest.min_sequence_number =
            std::min(manifest.min_sequence_number, *entry.sequence_number);
      }
    }
    ASSIGN_OR_RETURN(manifest.partitions, Summarize(entries, *type));
    written_.push_back(std::move(manifest));
    return Status::OK();
  }

  ObjectStore& store_;
  const TablePaths& paths_;
  const TableMetadata& base_;
  const Schema& schema_;
  const std::string& token_;
  const int attempt_;
  const int64_t snapshot_id_;
  const int64_t sequence_number_;
  const uint64_t seed_;
  int next_index_ = 0;
  SummaryDelta delta_;
  std::vector<ManifestFile> written_, kept_;
};

std::string DeriveOperation(const ChangeSet& changes) {
  if (!changes.operation.empty()) return changes.operation;
  if (changes.removed_files.empty() && changes.added_delete_files.empty()) return "append";
  if (changes.removed_files.empty() && changes.added_data_files.empty()) return "delete";
  return "overwrite";
}

}  // namespace

Result<Snapshot> Table::CommitAttempt(const ChangeSet& changes, const CommitOptions& options,
                                      const std::string& token, int64_t snapshot_id, int attempt) {
  const Snapshot* parent = metadata_.CurrentSnapshot();
  const int64_t sequence_number = metadata_.last_sequence_number + 1;
  const PartitionSpec* spec = metadata_.DefaultSpec();
  if (spec == nullptr) return Status::Corruption("table metadata has no default partition spec");

  ManifestBuilder builder(store_, paths_, metadata_, token, attempt, snapshot_id, sequence_number);
  RETURN_IF_ERROR(builder.AddFiles(changes.added_data_files, ManifestContent::kData, *spec));
  RETURN_IF_ERROR(builder.AddFiles(changes.added_delete_files, ManifestContent::kDeletes, *spec));
  RETURN_IF_ERROR(builder.CarryOver(
      parent, std::set<std::string>(changes.removed_files.begin(), changes.removed_files.end())));
  ManifestListHeader header{snapshot_id,
                            parent ? std::optional<int64_t>(parent->snapshot_id) : std::nullopt,
                            sequence_number};
  ASSIGN_OR_RETURN(std::string list_bytes,
                   WriteManifestList(header, builder.Manifests(), builder.seed()));
  std::string list_key = paths_.ManifestListKey(snapshot_id, attempt, token);
  RETURN_IF_ERROR(store_.Put(list_key, list_bytes));

  Snapshot snapshot;
  snapshot.snapshot_id = snapshot_id;
  if (parent) snapshot.parent_snapshot_id = parent->snapshot_id;
  snapshot.sequence_number = sequence_number;
  snapshot.timestamp_ms = std::max(options.timestamp_ms != 0 ? options.timestamp_ms : NowMs(),
                                   metadata_.last_updated_ms);
  snapshot.manifest_list = paths_.ToLocation(list_key);
  snapshot.summary = BuildSummary(builder.delta(), parent, DeriveOperation(changes));
  for (const auto& [key, value] : options.summary) snapshot.summary[key] = value;
  if (!options.commit_token.empty()) snapshot.summary[kCommitTokenProperty] = token;
  snapshot.schema_id = metadata_.current_schema_id;

  TableMetadata updated = metadata_;
  updated.snapshots.push_back(snapshot);
  updated.current_snapshot_id = snapshot_id;
  SnapshotRef main;
  main.snapshot_id = snapshot_id;
  updated.refs["main"] = main;
  updated.snapshot_log.push_back(SnapshotLogEntry{snapshot.timestamp_ms, snapshot_id});
  updated.last_sequence_number = sequence_number;
  updated.last_updated_ms = snapshot.timestamp_ms;
  RETURN_IF_ERROR(SwapMetadata(updated));
  return snapshot;
}

Status Table::CommitMetadata(TableMetadata updated) {
  updated.last_updated_ms = std::max(NowMs(), metadata_.last_updated_ms);
  return SwapMetadata(updated);
}

Status Table::SwapMetadata(const TableMetadata& updated_in) {
  TableMetadata updated = updated_in;
  updated.metadata_log.push_back(
      MetadataLogEntry{metadata_.last_updated_ms, paths_.ToLocation(metadata_key())});
  // The log keeps the newest write.metadata.previous-versions-max files (as Iceberg's
  // writers do); with write.metadata.delete-after-commit.enabled, the files that fall off
  // are deleted once this commit has landed.
  const size_t keep = static_cast<size_t>(
      std::max<int64_t>(1, PropertyInt(updated, kPreviousVersionsMaxProperty,
                                       kDefaultPreviousVersionsMax)));
  std::vector<std::string> dropped;
  if (updated.metadata_log.size() > keep) {
    auto first_kept = updated.metadata_log.end() - static_cast<std::ptrdiff_t>(keep);
    for (auto it = updated.metadata_log.begin(); it != first_kept; ++it) {
      dropped.push_back(it->metadata_file);
    }
    updated.metadata_log.erase(updated.metadata_log.begin(), first_kept);
  }
  const int64_t next = version_ + 1;
  RETURN_IF_ERROR(
      store_.PutIfAbsent(paths_.MetadataFileKey(next), SerializeTableMetadata(updated)));
  metadata_ = std::move(updated);
  version_ = next;
  // Committed. The hint only speeds up loading; a stale one is probed past (docs/iceberg.md).
  (void)store_.Put(paths_.VersionHintKey(), std::to_string(next));
  auto delete_after = metadata_.properties.find(kDeleteAfterCommitProperty);
  if (delete_after != metadata_.properties.end() && delete_after->second == "true") {
    for (const std::string& location : dropped) {
      auto key = paths_.ToKey(location);
      // Best effort: a file left behind is only unused, and never read again.
      if (key.ok() && TablePaths::ParseMetadataVersion(*key)) (void)store_.Delete(*key);
    }
  }
  return Status::OK();
}

}  // namespace thingsdb::iceberg
