#include "core/json.h"

#include <fmt/format.h>

namespace thingsdb {
namespace {

class Checker {
 public:
  Checker(std::string_view text, size_t max_depth) : text_(text), max_depth_(max_depth) {}

  // Returns an empty string on success, else the reason; pos_ is the failing offset.
  const char* Run(JsonKind* kind) {
    SkipWs();
    if (const char* err = Value(0, kind)) return err;
    SkipWs();
    if (pos_ != text_.size()) return "unexpected characters after the JSON value";
    return nullptr;
  }
  size_t pos() const { return pos_; }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  void SkipWs() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') break;
      ++pos_;
    }
  }

  const char* Value(size_t depth, JsonKind* kind) {
    if (AtEnd()) return "unexpected end of input, expected a value";
    switch (Peek()) {
      case '{': *kind = JsonKind::kObject; return Object(depth + 1);
      case '[': *kind = JsonKind::kArray; return Array(depth + 1);
      case '"': *kind = JsonKind::kString; return String();
      case 't': *kind = JsonKind::kBool; return Literal("true");
      case 'f': *kind = JsonKind::kBool; return Literal("false");
      case 'n': *kind = JsonKind::kNull; return Literal("null");
      default: *kind = JsonKind::kNumber; return Number();
    }
  }

  const char* Literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return "invalid literal";
    pos_ += word.size();
    return nullptr;
  }

  const char* Object(size_t depth) {
    if (depth > max_depth_) return "nesting deeper than the limit";
    ++pos_;  // '{'
    SkipWs();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return nullptr;
    }
    while (true) {
      SkipWs();
      if (AtEnd() || Peek() != '"') return "expected a string key";
      if (const char* err = String()) return err;
      SkipWs();
      if (AtEnd() || Peek() != ':') return "expected ':' after a key";
      ++pos_;
      SkipWs();
      JsonKind kind;
      if (const char* err = Value(depth, &kind)) return err;
      SkipWs();
      if (AtEnd()) return "unexpected end of input inside an object";
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        return nullptr;
      }
      return "expected ',' or '}' in an object";
    }
  }

  const char* Array(size_t depth) {
    if (depth > max_depth_) return "nesting deeper than the limit";
    ++pos_;  // '['
    SkipWs();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return nullptr;
    }
    while (true) {
      SkipWs();
      JsonKind kind;
      if (const char* err = Value(depth, &kind)) return err;
      SkipWs();
      if (AtEnd()) return "unexpected end of input inside an array";
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        return nullptr;
      }
      return "expected ',' or ']' in an array";
    }
  }

  static int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  const char* String() {
    ++pos_;  // opening quote
    while (true) {
      if (AtEnd()) return "unterminated string";
      unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return nullptr;
      }
      if (c < 0x20) return "control character in a string";
      if (c == '\\') {
        ++pos_;
        if (AtEnd()) return "unterminated escape";
        char e = text_[pos_];
        if (e == 'u') {
          for (int digit_idx = 1; digit_idx <= 4; ++digit_idx) {
            if (pos_ + digit_idx >= text_.size() || HexValue(text_[pos_ + digit_idx]) < 0) {
              return "invalid \\u escape";
            }
          }
          pos_ += 5;
          continue;
        }
        if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' &&
            e != 't') {
          return "invalid escape";
        }
        ++pos_;
        continue;
      }
      if (c < 0x80) {
        ++pos_;
        continue;
      }
      if (const char* err = Utf8()) return err;
    }
  }

  // One multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
  const char* Utf8() {
    auto byte = [&](size_t off) -> int {
      return pos_ + off < text_.size() ? static_cast<unsigned char>(text_[pos_ + off]) : -1;
    };
    int b0 = byte(0);
    int len;
    int lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {
      return "invalid UTF-8";
    }
    int b1 = byte(1);
    if (b1 < lo || b1 > hi) return "invalid UTF-8";
    for (int off = 2; off < len; ++off) {
      int b = byte(off);
      if (b < 0x80 || b > 0xBF) return "invalid UTF-8";
    }
    pos_ += len;
    return nullptr;
  }

  const char* Number() {
    size_t start = pos_;
    if (!AtEnd() && Peek() == '-') ++pos_;
    if (AtEnd()) return "invalid number";
    if (Peek() == '0') {
      ++pos_;
    } else if (Peek() >= '1' && Peek() <= '9') {
      while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
    } else {
      pos_ = start;
      return "invalid value";
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (AtEnd() || Peek() < '0' || Peek() > '9') return "invalid number: digit expected after '.'";
      while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (!AtEnd() && (Peek() == '+' || Peek() == '-')) ++pos_;
      if (AtEnd() || Peek() < '0' || Peek() > '9') return "invalid number: digit expected in exponent";
      while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
    }
    return nullptr;
  }

  std::string_view text_;
  size_t max_depth_;
  size_t pos_ = 0;
};

}  // namespace

Result<JsonKind> ValidateJson(std::string_view text, std::string_view what,
                              JsonCheckOptions options) {
  Checker checker(text, options.max_depth);
  JsonKind kind = JsonKind::kNull;
  if (const char* err = checker.Run(&kind)) {
    return Status::InvalidArgument(
        fmt::format("{} is not valid JSON: {} at byte {}", what, err, checker.pos()));
  }
  return kind;
}

void AppendJsonString(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : value) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

std::string JsonString(std::string_view value) {
  std::string out;
  AppendJsonString(out, value);
  return out;
}

}  // namespace thingsdb
