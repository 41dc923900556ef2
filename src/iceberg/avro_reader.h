// Reads an Avro object container file (Avro spec "Object Container Files") held in memory:
// header, metadata, writer schema, then blocks (codecs "null" and "deflate"), each checked
// against the sync marker. Values decode by the writer schema; callers pick fields by name.
// Not thread-safe; values returned by Next() refer to schema() and must not outlive the reader.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "iceberg/avro_datum.h"
#include "iceberg/avro_schema.h"

namespace thingsdb::iceberg {

class AvroReader {
 public:
  // Parses the header of `data`; `what` (the object key) names the file in errors.
  static Result<std::unique_ptr<AvroReader>> Open(std::string data, std::string what);

  AvroReader(const AvroReader&) = delete;
  AvroReader& operator=(const AvroReader&) = delete;

  const AvroNode& schema() const { return *schema_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // The metadata value for `key`, or empty.
  std::string Metadata(std::string_view key) const;

  // Decodes the next value into *out: true, or false at the end of the file.
  Result<bool> Next(AvroValue& out);

 private:
  AvroReader(std::string data, std::string what) : data_(std::move(data)), what_(std::move(what)) {}
  Status ReadHeader();
  Status LoadBlock();  // reads the next block into block_, or sets done_

  std::string data_;
  std::string what_;
  std::map<std::string, std::string> metadata_;
  AvroNodePtr schema_;
  std::string codec_;
  std::string sync_;
  size_t pos_ = 0;  // offset of the next block in data_

  std::string block_;            // decompressed bytes of the current block
  uint64_t block_offset_ = 0;    // file offset of the current block (for messages)
  int64_t block_remaining_ = 0;  // values left in the current block
  size_t block_pos_ = 0;
  bool done_ = false;
};

}  // namespace thingsdb::iceberg
