#include "iceberg/avro_writer.h"

#include <fmt/format.h>
#include <zlib.h>

#include "iceberg/avro_coding.h"

namespace thingsdb::iceberg {
namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

AvroWriter::AvroWriter(std::string schema_json, std::map<std::string, std::string> metadata,
                       AvroCodec codec, uint64_t sync_seed)
    : codec_(codec) {
  metadata["avro.schema"] = std::move(schema_json);
  metadata["avro.codec"] = codec == AvroCodec::kDeflate ? "deflate" : "null";
  AvroEncoder header;
  header.PutRaw(std::string_view("Obj\x01", 4));
  header.PutArrayStart(static_cast<int64_t>(metadata.size()));
  for (const auto& [key, value] : metadata) {
    header.PutBytes(key);
    header.PutBytes(value);
  }
  header.PutArrayEnd();
  uint64_t state = sync_seed ^ 0x5eed5eed5eedULL;
  for (int word = 0; word < 2; ++word) {
    uint64_t bits = SplitMix64(state);
    for (int byte_idx = 0; byte_idx < 8; ++byte_idx)
      sync_.push_back(static_cast<char>(bits >> (8 * byte_idx)));
  }
  header.PutRaw(sync_);
  out_ = header.Release();
}

void AvroWriter::Append(std::string_view encoded_value) {
  block_.append(encoded_value);
  ++block_count_;
}

Status AvroWriter::FlushBlock() {
  if (block_count_ == 0) return Status::OK();
  std::string payload;
  if (codec_ == AvroCodec::kDeflate) {
    ASSIGN_OR_RETURN(payload, DeflateRaw(block_));
  } else {
    payload = std::move(block_);
  }
  AvroEncoder encoder;
  encoder.PutLong(block_count_);
  encoder.PutBytes(payload);
  encoder.PutRaw(sync_);
  out_.append(encoder.data());
  block_.clear();
  block_count_ = 0;
  return Status::OK();
}

Result<std::string> AvroWriter::Finish() {
  RETURN_IF_ERROR(FlushBlock());
  return std::move(out_);
}

Result<std::string> DeflateRaw(std::string_view input) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return Status::Internal("deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, input.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) return Status::Internal("deflate did not finish");
  return out;
}

Result<std::string> InflateRaw(std::string_view input, size_t max_output, std::string_view what) {
  z_stream stream{};
  if (inflateInit2(&stream, -15) != Z_OK) return Status::Internal("inflateInit2 failed");
  std::string out;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    size_t chunk = std::max<size_t>(input.size() * 4, 4096);
    if (out.size() + chunk > max_output) chunk = max_output - out.size();
    if (chunk == 0) {
      inflateEnd(&stream);
      return Status::Corruption(
          fmt::format("{}: deflate block inflates past {} bytes", what, max_output));
    }
    size_t old_size = out.size();
    out.resize(old_size + chunk);
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + old_size);
    stream.avail_out = static_cast<uInt>(chunk);
    rc = inflate(&stream, Z_NO_FLUSH);
    out.resize(old_size + chunk - stream.avail_out);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&stream);
      return Status::Corruption(fmt::format("{}: bad deflate data ({})", what, rc));
    }
    if (rc == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
      inflateEnd(&stream);
      return Status::Corruption(fmt::format("{}: truncated deflate data", what));
    }
  }
  inflateEnd(&stream);
  return out;
}

}  // namespace thingsdb::iceberg
