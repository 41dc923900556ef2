// OutputSink: where a FileWriter appends a Parquet file (a string or a local file).
// Append writes all bytes or fails with IOError; Tell is the bytes appended so far.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace thingsdb::parquet {

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  virtual Status Append(std::string_view bytes) = 0;
  virtual uint64_t Tell() const = 0;
  virtual Status Close() { return Status::OK(); }
};

class StringSink : public OutputSink {
 public:
  Status Append(std::string_view bytes) override {
    data_.append(bytes);
    return Status::OK();
  }
  uint64_t Tell() const override { return data_.size(); }
  const std::string& data() const { return data_; }
  std::string Release() { return std::move(data_); }

 private:
  std::string data_;
};

// Creates or truncates `path`; Close flushes and reports write errors.
class FileSink : public OutputSink {
 public:
  static Result<std::unique_ptr<FileSink>> Open(const std::string& path);
  ~FileSink() override;
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;
  Status Append(std::string_view bytes) override;
  uint64_t Tell() const override { return offset_; }
  Status Close() override;

 private:
  FileSink(std::string path, FILE* file) : path_(std::move(path)), file_(file) {}
  std::string path_;
  FILE* file_;
  uint64_t offset_ = 0;
};

}  // namespace thingsdb::parquet
