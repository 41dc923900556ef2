// ObjectSource: a parquet::RandomAccessSource over one object of an ObjectStore, reading
// byte ranges with ranged Gets (the whole file is never fetched for a footer or one column
// chunk). The store must outlive the source. Counts requests and bytes; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "objectstore/object_store.h"
#include "parquet/random_access_source.h"

namespace thingsdb::cold {

class ObjectSource : public parquet::RandomAccessSource {
 public:
  // `size`: the object's length when known (an Iceberg DataFile records it), which saves a
  // Head request; otherwise Size() asks the store once.
  ObjectSource(ObjectStore& store, std::string key, std::optional<uint64_t> size = std::nullopt)
      : store_(store), key_(std::move(key)), size_(size) {}

  Result<uint64_t> Size() override;
  // Exactly `length` bytes at `offset`; Corruption naming the key when the object is shorter.
  Result<std::string> Read(uint64_t offset, uint64_t length) override;
  std::string Describe() const override { return key_; }

  int64_t requests() const { return requests_; }
  int64_t bytes_read() const { return bytes_read_; }

 private:
  ObjectStore& store_;
  std::string key_;
  std::optional<uint64_t> size_;
  int64_t requests_ = 0;
  int64_t bytes_read_ = 0;
};

}  // namespace thingsdb::cold
