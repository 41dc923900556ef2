// RandomAccessSource: the bytes a Parquet reader reads from (a file, memory, later the
// object store). Read returns exactly `length` bytes or an error (IOError, or Corruption
// when the range passes the end). Implementations here are safe for concurrent reads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"

namespace thingsdb::parquet {

class RandomAccessSource {
 public:
  virtual ~RandomAccessSource() = default;
  virtual Result<uint64_t> Size() = 0;
  virtual Result<std::string> Read(uint64_t offset, uint64_t length) = 0;
  // Names the source in error messages (a path, "memory", an object key).
  virtual std::string Describe() const = 0;
};

// Reads from a string the source owns.
class MemorySource : public RandomAccessSource {
 public:
  explicit MemorySource(std::string data, std::string name = "memory")
      : data_(std::move(data)), name_(std::move(name)) {}
  Result<uint64_t> Size() override { return data_.size(); }
  Result<std::string> Read(uint64_t offset, uint64_t length) override;
  std::string Describe() const override { return name_; }

 private:
  std::string data_;
  std::string name_;
};

// Reads a local file with pread; NotFound when it does not exist.
class LocalFileSource : public RandomAccessSource {
 public:
  static Result<std::unique_ptr<LocalFileSource>> Open(const std::string& path);
  ~LocalFileSource() override;
  LocalFileSource(const LocalFileSource&) = delete;
  LocalFileSource& operator=(const LocalFileSource&) = delete;

  Result<uint64_t> Size() override { return size_; }
  Result<std::string> Read(uint64_t offset, uint64_t length) override;
  std::string Describe() const override { return path_; }

 private:
  LocalFileSource(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  std::string path_;
  int fd_;
  uint64_t size_;
};

}  // namespace thingsdb::parquet
