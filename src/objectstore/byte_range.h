// Slicing of a whole object by an optional ByteRange, with the ObjectStore rule that a range
// past the end is cut at the end (and a range starting at or past the end is empty).
#pragma once

#include <algorithm>
#include <optional>
#include <string_view>

#include "objectstore/object_store.h"

namespace thingsdb {

inline std::string_view SliceByRange(std::string_view data, std::optional<ByteRange> range) {
  if (!range) return data;
  if (range->offset >= data.size()) return {};
  uint64_t available = data.size() - range->offset;
  return data.substr(range->offset, std::min<uint64_t>(available, range->length));
}

}  // namespace thingsdb
