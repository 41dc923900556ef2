// Small ASCII text helpers shared by the layers that parse protocols and SQL: case-insensitive
// comparison (HTTP header names, SQL keywords) and hexadecimal digits (percent-escapes).
#pragma once

#include <string_view>

namespace thingsdb {

// True when `a` and `b` are equal but for the case of ASCII letters.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// The value of a hexadecimal digit (0-9, a-f, A-F), or -1.
int HexDigitValue(char c);

}  // namespace thingsdb
