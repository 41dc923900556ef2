// MtimeStore: a ForwardingStore that reports chosen modification times for chosen keys, so
// orphan-removal tests can age objects without sleeping. Test-only; thread-compatible.
#pragma once

#include <map>
#include <string>

#include "objectstore/forwarding_store.h"

namespace thingsdb::iceberg::testing {

class MtimeStore : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

  void SetMtime(const std::string& key, int64_t mtime_ms) { mtimes_[key] = mtime_ms; }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    ASSIGN_OR_RETURN(auto objects, ForwardingStore::List(prefix));
    for (auto& info : objects) Adjust(info);
    return objects;
  }
  Result<ObjectInfo> Head(std::string_view key) override {
    ASSIGN_OR_RETURN(ObjectInfo info, ForwardingStore::Head(key));
    Adjust(info);
    return info;
  }

 private:
  void Adjust(ObjectInfo& info) const {
    auto it = mtimes_.find(info.key);
    if (it != mtimes_.end()) info.mtime_ms = it->second;
  }
  std::map<std::string, int64_t> mtimes_;
};

}  // namespace thingsdb::iceberg::testing
