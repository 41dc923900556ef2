#include "objectstore/s3_xml.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <ctime>

namespace thingsdb {
namespace {

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    *out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    *out += static_cast<char>(0xc0 | (code_point >> 6));
    *out += static_cast<char>(0x80 | (code_point & 0x3f));
  } else if (code_point < 0x10000) {
    *out += static_cast<char>(0xe0 | (code_point >> 12));
    *out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3f));
    *out += static_cast<char>(0x80 | (code_point & 0x3f));
  } else {
    *out += static_cast<char>(0xf0 | (code_point >> 18));
    *out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3f));
    *out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3f));
    *out += static_cast<char>(0x80 | (code_point & 0x3f));
  }
}

Status DecodeEntity(std::string_view entity, std::string* out) {
  if (entity == "amp") {
    *out += '&';
  } else if (entity == "lt") {
    *out += '<';
  } else if (entity == "gt") {
    *out += '>';
  } else if (entity == "quot") {
    *out += '"';
  } else if (entity == "apos") {
    *out += '\'';
  } else if (entity.size() > 1 && entity[0] == '#') {
    bool hex = entity[1] == 'x' || entity[1] == 'X';
    std::string_view digits = entity.substr(hex ? 2 : 1);
    uint32_t code_point = 0;
    auto [end, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), code_point, hex ? 16 : 10);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
        code_point == 0 || code_point > 0x10ffff) {
      return Status::Corruption(fmt::format("bad XML character reference '&{};'", entity));
    }
    AppendUtf8(code_point, out);
  } else {
    return Status::Corruption(fmt::format("unknown XML entity '&{};'", entity));
  }
  return Status::OK();
}

}  // namespace

Result<std::string> XmlDecodeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    if (text.substr(pos).starts_with("<![CDATA[")) {
      size_t end = text.find("]]>", pos + 9);
      if (end == std::string_view::npos) return Status::Corruption("unterminated XML CDATA");
      out.append(text.substr(pos + 9, end - pos - 9));
      pos = end + 3;
    } else if (text[pos] == '&') {
      size_t end = text.find(';', pos);
      if (end == std::string_view::npos || end - pos > 12) {
        return Status::Corruption("unterminated XML entity");
      }
      RETURN_IF_ERROR(DecodeEntity(text.substr(pos + 1, end - pos - 1), &out));
      pos = end + 1;
    } else {
      out += text[pos++];
    }
  }
  return out;
}

std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view name) {
  std::vector<std::string_view> out;
  std::string open = "<" + std::string(name);
  std::string close = "</" + std::string(name) + ">";
  size_t pos = 0;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    size_t after = pos + open.size();
    if (after >= xml.size()) break;
    char next = xml[after];
    if (next != '>' && next != '/' && next != ' ' && next != '\t' && next != '\n' && next != '\r') {
      pos = after;  // a longer name ("<KeyCount" when looking for "<Key")
      continue;
    }
    size_t tag_end = xml.find('>', after);
    if (tag_end == std::string_view::npos) break;
    if (xml[tag_end - 1] == '/') {  // <name/>
      out.emplace_back();
      pos = tag_end + 1;
      continue;
    }
    size_t end = xml.find(close, tag_end + 1);
    if (end == std::string_view::npos) break;
    out.push_back(xml.substr(tag_end + 1, end - tag_end - 1));
    pos = end + close.size();
  }
  return out;
}

std::optional<std::string> XmlFirstText(std::string_view xml, std::string_view name) {
  std::vector<std::string_view> elements = XmlElements(xml, name);
  if (elements.empty()) return std::nullopt;
  auto decoded = XmlDecodeText(elements.front());
  if (!decoded.ok()) return std::nullopt;
  return std::move(decoded).value();
}

Result<ListObjectsPage> ParseListObjectsV2(std::string_view xml) {
  if (XmlElements(xml, "ListBucketResult").empty()) {
    return Status::Corruption("ListObjectsV2 response has no <ListBucketResult>");
  }
  ListObjectsPage page;
  for (std::string_view contents : XmlElements(xml, "Contents")) {
    std::vector<std::string_view> key = XmlElements(contents, "Key");
    std::vector<std::string_view> size = XmlElements(contents, "Size");
    if (key.size() != 1 || size.size() != 1) {
      return Status::Corruption("ListObjectsV2 <Contents> without one <Key> and one <Size>");
    }
    ObjectInfo info;
    ASSIGN_OR_RETURN(info.key, XmlDecodeText(key[0]));
    auto [end, ec] = std::from_chars(size[0].data(), size[0].data() + size[0].size(), info.size);
    if (ec != std::errc() || end != size[0].data() + size[0].size()) {
      return Status::Corruption(fmt::format("ListObjectsV2: bad <Size> '{}'", size[0]));
    }
    std::vector<std::string_view> modified = XmlElements(contents, "LastModified");
    if (!modified.empty()) {
      auto ms = ParseIso8601Ms(modified[0]);
      if (ms.ok()) info.mtime_ms = *ms;
    }
    page.objects.push_back(std::move(info));
  }
  std::optional<std::string> truncated = XmlFirstText(xml, "IsTruncated");
  page.truncated = truncated && *truncated == "true";
  if (page.truncated) {
    page.next_continuation_token = XmlFirstText(xml, "NextContinuationToken").value_or("");
    if (page.next_continuation_token.empty()) {
      return Status::Corruption("ListObjectsV2 is truncated but has no NextContinuationToken");
    }
  }
  return page;
}

S3ErrorBody ParseS3Error(std::string_view xml) {
  S3ErrorBody error;
  error.code = XmlFirstText(xml, "Code").value_or("");
  error.message = XmlFirstText(xml, "Message").value_or("");
  return error;
}

Result<int64_t> ParseIso8601Ms(std::string_view text) {
  std::string copy(text);
  std::tm tm{};
  const char* rest = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return Status::Corruption(fmt::format("bad ISO 8601 time '{}'", text));
  int64_t millis = 0;
  if (*rest == '.') {
    int digits = 0;
    for (++rest; *rest >= '0' && *rest <= '9'; ++rest, ++digits) {
      if (digits < 3) millis = millis * 10 + (*rest - '0');
    }
    for (; digits < 3; ++digits) millis *= 10;
  }
  return static_cast<int64_t>(timegm(&tm)) * 1000 + millis;
}

Result<int64_t> ParseHttpDateMs(std::string_view text) {
  std::string copy(text);
  std::tm tm{};
  const char* rest = strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (rest == nullptr) return Status::Corruption(fmt::format("bad HTTP date '{}'", text));
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace thingsdb
