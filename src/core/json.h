// Small, allocation-free JSON checks for the write path, and JSON text helpers.
// ValidateJson accepts exactly RFC 8259 JSON (one value, optional surrounding whitespace) and
// reports the byte offset and reason of the first error. Full parsing lives in the layers
// that need it; this is the cheap gate in front of SQLite.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace thingsdb {

enum class JsonKind { kNull, kBool, kNumber, kString, kArray, kObject };

struct JsonCheckOptions {
  size_t max_depth = 256;
};

// Validates `text`; on success returns the kind of the top-level value.
// `what` names the input in the error ("data", "line 12 data").
Result<JsonKind> ValidateJson(std::string_view text, std::string_view what,
                              JsonCheckOptions options = {});

// Appends `value` to `out` as a JSON string literal (quotes included, RFC 8259 escapes).
void AppendJsonString(std::string& out, std::string_view value);
std::string JsonString(std::string_view value);

}  // namespace thingsdb
