// ObjectStore: the narrow seam between the cold tier and where its bytes live (LevelDB's
// Env, iceberg-cpp's FileIO). Keys are '/'-separated relative names ("ns/things/data/x.parquet").
// Implementations: local directory, S3-compatible, memory, forwarding and fault-injecting
// wrappers. All methods are thread-safe; none is atomic across calls. Contract in full:
// docs/object_store.md. Every store rejects a bad key (object_key.h) with InvalidArgument.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace thingsdb {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  int64_t mtime_ms = 0;  // last modification, ms since the epoch (0 when unknown)
};

// A range past the end is cut at the end; one starting at or past the end reads as empty.
struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;  // bytes from offset
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // The whole object, or `range` of it. NotFound when the key does not exist.
  virtual Result<std::string> Get(std::string_view key,
                                  std::optional<ByteRange> range = std::nullopt) = 0;
  // Creates or replaces the object. Readers see the old or the new bytes, never a mix.
  virtual Status Put(std::string_view key, std::string_view data) = 0;
  // Creates the object only if the key does not exist: Conflict when it does. The commit
  // primitive of the Iceberg pointer swap.
  virtual Status PutIfAbsent(std::string_view key, std::string_view data) = 0;
  // Removes the object; OK when it did not exist.
  virtual Status Delete(std::string_view key) = 0;
  // Every object whose key starts with `prefix` ("" lists all), sorted by key (byte order).
  // A prefix may end inside a segment ("ns/thi").
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;
  // Size and mtime of one object; NotFound when it does not exist.
  virtual Result<ObjectInfo> Head(std::string_view key) = 0;

  // A human-readable location for messages ("file:///data/cold", "s3://bucket/prefix").
  virtual std::string Describe() const = 0;
};

}  // namespace thingsdb
