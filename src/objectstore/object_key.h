// Validation of object keys, shared by every ObjectStore so that a key that works on one store
// works on all: '/'-separated relative names of 1..1024 bytes, no empty, "." or ".." segment,
// no control character, and no segment starting with the reserved temp-file marker.
#pragma once

#include <string_view>

#include "core/status.h"

namespace thingsdb {

inline constexpr size_t kMaxObjectKeyBytes = 1024;
// LocalStore names its temp files "<kReservedSegmentPrefix>..."; keys may not use it.
inline constexpr std::string_view kReservedSegmentPrefix = ".tdbtmp.";

// OK, or InvalidArgument naming the key and the rule it breaks.
Status ValidateObjectKey(std::string_view key);

// A List prefix: may be empty or end inside a segment, but must not escape the store
// ("..", a leading '/', control characters). InvalidArgument otherwise.
Status ValidateObjectPrefix(std::string_view prefix);

}  // namespace thingsdb
