// MemoryStore: an ObjectStore in a std::map, for tests and ephemeral namespaces (LevelDB's
// NewMemEnv). Keys are validated like every other store's. Thread-safe; every call is atomic.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "objectstore/object_store.h"

namespace thingsdb {

class MemoryStore : public ObjectStore {
 public:
  MemoryStore() = default;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  Result<std::string> Get(std::string_view key,
                          std::optional<ByteRange> range = std::nullopt) override;
  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Status Delete(std::string_view key) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  std::string Describe() const override { return "mem://"; }

 private:
  struct Entry {
    std::string data;
    int64_t mtime_ms = 0;
  };

  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> objects_;
};

}  // namespace thingsdb
