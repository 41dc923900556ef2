// LocalStore: an ObjectStore over a directory; key "a/b/c" is the file <root>/a/b/c.
// Put writes a temp file in the target's directory, fsyncs it, renames it over the target and
// fsyncs the directory; PutIfAbsent link(2)s a fully written temp file (atomic, no partial
// object is ever visible). Thread-safe; several processes may share one root.
#pragma once

#include <memory>
#include <string>

#include "objectstore/object_store.h"

namespace thingsdb {

struct LocalStoreOptions {
  // fsync files and directories on every write. Off only for tests and scratch data.
  bool sync = true;
};

class LocalStore : public ObjectStore {
 public:
  // Creates `root` (and its parents) when missing; IOError when it cannot. A relative root is
  // made absolute against the current directory.
  static Result<std::unique_ptr<LocalStore>> Open(std::string root, LocalStoreOptions options = {});

  LocalStore(const LocalStore&) = delete;
  LocalStore& operator=(const LocalStore&) = delete;

  Result<std::string> Get(std::string_view key,
                          std::optional<ByteRange> range = std::nullopt) override;
  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  // Removes the file; directories it leaves empty stay (S3 has none to remove).
  Status Delete(std::string_view key) override;
  // Walks the directories under the prefix; skips in-flight temp files.
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  std::string Describe() const override { return "file://" + root_; }

  const std::string& root() const { return root_; }

 private:
  LocalStore(std::string root, LocalStoreOptions options)
      : root_(std::move(root)), options_(options) {}

  std::string PathOf(std::string_view key) const;
  // Writes `data` to a new temp file beside `path` (fsynced); returns its path.
  Result<std::string> WriteTempFile(std::string_view key, const std::string& path,
                                    std::string_view data);
  Status SyncDirectoryOf(std::string_view key, const std::string& path);

  std::string root_;  // absolute, normalised, without a trailing '/'
  LocalStoreOptions options_;
};

}  // namespace thingsdb
