// ForwardingStore: an ObjectStore that passes every call to a target store (LevelDB's
// EnvWrapper), so a test store overrides only the calls it changes. The target is owned or
// borrowed (then it must outlive this store). Thread-safe when the target is.
#pragma once

#include <memory>

#include "objectstore/object_store.h"

namespace thingsdb {

class ForwardingStore : public ObjectStore {
 public:
  explicit ForwardingStore(ObjectStore* target) : target_(target) {}
  explicit ForwardingStore(std::unique_ptr<ObjectStore> target)
      : owned_(std::move(target)), target_(owned_.get()) {}
  ForwardingStore(const ForwardingStore&) = delete;
  ForwardingStore& operator=(const ForwardingStore&) = delete;

  ObjectStore* target() const { return target_; }

  Result<std::string> Get(std::string_view key,
                          std::optional<ByteRange> range = std::nullopt) override {
    return target_->Get(key, range);
  }
  Status Put(std::string_view key, std::string_view data) override {
    return target_->Put(key, data);
  }
  Status PutIfAbsent(std::string_view key, std::string_view data) override {
    return target_->PutIfAbsent(key, data);
  }
  Status Delete(std::string_view key) override { return target_->Delete(key); }
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    return target_->List(prefix);
  }
  Result<ObjectInfo> Head(std::string_view key) override { return target_->Head(key); }
  std::string Describe() const override { return target_->Describe(); }

 private:
  std::unique_ptr<ObjectStore> owned_;
  ObjectStore* target_;
};

}  // namespace thingsdb
