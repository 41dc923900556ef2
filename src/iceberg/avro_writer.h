// Writes an Avro object container file to memory: header (magic, metadata map with
// avro.schema, avro.codec and caller keys, sync marker), then blocks of caller-encoded
// values, compressed with "null" or "deflate" (raw RFC 1951). The caller encodes each value
// with AvroEncoder exactly as `schema_json` describes. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/status.h"

namespace thingsdb::iceberg {

enum class AvroCodec { kNull, kDeflate };

class AvroWriter {
 public:
  // `sync_seed` makes the sync marker (and thus the bytes) deterministic.
  AvroWriter(std::string schema_json, std::map<std::string, std::string> metadata,
             AvroCodec codec = AvroCodec::kDeflate, uint64_t sync_seed = 0);

  AvroWriter(const AvroWriter&) = delete;
  AvroWriter& operator=(const AvroWriter&) = delete;

  // Appends one value, already binary-encoded.
  void Append(std::string_view encoded_value);
  // Flushes the last block and returns the whole file.
  Result<std::string> Finish();

 private:
  Status FlushBlock();

  AvroCodec codec_;
  std::string out_;
  std::string sync_;
  std::string block_;
  int64_t block_count_ = 0;
  static constexpr size_t kBlockBytes = 1 << 20;
};

// Raw deflate (no zlib header), as Avro's "deflate" codec. Inflate caps its output.
Result<std::string> DeflateRaw(std::string_view input);
Result<std::string> InflateRaw(std::string_view input, size_t max_output, std::string_view what);

}  // namespace thingsdb::iceberg
