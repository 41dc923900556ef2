#include "hot/query.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/json.h"

namespace thingsdb::hot {
namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void AppendBase64(std::string& out, std::string_view bytes) {
  size_t idx = 0;
  for (; idx + 2 < bytes.size(); idx += 3) {
    uint32_t n = (uint8_t(bytes[idx]) << 16) | (uint8_t(bytes[idx + 1]) << 8) | uint8_t(bytes[idx + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kBase64[(n >> shift) & 63]);
  }
  size_t rest = bytes.size() - idx;
  if (rest) {
    uint32_t n = uint8_t(bytes[idx]) << 16;
    if (rest == 2) n |= uint8_t(bytes[idx + 1]) << 8;
    out.push_back(kBase64[(n >> 18) & 63]);
    out.push_back(kBase64[(n >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
}

}  // namespace

Result<SqlValue> SqlValueFromJson(std::string_view json, std::string_view what) {
  auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_discarded()) {
    return Status::InvalidArgument(fmt::format("{} is not a JSON value: {}", what, json));
  }
  switch (parsed.type()) {
    case nlohmann::json::value_t::null: return SqlValue{};
    case nlohmann::json::value_t::boolean: return SqlValue{int64_t{parsed.get<bool>() ? 1 : 0}};
    case nlohmann::json::value_t::number_integer: return SqlValue{parsed.get<int64_t>()};
    case nlohmann::json::value_t::number_unsigned: {
      uint64_t u = parsed.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) return SqlValue{static_cast<double>(u)};
      return SqlValue{static_cast<int64_t>(u)};
    }
    case nlohmann::json::value_t::number_float: return SqlValue{parsed.get<double>()};
    case nlohmann::json::value_t::string: return SqlValue{parsed.get<std::string>()};
    default:
      return Status::InvalidArgument(
          fmt::format("{} must be a JSON scalar (string, number, boolean or null)", what));
  }
}

void AppendSqlValueJson(std::string& out, const SqlValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out += "null";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          fmt::format_to(std::back_inserter(out), "{}", v);
        } else if constexpr (std::is_same_v<T, double>) {
          if (!std::isfinite(v)) {
            out += "null";
          } else {
            char buf[32];
            auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);
            out.append(buf, ptr);
          }
        } else if constexpr (std::is_same_v<T, std::string>) {
          AppendJsonString(out, v);
        } else {
          out += "{\"base64\":\"";
          AppendBase64(out, v.bytes);
          out += "\"}";
        }
      },
      value);
}

Result<CompareOp> ParseCompareOp(std::string_view op) {
  if (op == "=" || op == "==") return CompareOp::kEq;
  if (op == "!=" || op == "<>") return CompareOp::kNe;
  if (op == "<") return CompareOp::kLt;
  if (op == "<=") return CompareOp::kLe;
  if (op == ">") return CompareOp::kGt;
  if (op == ">=") return CompareOp::kGe;
  return Status::InvalidArgument(
      fmt::format("operator '{}' is not one of = != < <= > >=", op));
}

std::string_view CompareOpSql(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "=";
    case CompareOp::kNe: return "!=";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
  }
  return "=";
}

Status ValidateJsonPath(std::string_view path) {
  auto fail = [&](size_t pos, std::string_view why) {
    return Status::InvalidArgument(fmt::format(
        "JSON path '{}' is invalid at byte {}: {} (use $.key.sub or $.list[0])", path, pos, why));
  };
  if (path.empty() || path[0] != '$') return fail(0, "it must start with '$'");
  if (path.size() > 512) return fail(512, "it is longer than 512 bytes");
  size_t pos = 1;
  while (pos < path.size()) {
    if (path[pos] == '.') {
      size_t start = ++pos;
      while (pos < path.size() && (std::isalnum(static_cast<unsigned char>(path[pos])) ||
                                   path[pos] == '_')) {
        ++pos;
      }
      if (pos == start) return fail(pos, "a key of letters, digits or _ is expected");
    } else if (path[pos] == '[') {
      size_t start = ++pos;
      while (pos < path.size() && std::isdigit(static_cast<unsigned char>(path[pos]))) ++pos;
      if (pos == start || pos - start > 9) return fail(pos, "an array index is expected");
      if (pos >= path.size() || path[pos] != ']') return fail(pos, "']' is expected");
      ++pos;
    } else {
      return fail(pos, "'.' or '[' is expected");
    }
  }
  return Status::OK();
}

Result<Condition> ParseCondition(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size() && text[pos] == ' ') ++pos;
  size_t path_start = pos;
  while (pos < text.size() && text[pos] != ' ' && text[pos] != '=' && text[pos] != '!' &&
         text[pos] != '<' && text[pos] != '>') {
    ++pos;
  }
  Condition cond;
  cond.path = std::string(text.substr(path_start, pos - path_start));
  RETURN_IF_ERROR(ValidateJsonPath(cond.path).WithContext(fmt::format("condition '{}'", text)));
  while (pos < text.size() && text[pos] == ' ') ++pos;
  size_t op_start = pos;
  while (pos < text.size() && (text[pos] == '=' || text[pos] == '!' || text[pos] == '<' ||
                               text[pos] == '>')) {
    ++pos;
  }
  auto op = ParseCompareOp(text.substr(op_start, pos - op_start));
  if (!op.ok()) return op.status().WithContext(fmt::format("condition '{}'", text));
  cond.op = *op;
  while (pos < text.size() && text[pos] == ' ') ++pos;
  cond.value_json = std::string(text.substr(pos));
  auto value = SqlValueFromJson(cond.value_json, fmt::format("value of condition '{}'", text));
  if (!value.ok()) return value.status();
  if (std::holds_alternative<std::monostate>(*value) && cond.op != CompareOp::kEq &&
      cond.op != CompareOp::kNe) {
    return Status::InvalidArgument(
        fmt::format("condition '{}': null compares only with = or !=", text));
  }
  return cond;
}

}  // namespace thingsdb::hot
