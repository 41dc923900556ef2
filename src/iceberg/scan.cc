#include "iceberg/scan.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace thingsdb::iceberg {
namespace {

// A predicate resolved to a field id and typed literal.
struct BoundPredicate {
  int32_t field_id = 0;
  TypePtr type;
  CompareOp op = CompareOp::kEq;
  Literal value;
};

Result<std::vector<BoundPredicate>> Bind(const Schema& schema,
                                         const std::vector<Predicate>& filter) {
  std::vector<BoundPredicate> out;
  for (const auto& predicate : filter) {
    const NestedField* field = schema.FindField(predicate.column);
    if (field == nullptr) {
      return Status::InvalidArgument(
          fmt::format("filter column '{}' is not in the schema", predicate.column));
    }
    if (!field->type->is_primitive()) {
      return Status::InvalidArgument(
          fmt::format("filter column '{}' is not primitive", predicate.column));
    }
    ASSIGN_OR_RETURN(Literal value, CastLiteral(predicate.value, *field->type));
    out.push_back(BoundPredicate{field->id, field->type, predicate.op, std::move(value)});
  }
  return out;
}

// Projected predicates on partition fields (by position in the spec).
struct PartitionPredicate {
  size_t field_index = 0;
  TypePtr type;  // partition value type
  CompareOp op = CompareOp::kEq;
  Literal value;
};

std::vector<PartitionPredicate> ProjectFilter(const PartitionSpec& spec, const Schema& schema,
                                              const std::vector<BoundPredicate>& filter) {
  std::vector<PartitionPredicate> out;
  for (const auto& predicate : filter) {
    for (size_t field_idx = 0; field_idx < spec.fields.size(); ++field_idx) {
      const PartitionField& field = spec.fields[field_idx];
      if (field.source_id != predicate.field_id) continue;
      auto projected = field.transform.Project(predicate.op, predicate.value);
      auto result_type = field.transform.ResultType(predicate.type);
      if (!projected || !result_type.ok()) continue;
      out.push_back(
          PartitionPredicate{field_idx, *result_type, projected->first, projected->second});
    }
  }
  return out;
}

bool SummariesMayMatch(const ManifestFile& manifest,
                       const std::vector<PartitionPredicate>& predicates) {
  for (const auto& predicate : predicates) {
    if (predicate.field_index >= manifest.partitions.size()) continue;
    const PartitionFieldSummary& summary = manifest.partitions[predicate.field_index];
    if (!summary.lower_bound || !summary.upper_bound) {
      // No non-null values at all: a comparison with a value never matches a null.
      if (!summary.lower_bound && !summary.upper_bound && !summary.contains_null) continue;
      if (!summary.lower_bound && !summary.upper_bound && summary.contains_null) return false;
      continue;
    }
    auto lower =
        DeserializeSingleValue(*summary.lower_bound, *predicate.type, manifest.manifest_path);
    auto upper =
        DeserializeSingleValue(*summary.upper_bound, *predicate.type, manifest.manifest_path);
    if (!lower.ok() || !upper.ok()) continue;  // unreadable bounds never prune
    if (!RangeMayMatch(predicate.op, predicate.value, *lower, *upper)) return false;
  }
  return true;
}

bool PartitionMayMatch(const DataFile& file, const std::vector<PartitionPredicate>& predicates) {
  for (const auto& predicate : predicates) {
    if (predicate.field_index >= file.partition.size()) continue;
    const auto& value = file.partition[predicate.field_index];
    if (!value) return false;  // null source values never satisfy a comparison
    if (!RangeMayMatch(predicate.op, predicate.value, *value, *value)) return false;
  }
  return true;
}

bool BoundsMayMatch(const DataFile& file, const std::vector<BoundPredicate>& filter) {
  for (const auto& predicate : filter) {
    auto lower_it = file.lower_bounds.find(predicate.field_id);
    auto upper_it = file.upper_bounds.find(predicate.field_id);
    if (lower_it == file.lower_bounds.end() || upper_it == file.upper_bounds.end()) {
      // All values null (value count == null count) never match a comparison.
      auto values = file.value_counts.find(predicate.field_id);
      auto nulls = file.null_value_counts.find(predicate.field_id);
      if (values != file.value_counts.end() && nulls != file.null_value_counts.end() &&
          values->second == nulls->second) {
        return false;
      }
      continue;
    }
    auto lower = DeserializeSingleValue(lower_it->second, *predicate.type, file.file_path);
    auto upper = DeserializeSingleValue(upper_it->second, *predicate.type, file.file_path);
    if (!lower.ok() || !upper.ok()) continue;
    if (predicate.type->id == TypeId::kFloat || predicate.type->id == TypeId::kDouble) {
      if (lower->real != lower->real || upper->real != upper->real) continue;  // NaN bounds
    }
    if (!RangeMayMatch(predicate.op, predicate.value, *lower, *upper)) return false;
  }
  return true;
}

bool SamePartition(const DataFile& a, const DataFile& b) {
  if (a.spec_id != b.spec_id || a.partition.size() != b.partition.size()) return false;
  for (size_t field_idx = 0; field_idx < a.partition.size(); ++field_idx) {
    const auto& x = a.partition[field_idx];
    const auto& y = b.partition[field_idx];
    if (x.has_value() != y.has_value()) return false;
    if (x && Literal::Compare(*x, *y) != 0) return false;
  }
  return true;
}

bool DeleteApplies(const ScanFile& data, const ScanFile& deletes, const TableMetadata& metadata) {
  const DataFile& delete_file = deletes.file;
  const PartitionSpec* delete_spec = metadata.SpecById(delete_file.spec_id);
  bool global = delete_spec != nullptr && delete_spec->unpartitioned();
  if (delete_file.content == FileContent::kPositionDeletes) {
    if (deletes.data_sequence_number < data.data_sequence_number) return false;
    if (!global && !SamePartition(data.file, delete_file)) return false;
    // Position deletes whose file_path bounds exclude this data file do not apply.
    auto lower = delete_file.lower_bounds.find(kDeleteFilePathFieldId);
    auto upper = delete_file.upper_bounds.find(kDeleteFilePathFieldId);
    if (lower != delete_file.lower_bounds.end() && upper != delete_file.upper_bounds.end()) {
      if (data.file.file_path < lower->second) return false;
      // Upper bounds may be truncated; only an untruncated (equal) pair is exact.
      if (lower->second == upper->second && data.file.file_path != lower->second) return false;
    }
    return true;
  }
  if (deletes.data_sequence_number <= data.data_sequence_number) return false;
  return global || SamePartition(data.file, delete_file);
}

}  // namespace

bool RangeMayMatch(CompareOp op, const Literal& value, const Literal& lower, const Literal& upper) {
  switch (op) {
    case CompareOp::kEq:
      return Literal::Compare(lower, value) <= 0 && Literal::Compare(value, upper) <= 0;
    case CompareOp::kLt:
      return Literal::Compare(lower, value) < 0;
    case CompareOp::kLe:
      return Literal::Compare(lower, value) <= 0;
    case CompareOp::kGt:
      return Literal::Compare(upper, value) > 0;
    case CompareOp::kGe:
      return Literal::Compare(upper, value) >= 0;
  }
  return true;
}

Result<std::vector<ManifestFile>> ReadSnapshotManifests(ObjectStore& store, const TablePaths& paths,
                                                        const Snapshot& snapshot) {
  ASSIGN_OR_RETURN(std::string key, paths.ToKey(snapshot.manifest_list));
  auto bytes = store.Get(key);
  if (!bytes.ok()) {
    return Status(bytes.status().code(),
                  fmt::format("snapshot {}: manifest list '{}' {}: {}", snapshot.snapshot_id,
                              snapshot.manifest_list,
                              bytes.status().IsNotFound() ? "not found" : "unreadable",
                              bytes.status().message()));
  }
  return ReadManifestList(std::move(*bytes), key);
}

namespace {

// The entries of one manifest as stored (no inheritance).
Result<std::vector<ManifestEntry>> ReadRawManifestEntries(ObjectStore& store,
                                                          const TablePaths& paths,
                                                          const TableMetadata& metadata,
                                                          const ManifestFile& manifest) {
  const PartitionSpec* spec = metadata.SpecById(manifest.partition_spec_id);
  if (spec == nullptr) {
    return Status::Corruption(fmt::format("manifest '{}' names unknown partition spec {}",
                                          manifest.manifest_path, manifest.partition_spec_id));
  }
  ASSIGN_OR_RETURN(std::string key, paths.ToKey(manifest.manifest_path));
  auto bytes = store.Get(key);
  if (!bytes.ok()) {
    return Status(bytes.status().code(),
                  fmt::format("manifest '{}' {}: {}", manifest.manifest_path,
                              bytes.status().IsNotFound() ? "not found" : "unreadable",
                              bytes.status().message()));
  }
  // Partition types come from the spec; source types from any schema that has them
  // (the current one first: specs may refer to columns added later).
  const Schema* schema = metadata.CurrentSchema();
  return ReadManifest(std::move(*bytes), key, *schema, *spec);
}

// Sequence numbers and snapshot id of `entry` with what it inherits from the manifest list
// (the spec's rule: null means "the manifest's").
struct Inherited {
  int64_t snapshot_id = 0;
  int64_t sequence_number = 0;
  int64_t file_sequence_number = 0;
};

Result<Inherited> Inherit(const ManifestEntry& entry, const ManifestFile& manifest,
                          const TableMetadata& metadata, std::string_view key) {
  Inherited out;
  out.snapshot_id = entry.snapshot_id ? *entry.snapshot_id : manifest.added_snapshot_id;
  if (entry.sequence_number) {
    out.sequence_number = *entry.sequence_number;
  } else {
    if (entry.status != EntryStatus::kAdded && metadata.format_version >= 2) {
      return Status::Corruption(
          fmt::format("{}: {} entry '{}' without a sequence number", key,
                      entry.status == EntryStatus::kExisting ? "EXISTING" : "DELETED",
                      entry.data_file.file_path));
    }
    out.sequence_number = manifest.sequence_number;
  }
  out.file_sequence_number =
      entry.file_sequence_number ? *entry.file_sequence_number : manifest.sequence_number;
  return out;
}

ManifestCache* CacheOf(const ScanOptions& options) {
  if (!options.use_manifest_cache) return nullptr;
  return options.manifest_cache != nullptr ? options.manifest_cache : &ManifestCache::Global();
}

Result<std::shared_ptr<const std::vector<ManifestFile>>> CachedManifestList(
    ObjectStore& store, const TablePaths& paths, const TableMetadata& metadata,
    const Snapshot& snapshot, ManifestCache* cache, ScanPlan* plan) {
  std::string cache_key;
  if (cache != nullptr) {
    ASSIGN_OR_RETURN(std::string key, paths.ToKey(snapshot.manifest_list));
    cache_key =
        fmt::format("list\n{}\n{}\n{}\n{}\n{}\n{}", store.Describe(), metadata.table_uuid, key,
                    snapshot.snapshot_id, snapshot.sequence_number, snapshot.timestamp_ms);
    if (auto hit = cache->LookupList(cache_key)) {
      ++plan->manifest_cache_hits;
      return hit;
    }
    ++plan->manifest_cache_misses;
  }
  ASSIGN_OR_RETURN(std::vector<ManifestFile> list, ReadSnapshotManifests(store, paths, snapshot));
  auto shared = std::make_shared<const std::vector<ManifestFile>>(std::move(list));
  if (cache != nullptr) cache->InsertList(cache_key, shared);
  return shared;
}

Result<std::shared_ptr<const std::vector<ManifestEntry>>> CachedManifestEntries(
    ObjectStore& store, const TablePaths& paths, const TableMetadata& metadata,
    const ManifestFile& manifest, std::string_view key, ManifestCache* cache, ScanPlan* plan) {
  std::string cache_key;
  if (cache != nullptr) {
    cache_key = fmt::format("manifest\n{}\n{}\n{}\n{}\n{}\n{}", store.Describe(),
                            metadata.table_uuid, key, manifest.manifest_length,
                            manifest.partition_spec_id, metadata.current_schema_id);
    if (auto hit = cache->LookupManifest(cache_key)) {
      ++plan->manifest_cache_hits;
      return hit;
    }
    ++plan->manifest_cache_misses;
  }
  ASSIGN_OR_RETURN(std::vector<ManifestEntry> entries,
                   ReadRawManifestEntries(store, paths, metadata, manifest));
  auto shared = std::make_shared<const std::vector<ManifestEntry>>(std::move(entries));
  if (cache != nullptr) cache->InsertManifest(cache_key, shared);
  return shared;
}

}  // namespace

Result<std::vector<ManifestEntry>> ReadManifestEntries(ObjectStore& store, const TablePaths& paths,
                                                       const TableMetadata& metadata,
                                                       const ManifestFile& manifest) {
  ASSIGN_OR_RETURN(auto entries, ReadRawManifestEntries(store, paths, metadata, manifest));
  ASSIGN_OR_RETURN(std::string key, paths.ToKey(manifest.manifest_path));
  for (auto& entry : entries) {
    ASSIGN_OR_RETURN(Inherited inherited, Inherit(entry, manifest, metadata, key));
    entry.snapshot_id = inherited.snapshot_id;
    entry.sequence_number = inherited.sequence_number;
    entry.file_sequence_number = inherited.file_sequence_number;
  }
  return entries;
}

Result<ScanPlan> PlanScan(ObjectStore& store, const TablePaths& paths,
                          const TableMetadata& metadata, const ScanOptions& options) {
  ScanPlan plan;
  const Snapshot* snapshot = nullptr;
  if (options.snapshot_id) {
    snapshot = metadata.SnapshotById(*options.snapshot_id);
    if (snapshot == nullptr)
      return Status::NotFound(fmt::format("snapshot {} does not exist", *options.snapshot_id));
  } else if (options.as_of_timestamp_ms) {
    snapshot = metadata.SnapshotAsOf(*options.as_of_timestamp_ms);
    if (snapshot == nullptr) {
      return Status::NotFound(
          fmt::format("the table had no snapshot at {} ms", *options.as_of_timestamp_ms));
    }
  } else {
    snapshot = metadata.CurrentSnapshot();
  }
  const Schema* schema = metadata.CurrentSchema();
  if (snapshot != nullptr && snapshot->schema_id && metadata.SchemaById(*snapshot->schema_id)) {
    schema = metadata.SchemaById(*snapshot->schema_id);
  }
  plan.schema_id = schema->schema_id;
  if (snapshot == nullptr) return plan;
  plan.snapshot_id = snapshot->snapshot_id;
  ASSIGN_OR_RETURN(std::vector<BoundPredicate> filter, Bind(*schema, options.filter));
  ManifestCache* cache = CacheOf(options);
  ASSIGN_OR_RETURN(auto manifest_list,
                   CachedManifestList(store, paths, metadata, *snapshot, cache, &plan));
  const std::vector<ManifestFile>& manifests = *manifest_list;

  std::vector<ScanFile> data_files, delete_files;
  std::map<int32_t, std::vector<PartitionPredicate>> projected;  // by spec id
  for (const auto& manifest : manifests) {
    const PartitionSpec* spec = metadata.SpecById(manifest.partition_spec_id);
    if (spec == nullptr) {
      return Status::Corruption(fmt::format("manifest '{}' names unknown partition spec {}",
                                            manifest.manifest_path, manifest.partition_spec_id));
    }
    if (!projected.count(spec->spec_id))
      projected[spec->spec_id] = ProjectFilter(*spec, *schema, filter);
    const auto& partition_filter = projected[spec->spec_id];
    bool is_data = manifest.content == ManifestContent::kData;
    if (is_data && !SummariesMayMatch(manifest, partition_filter)) {
      ++plan.manifests_pruned;
      continue;
    }
    ASSIGN_OR_RETURN(std::string key, paths.ToKey(manifest.manifest_path));
    ASSIGN_OR_RETURN(auto entries,
                     CachedManifestEntries(store, paths, metadata, manifest, key, cache, &plan));
    // Inheritance is checked for every entry first (a bad one fails the scan wherever it is).
    std::vector<Inherited> inherited;
    inherited.reserve(entries->size());
    for (const auto& entry : *entries) {
      ASSIGN_OR_RETURN(Inherited numbers, Inherit(entry, manifest, metadata, key));
      inherited.push_back(numbers);
    }
    for (size_t entry_idx = 0; entry_idx < entries->size(); ++entry_idx) {
      const ManifestEntry& entry = (*entries)[entry_idx];
      if (entry.status == EntryStatus::kDeleted) continue;
      const DataFile& data_file = entry.data_file;
      if (data_file.content == FileContent::kData) {
        if (!PartitionMayMatch(data_file, partition_filter) || !BoundsMayMatch(data_file, filter)) {
          ++plan.files_pruned;
          continue;
        }
      }
      ScanFile file{data_file, inherited[entry_idx].sequence_number,
                    inherited[entry_idx].file_sequence_number};
      if (file.file.content == FileContent::kData) {
        data_files.push_back(std::move(file));
      } else {
        delete_files.push_back(std::move(file));
      }
    }
  }
  for (auto& data : data_files) {
    FileScanTask task;
    for (const auto& deletes : delete_files) {
      if (DeleteApplies(data, deletes, metadata)) task.deletes.push_back(deletes);
    }
    task.data = std::move(data);
    plan.tasks.push_back(std::move(task));
  }
  return plan;
}

}  // namespace thingsdb::iceberg
