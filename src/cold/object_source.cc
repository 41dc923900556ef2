#include "cold/object_source.h"

#include <fmt/format.h>

namespace thingsdb::cold {

Result<uint64_t> ObjectSource::Size() {
  if (!size_) {
    ++requests_;
    ASSIGN_OR_RETURN(ObjectInfo info, store_.Head(key_));
    size_ = info.size;
  }
  return *size_;
}

Result<std::string> ObjectSource::Read(uint64_t offset, uint64_t length) {
  if (length == 0) return std::string();
  ++requests_;
  ASSIGN_OR_RETURN(std::string bytes, store_.Get(key_, ByteRange{offset, length}));
  bytes_read_ += static_cast<int64_t>(bytes.size());
  if (bytes.size() != length) {
    return Status::Corruption(fmt::format("object '{}': read of {} bytes at offset {} got {}", key_,
                                          length, offset, bytes.size()));
  }
  return bytes;
}

}  // namespace thingsdb::cold
