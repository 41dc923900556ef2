// K-sortable identifiers: 16 URL-safe characters, a 48-bit millisecond timestamp first and
// 48 bits of per-process sequence after it, in an order-preserving base64 alphabet — so ids
// made later sort later and inserts append to the primary-key B-tree. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/status.h"

namespace thingsdb {

class IdGenerator {
 public:
  static constexpr size_t kLength = 16;

  IdGenerator();
  IdGenerator(const IdGenerator&) = delete;
  IdGenerator& operator=(const IdGenerator&) = delete;

  // A new id; strictly greater than every id this generator returned before, even when the
  // wall clock steps back.
  std::string Next();
  // Writes kLength characters to out (no allocation).
  void NextInto(char* out);

  // Milliseconds encoded in an id made by this class (for tests and diagnostics).
  static Result<int64_t> TimestampOf(std::string_view id);

 private:
  std::mutex mu_;
  uint64_t last_ms_ = 0;
  uint64_t seq_ = 0;
  uint64_t rng_state_;
};

// Checks an id or a type given by a caller: 1..max_len bytes of [A-Za-z0-9_.:@-].
// `what` names the field in the error ("id", "type", "fromId").
Status ValidateName(std::string_view value, std::string_view what, size_t max_len);

}  // namespace thingsdb
