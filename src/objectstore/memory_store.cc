#include "objectstore/memory_store.h"

#include <fmt/format.h>

#include <chrono>

#include "objectstore/byte_range.h"
#include "objectstore/object_key.h"

namespace thingsdb {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status Missing(std::string_view key) {
  return Status::NotFound(fmt::format("object '{}' does not exist in mem://", key));
}

}  // namespace

Result<std::string> MemoryStore::Get(std::string_view key, std::optional<ByteRange> range) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return Missing(key);
  return std::string(SliceByRange(it->second.data, range));
}

Status MemoryStore::Put(std::string_view key, std::string_view data) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  std::lock_guard lock(mu_);
  objects_.insert_or_assign(std::string(key), Entry{std::string(data), NowMs()});
  return Status::OK();
}

Status MemoryStore::PutIfAbsent(std::string_view key, std::string_view data) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  std::lock_guard lock(mu_);
  auto [it, inserted] = objects_.try_emplace(std::string(key), Entry{std::string(data), NowMs()});
  if (!inserted) return Status::Conflict(fmt::format("object '{}' already exists in mem://", key));
  return Status::OK();
}

Status MemoryStore::Delete(std::string_view key) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it != objects_.end()) objects_.erase(it);
  return Status::OK();
}

Result<std::vector<ObjectInfo>> MemoryStore::List(std::string_view prefix) {
  RETURN_IF_ERROR(ValidateObjectPrefix(prefix));
  std::lock_guard lock(mu_);
  std::vector<ObjectInfo> out;
  for (auto it = objects_.lower_bound(prefix); it != objects_.end(); ++it) {
    if (!std::string_view(it->first).starts_with(prefix)) break;
    out.push_back(ObjectInfo{it->first, it->second.data.size(), it->second.mtime_ms});
  }
  return out;
}

Result<ObjectInfo> MemoryStore::Head(std::string_view key) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return Missing(key);
  return ObjectInfo{it->first, it->second.data.size(), it->second.mtime_ms};
}

}  // namespace thingsdb
