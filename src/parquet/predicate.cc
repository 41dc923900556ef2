#include "parquet/predicate.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

namespace thingsdb::parquet {

Value Value::Int(int64_t v) {
  Value out;
  out.kind = Kind::kInt;
  out.i = v;
  out.d = static_cast<double>(v);
  out.s = std::to_string(v);
  return out;
}

Value Value::Double(double v) {
  Value out;
  out.kind = Kind::kDouble;
  out.d = v;
  out.s = fmt::format("{}", v);
  return out;
}

Value Value::String(std::string v) {
  Value out;
  out.kind = Kind::kString;
  out.s = std::move(v);
  return out;
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Value ParseLiteral(std::string_view text) {
  text = Trim(text);
  if (text.size() >= 2 && (text.front() == '\'' || text.front() == '"') &&
      text.back() == text.front()) {
    return Value::String(std::string(text.substr(1, text.size() - 2)));
  }
  if (text == "true") return Value::Int(1);
  if (text == "false") return Value::Int(0);
  int64_t i;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
  if (ec == std::errc() && end == text.data() + text.size()) {
    Value v = Value::Int(i);
    v.s = std::string(text);
    return v;
  }
  char* dend = nullptr;
  std::string copy(text);
  double d = std::strtod(copy.c_str(), &dend);
  if (!copy.empty() && dend == copy.c_str() + copy.size()) {
    Value v = Value::Double(d);
    v.s = copy;
    return v;
  }
  return Value::String(copy);
}

std::vector<std::string_view> SplitList(std::string_view list) {
  std::vector<std::string_view> items;
  size_t start = 0;
  char quote = 0;
  for (size_t i = 0; i <= list.size(); ++i) {
    char c = i < list.size() ? list[i] : ',';
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == ',') {
      items.push_back(list.substr(start, i - start));
      start = i + 1;
    }
  }
  return items;
}

}  // namespace

Result<Predicate> ParsePredicate(std::string_view text) {
  text = Trim(text);
  size_t name_end = 0;
  while (name_end < text.size() && !std::isspace(static_cast<unsigned char>(text[name_end])) &&
         !std::strchr("=<>!", text[name_end])) {
    ++name_end;
  }
  Predicate p;
  p.column = std::string(text.substr(0, name_end));
  std::string_view rest = Trim(text.substr(name_end));
  auto bad = Status::InvalidArgument(fmt::format("cannot parse predicate '{}'", text));
  if (p.column.empty()) return bad;
  auto starts = [&](std::string_view word) {
    return rest.size() >= word.size() && strncasecmp(rest.data(), word.data(), word.size()) == 0;
  };
  if (starts("IS NULL")) {
    p.op = CompareOp::kIsNull;
    return p;
  }
  if (starts("IN")) {
    std::string_view list = Trim(rest.substr(2));
    if (list.size() < 2 || list.front() != '(' || list.back() != ')') return bad;
    p.op = CompareOp::kIn;
    for (auto item : SplitList(list.substr(1, list.size() - 2)))
      p.values.push_back(ParseLiteral(item));
    return p;
  }
  static const std::pair<std::string_view, CompareOp> kOps[] = {
      {"<=", CompareOp::kLe}, {">=", CompareOp::kGe}, {"==", CompareOp::kEq},
      {"<", CompareOp::kLt},  {">", CompareOp::kGt},  {"=", CompareOp::kEq}};
  for (const auto& [token, op] : kOps) {
    if (rest.substr(0, token.size()) == token) {
      p.op = op;
      p.values.push_back(ParseLiteral(rest.substr(token.size())));
      return p;
    }
  }
  return bad;
}

namespace {

bool IsStringColumn(const ColumnSpec& c) {
  return c.type == Type::kByteArray || c.type == Type::kFixedLenByteArray || c.type == Type::kInt96;
}

// Three-way comparison of a column value against a literal, or nullopt if incomparable.
std::optional<int> Compare(const Value& column_value, const Value& literal, const ColumnSpec& c) {
  if (IsStringColumn(c)) {
    int r = column_value.s.compare(literal.s);
    return r < 0 ? -1 : r > 0 ? 1 : 0;
  }
  if (literal.kind == Value::Kind::kString || literal.kind == Value::Kind::kNull) {
    return std::nullopt;
  }
  if (column_value.kind == Value::Kind::kInt && literal.kind == Value::Kind::kInt) {
    return column_value.i < literal.i ? -1 : column_value.i > literal.i ? 1 : 0;
  }
  double a =
      column_value.kind == Value::Kind::kInt ? static_cast<double>(column_value.i) : column_value.d;
  double b = literal.kind == Value::Kind::kInt ? static_cast<double>(literal.i) : literal.d;
  if (std::isnan(a) || std::isnan(b)) return std::nullopt;
  return a < b ? -1 : a > b ? 1 : 0;
}

bool RangeMayContain(const StatsView& s, const Value& v, CompareOp op, const ColumnSpec& c) {
  auto lo = Compare(*s.min, v, c);  // min vs literal
  auto hi = Compare(*s.max, v, c);  // max vs literal
  if (!lo || !hi) return true;
  switch (op) {
    case CompareOp::kEq:
    case CompareOp::kIn:
      return *lo <= 0 && *hi >= 0;
    case CompareOp::kLt:
      return *lo < 0;
    case CompareOp::kLe:
      return *lo <= 0;
    case CompareOp::kGt:
      return *hi > 0;
    case CompareOp::kGe:
      return *hi >= 0;
    case CompareOp::kIsNull:
      return true;
  }
  return true;
}

}  // namespace

std::optional<Value> StatValue(const ColumnSpec& c, std::string_view plain) {
  if (c.unsigned_order) return std::nullopt;
  auto load = [&](auto zero) -> std::optional<decltype(zero)> {
    if (plain.size() != sizeof(zero)) return std::nullopt;
    std::memcpy(&zero, plain.data(), sizeof(zero));
    return zero;
  };
  switch (c.type) {
    case Type::kBoolean:
      if (plain.size() != 1) return std::nullopt;
      return Value::Int(plain[0] != 0);
    case Type::kInt32:
      if (auto v = load(int32_t{0})) return Value::Int(*v);
      return std::nullopt;
    case Type::kInt64:
      if (auto v = load(int64_t{0})) return Value::Int(*v);
      return std::nullopt;
    case Type::kFloat:
      if (auto v = load(0.0f)) return Value::Double(*v);
      return std::nullopt;
    case Type::kDouble:
      if (auto v = load(0.0)) return Value::Double(*v);
      return std::nullopt;
    case Type::kByteArray:
    case Type::kFixedLenByteArray:
      return Value::String(std::string(plain));
    default:
      return std::nullopt;
  }
}

bool StatsMayMatch(const Predicate& p, const ColumnSpec& c, const StatsView& s) {
  if (p.op == CompareOp::kIsNull) return !s.null_count || *s.null_count > 0 || s.all_null;
  if (s.all_null) return false;
  if (s.null_count && *s.null_count >= s.num_values && s.num_values > 0) return false;
  if (!s.min || !s.max) return true;
  for (const Value& v : p.values) {
    if (RangeMayContain(s, v, p.op, c)) return true;
  }
  return false;
}

namespace {

std::optional<uint64_t> BloomHash(const ColumnSpec& c, const Value& v) {
  switch (c.type) {
    case Type::kInt32:
      if (v.kind != Value::Kind::kInt) return std::nullopt;
      if (v.i < INT32_MIN || v.i > INT32_MAX) return 0;  // any hash: cannot be present
      return BloomFilter::HashInt32(static_cast<int32_t>(v.i));
    case Type::kInt64:
      if (v.kind != Value::Kind::kInt) return std::nullopt;
      return BloomFilter::HashInt64(v.i);
    case Type::kByteArray:
    case Type::kFixedLenByteArray:
      return BloomFilter::Hash(v.s);
    default:
      return std::nullopt;  // floats: -0.0/+0.0 and NaN make hashing unsafe
  }
}

}  // namespace

bool BloomMayMatch(const Predicate& p, const ColumnSpec& c, const BloomFilter& bloom) {
  if (p.op != CompareOp::kEq && p.op != CompareOp::kIn) return true;
  for (const Value& v : p.values) {
    auto hash = BloomHash(c, v);
    if (!hash || bloom.MightContainHash(*hash)) return true;
  }
  return false;
}

bool RowMatches(const Predicate& p, const ColumnSpec& c, const ColumnBatch& batch, size_t row) {
  if (batch.IsNull(row)) return p.op == CompareOp::kIsNull;
  if (p.op == CompareOp::kIsNull) return false;
  Value cell;
  if (batch.IsIntegral()) {
    cell.kind = Value::Kind::kInt;
    cell.i = batch.ints[row];
  } else if (batch.IsFloating()) {
    cell.kind = Value::Kind::kDouble;
    cell.d = batch.doubles[row];
  } else {
    cell.kind = Value::Kind::kString;
    cell.s.assign(batch.strings[row]);
  }
  for (const Value& v : p.values) {
    auto cmp = Compare(cell, v, c);
    if (!cmp) continue;
    switch (p.op) {
      case CompareOp::kEq:
      case CompareOp::kIn:
        if (*cmp == 0) return true;
        break;
      case CompareOp::kLt:
        if (*cmp < 0) return true;
        break;
      case CompareOp::kLe:
        if (*cmp <= 0) return true;
        break;
      case CompareOp::kGt:
        if (*cmp > 0) return true;
        break;
      case CompareOp::kGe:
        if (*cmp >= 0) return true;
        break;
      case CompareOp::kIsNull:
        break;
    }
  }
  return false;
}

}  // namespace thingsdb::parquet
