#include "iceberg/avro_reader.h"

#include <fmt/format.h>

#include "iceberg/avro_coding.h"
#include "iceberg/avro_writer.h"

namespace thingsdb::iceberg {
namespace {
constexpr size_t kMaxBlockBytes = size_t{64} << 20;  // manifests are far smaller
constexpr size_t kMaxMetadataEntries = 4096;
}  // namespace

Result<std::unique_ptr<AvroReader>> AvroReader::Open(std::string data, std::string what) {
  std::unique_ptr<AvroReader> reader(new AvroReader(std::move(data), std::move(what)));
  RETURN_IF_ERROR(reader->ReadHeader());
  return reader;
}

std::string AvroReader::Metadata(std::string_view key) const {
  auto it = metadata_.find(std::string(key));
  return it == metadata_.end() ? std::string() : it->second;
}

Status AvroReader::ReadHeader() {
  AvroDecoder decoder(data_, what_);
  if (data_.size() < 4 || std::string_view(data_).substr(0, 4) != std::string_view("Obj\x01", 4)) {
    return Status::Corruption(
        fmt::format("{}: not an Avro container file (bad magic) at offset 0", what_));
  }
  RETURN_IF_ERROR(decoder.Raw(4));
  while (true) {
    ASSIGN_OR_RETURN(int64_t count, decoder.Long());
    if (count == 0) break;
    if (count < 0) {
      if (count == INT64_MIN) return decoder.Error("invalid metadata block count");
      count = -count;
      RETURN_IF_ERROR(decoder.Long());
    }
    if (static_cast<size_t>(count) > kMaxMetadataEntries ||
        metadata_.size() + count > kMaxMetadataEntries) {
      return decoder.Error("too many metadata entries");
    }
    for (int64_t entry_idx = 0; entry_idx < count; ++entry_idx) {
      ASSIGN_OR_RETURN(std::string_view key, decoder.Bytes());
      ASSIGN_OR_RETURN(std::string_view value, decoder.Bytes());
      metadata_[std::string(key)] = std::string(value);
    }
  }
  ASSIGN_OR_RETURN(std::string_view sync, decoder.Raw(16));
  sync_.assign(sync);
  pos_ = decoder.position();

  auto schema_it = metadata_.find("avro.schema");
  if (schema_it == metadata_.end()) {
    return Status::Corruption(fmt::format("{}: header has no avro.schema", what_));
  }
  ASSIGN_OR_RETURN(schema_, ParseAvroSchema(schema_it->second, what_));
  codec_ = Metadata("avro.codec");
  if (codec_.empty()) codec_ = "null";
  if (codec_ != "null" && codec_ != "deflate") {
    return Status::NotSupported(fmt::format("{}: avro codec '{}' is not supported", what_, codec_));
  }
  return Status::OK();
}

Status AvroReader::LoadBlock() {
  if (pos_ >= data_.size()) {
    done_ = true;
    return Status::OK();
  }
  AvroDecoder decoder(std::string_view(data_).substr(pos_), what_, pos_);
  ASSIGN_OR_RETURN(int64_t count, decoder.Long());
  ASSIGN_OR_RETURN(std::string_view payload, decoder.Bytes());
  ASSIGN_OR_RETURN(std::string_view sync, decoder.Raw(16));
  if (count < 0) return decoder.Error("negative block count");
  if (count > static_cast<int64_t>(payload.size()) * 8 + (1 << 20)) {
    return decoder.Error(fmt::format("block count {} is implausible for its size", count));
  }
  if (sync != sync_) return decoder.Error("sync marker mismatch");
  block_offset_ = pos_;
  if (codec_ == "deflate") {
    ASSIGN_OR_RETURN(block_, InflateRaw(payload, kMaxBlockBytes,
                                        fmt::format("{} (block at offset {})", what_, pos_)));
  } else {
    block_.assign(payload);
  }
  pos_ += decoder.position();
  block_remaining_ = count;
  block_pos_ = 0;
  return Status::OK();
}

Result<bool> AvroReader::Next(AvroValue& out) {
  while (block_remaining_ == 0) {
    if (done_) return false;
    if (block_pos_ != block_.size()) {
      return Status::Corruption(fmt::format("{}: {} trailing bytes in the block at offset {}",
                                            what_, block_.size() - block_pos_, block_offset_));
    }
    RETURN_IF_ERROR(LoadBlock());
    if (done_) return false;
  }
  AvroDecoder decoder(std::string_view(block_).substr(block_pos_),
                      fmt::format("{} (block at offset {})", what_, block_offset_), block_pos_);
  out = AvroValue();
  RETURN_IF_ERROR(DecodeAvroValue(decoder, *schema_, out));
  block_pos_ += decoder.position();
  --block_remaining_;
  return true;
}

}  // namespace thingsdb::iceberg
