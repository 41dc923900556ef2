#include "parquet/encoding.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

namespace thingsdb::parquet {
namespace {

constexpr uint64_t kMaxDecodedBytes = 1ull << 30;

Status Bad(std::string_view encoding, std::string_view what) {
  return Status::Corruption(fmt::format("{}: {}", encoding, what));
}

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view data, size_t* pos, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *pos < data.size(); shift += 7) {
    uint8_t byte = static_cast<uint8_t>(data[(*pos)++]);
    *v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

// Reads bit_width bits at bit offset `bit`, LSB first. Caller checks bounds.
uint64_t ReadBits(const uint8_t* p, size_t bit, int bit_width) {
  if (bit_width == 0) return 0;
  size_t byte = bit >> 3;
  int shift = static_cast<int>(bit & 7);
  uint64_t v = p[byte++] >> shift;
  int got = 8 - shift;
  while (got < bit_width) {
    v |= static_cast<uint64_t>(p[byte++]) << got;
    got += 8;
  }
  return bit_width == 64 ? v : v & ((uint64_t{1} << bit_width) - 1);
}

// ORs bit_width bits of v at bit offset `bit` into a zeroed buffer.
void WriteBits(uint8_t* p, size_t bit, int bit_width, uint64_t v) {
  for (int done = 0; done < bit_width;) {
    size_t byte = (bit + done) >> 3;
    int shift = static_cast<int>((bit + done) & 7);
    int take = std::min(8 - shift, bit_width - done);
    uint64_t mask = (uint64_t{1} << take) - 1;
    p[byte] |= static_cast<uint8_t>(((v >> done) & mask) << shift);
    done += take;
  }
}

void PackValues(const uint64_t* values, size_t count, int bit_width, std::string* out) {
  size_t start = out->size();
  out->resize(start + (count * bit_width + 7) / 8, '\0');
  auto* p = reinterpret_cast<uint8_t*>(out->data() + start);
  for (size_t i = 0; i < count; ++i) WriteBits(p, i * bit_width, bit_width, values[i]);
}

size_t RunLength(const uint32_t* values, size_t count, size_t at) {
  size_t run = 1;
  while (at + run < count && values[at + run] == values[at]) ++run;
  return run;
}

}  // namespace

int BitWidth(uint64_t max_value) {
  int width = 0;
  while (max_value != 0) {
    ++width;
    max_value >>= 1;
  }
  return width;
}

void EncodeRleBitPacked(const uint32_t* values, size_t count, int bit_width, std::string* out) {
  int value_bytes = (bit_width + 7) / 8;
  size_t i = 0;
  while (i < count) {
    size_t run = RunLength(values, count, i);
    if (run >= 8) {
      PutVarint(static_cast<uint64_t>(run) << 1, out);
      for (int b = 0; b < value_bytes; ++b) out->push_back(static_cast<char>(values[i] >> (8 * b)));
      i += run;
      continue;
    }
    size_t start = i, groups = 0;
    while (i < count) {
      if (groups > 0 && i + 8 <= count && RunLength(values, count, i) >= 8) break;
      i = std::min(i + 8, count);
      ++groups;
    }
    PutVarint((groups << 1) | 1, out);
    std::vector<uint64_t> group(groups * 8, 0);
    for (size_t k = start; k < i; ++k) group[k - start] = values[k];
    PackValues(group.data(), group.size(), bit_width, out);
  }
}

Status RleBitPackedDecoder::NextRun() {
  uint64_t header;
  if (!GetVarint(data_, &pos_, &header)) return Bad("RLE", "truncated run header");
  if (header & 1) {
    uint64_t groups = header >> 1;
    if (groups > (uint64_t{1} << 40)) return Bad("RLE", "bit-packed run too long");
    uint64_t bytes = groups * bit_width_;
    uint64_t values = groups * 8;
    if (bytes > data_.size() - pos_) {
      // Some writers stop at the last value instead of padding the last group.
      bytes = data_.size() - pos_;
      values = bytes * 8 / bit_width_;
    }
    run_is_rle_ = false;
    run_left_ = values;
    packed_bit_ = pos_ * 8;
    pos_ += bytes;
  } else {
    run_is_rle_ = true;
    run_left_ = header >> 1;
    int value_bytes = (bit_width_ + 7) / 8;
    if (static_cast<size_t>(value_bytes) > data_.size() - pos_) {
      return Bad("RLE", "truncated run value");
    }
    rle_value_ = 0;
    for (int b = 0; b < value_bytes; ++b) {
      rle_value_ |= static_cast<uint32_t>(static_cast<uint8_t>(data_[pos_++])) << (8 * b);
    }
  }
  return Status::OK();
}

Status RleBitPackedDecoder::Get(uint32_t* out, size_t count) {
  if (bit_width_ < 0 || bit_width_ > 32) return Bad("RLE", "bit width above 32");
  const auto* bytes = reinterpret_cast<const uint8_t*>(data_.data());
  while (count > 0) {
    if (run_left_ == 0) {
      RETURN_IF_ERROR(NextRun());
      continue;
    }
    size_t n = static_cast<size_t>(std::min<uint64_t>(run_left_, count));
    if (run_is_rle_) {
      std::fill(out, out + n, rle_value_);
    } else {
      for (size_t k = 0; k < n; ++k) {
        out[k] = static_cast<uint32_t>(ReadBits(bytes, packed_bit_, bit_width_));
        packed_bit_ += bit_width_;
      }
    }
    out += n;
    count -= n;
    run_left_ -= n;
  }
  return Status::OK();
}

void PlainInt32(int32_t v, std::string* out) { out->append(reinterpret_cast<const char*>(&v), 4); }
void PlainInt64(int64_t v, std::string* out) { out->append(reinterpret_cast<const char*>(&v), 8); }
void PlainFloat(float v, std::string* out) { out->append(reinterpret_cast<const char*>(&v), 4); }
void PlainDouble(double v, std::string* out) { out->append(reinterpret_cast<const char*>(&v), 8); }

void PlainByteArray(std::string_view v, std::string* out) {
  PlainInt32(static_cast<int32_t>(v.size()), out);
  out->append(v);
}

void PlainBooleans(const std::vector<uint8_t>& bits, std::string* out) {
  size_t start = out->size();
  out->resize(start + (bits.size() + 7) / 8, '\0');
  for (size_t i = 0; i < bits.size(); ++i) {
    if (bits[i]) (*out)[start + i / 8] |= static_cast<char>(1 << (i % 8));
  }
}

namespace {

template <typename T>
T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

Status DecodePlainByteArray(std::string_view data, size_t count, ColumnBatch* out) {
  size_t pos = 0;
  out->strings.reserve(out->strings.size() + count);
  for (size_t i = 0; i < count; ++i) {
    if (data.size() - pos < 4) return Bad("PLAIN", "truncated byte array length");
    uint32_t len = Load<uint32_t>(data.data() + pos);
    pos += 4;
    if (len > data.size() - pos) return Bad("PLAIN", "byte array longer than the page");
    out->strings.push_back(data.substr(pos, len));
    pos += len;
  }
  return Status::OK();
}

}  // namespace

Status DecodePlain(Type type, int type_length, std::string_view data, size_t count,
                   ColumnBatch* out) {
  size_t width = type == Type::kInt32 || type == Type::kFloat    ? 4
                 : type == Type::kInt64 || type == Type::kDouble ? 8
                 : type == Type::kInt96                          ? 12
                 : type == Type::kFixedLenByteArray              ? static_cast<size_t>(type_length)
                                                                 : 0;
  if (count == 0) return Status::OK();
  if (type == Type::kBoolean) {
    if ((count + 7) / 8 > data.size()) return Bad("PLAIN", "truncated booleans");
    for (size_t i = 0; i < count; ++i) out->ints.push_back((data[i / 8] >> (i % 8)) & 1);
    return Status::OK();
  }
  if (type == Type::kByteArray) return DecodePlainByteArray(data, count, out);
  if (width == 0 && type == Type::kFixedLenByteArray) {
    out->strings.insert(out->strings.end(), count, std::string_view());
    return Status::OK();
  }
  if (count > data.size() / width) return Bad("PLAIN", "fewer values than the page claims");
  const char* p = data.data();
  switch (type) {
    case Type::kInt32:
      for (size_t i = 0; i < count; ++i) out->ints.push_back(Load<int32_t>(p + 4 * i));
      break;
    case Type::kInt64:
      out->ints.resize(out->ints.size() + count);
      std::memcpy(out->ints.data() + out->ints.size() - count, p, 8 * count);
      break;
    case Type::kFloat:
      for (size_t i = 0; i < count; ++i) out->doubles.push_back(Load<float>(p + 4 * i));
      break;
    case Type::kDouble:
      out->doubles.resize(out->doubles.size() + count);
      std::memcpy(out->doubles.data() + out->doubles.size() - count, p, 8 * count);
      break;
    default:
      for (size_t i = 0; i < count; ++i) out->strings.push_back(data.substr(i * width, width));
  }
  return Status::OK();
}

// ---- DELTA_BINARY_PACKED ------------------------------------------------------------

namespace {
constexpr size_t kBlockSize = 128;
constexpr size_t kMiniblocks = 4;
constexpr size_t kMiniblockSize = kBlockSize / kMiniblocks;

template <typename T>
void EncodeDeltaBlocks(const int64_t* values, size_t count, std::string* out) {
  using U = std::make_unsigned_t<T>;
  PutVarint(kBlockSize, out);
  PutVarint(kMiniblocks, out);
  PutVarint(count, out);
  PutVarint(ZigZag(count ? static_cast<T>(values[0]) : 0), out);
  uint64_t deltas[kBlockSize];
  for (size_t start = 1; start < count; start += kBlockSize) {
    size_t n = std::min(kBlockSize, count - start);
    T min_delta = 0;
    for (size_t i = 0; i < n; ++i) {
      T delta =
          static_cast<T>(static_cast<U>(values[start + i]) - static_cast<U>(values[start + i - 1]));
      deltas[i] = static_cast<uint64_t>(static_cast<int64_t>(delta));
      if (i == 0 || delta < min_delta) min_delta = delta;
    }
    for (size_t i = 0; i < n; ++i) {
      deltas[i] = static_cast<U>(static_cast<U>(deltas[i]) - static_cast<U>(min_delta));
    }
    std::fill(deltas + n, deltas + kBlockSize, 0);
    PutVarint(ZigZag(min_delta), out);
    size_t used = (n + kMiniblockSize - 1) / kMiniblockSize;
    int widths[kMiniblocks] = {0, 0, 0, 0};
    for (size_t m = 0; m < used; ++m) {
      uint64_t max = 0;
      for (size_t i = 0; i < kMiniblockSize; ++i)
        max = std::max(max, deltas[m * kMiniblockSize + i]);
      widths[m] = BitWidth(max);
    }
    for (size_t m = 0; m < kMiniblocks; ++m) out->push_back(static_cast<char>(widths[m]));
    for (size_t m = 0; m < used; ++m) {
      PackValues(deltas + m * kMiniblockSize, kMiniblockSize, widths[m], out);
    }
  }
}

struct DeltaHeader {
  uint64_t block_size, miniblocks, total;
  int64_t first;
};

Status ReadDeltaHeader(std::string_view data, size_t* pos, DeltaHeader* h) {
  uint64_t first;
  if (!GetVarint(data, pos, &h->block_size) || !GetVarint(data, pos, &h->miniblocks) ||
      !GetVarint(data, pos, &h->total) || !GetVarint(data, pos, &first)) {
    return Bad("DELTA_BINARY_PACKED", "truncated header");
  }
  h->first = UnZigZag(first);
  if (h->block_size == 0 || h->block_size % 128 != 0 || h->block_size > (1 << 20) ||
      h->miniblocks == 0 || h->block_size % h->miniblocks != 0 ||
      (h->block_size / h->miniblocks) % 32 != 0) {
    return Bad("DELTA_BINARY_PACKED", "bad block layout");
  }
  return Status::OK();
}

template <typename T>
Status DecodeDeltaBlocks(std::string_view data, size_t count, std::vector<int64_t>* out,
                         size_t* consumed) {
  using U = std::make_unsigned_t<T>;
  size_t pos = 0;
  DeltaHeader h;
  RETURN_IF_ERROR(ReadDeltaHeader(data, &pos, &h));
  if (h.total < count) return Bad("DELTA_BINARY_PACKED", "fewer values than the page claims");
  uint64_t per_mini = h.block_size / h.miniblocks;
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  U value = static_cast<U>(h.first);
  if (h.total > 0 && count > 0) out->push_back(static_cast<T>(value));
  uint64_t remaining = h.total > 0 ? h.total - 1 : 0;
  size_t produced = h.total > 0 ? 1 : 0;
  while (remaining > 0) {
    uint64_t min_raw;
    if (!GetVarint(data, &pos, &min_raw)) return Bad("DELTA_BINARY_PACKED", "truncated block");
    U min_delta = static_cast<U>(UnZigZag(min_raw));
    if (h.miniblocks > data.size() - pos) return Bad("DELTA_BINARY_PACKED", "truncated widths");
    size_t widths_at = pos;
    pos += h.miniblocks;
    for (uint64_t m = 0; m < h.miniblocks && remaining > 0; ++m) {
      int width = bytes[widths_at + m];
      if (width > static_cast<int>(sizeof(T) * 8)) return Bad("DELTA_BINARY_PACKED", "bad width");
      size_t mini_bytes = per_mini * width / 8;
      if (mini_bytes > data.size() - pos) return Bad("DELTA_BINARY_PACKED", "truncated miniblock");
      uint64_t take = std::min<uint64_t>(per_mini, remaining);
      for (uint64_t i = 0; i < take; ++i) {
        value = static_cast<U>(value + min_delta +
                               static_cast<U>(ReadBits(bytes, pos * 8 + i * width, width)));
        if (produced++ < count) out->push_back(static_cast<T>(value));
      }
      remaining -= take;
      pos += mini_bytes;
    }
  }
  *consumed = pos;
  return Status::OK();
}

}  // namespace

void EncodeDeltaBinaryPacked(const int64_t* values, size_t count, bool is_int32, std::string* out) {
  if (is_int32)
    EncodeDeltaBlocks<int32_t>(values, count, out);
  else
    EncodeDeltaBlocks<int64_t>(values, count, out);
}

Status DecodeDeltaBinaryPacked(std::string_view data, size_t count, bool is_int32,
                               std::vector<int64_t>* out, size_t* consumed) {
  return is_int32 ? DecodeDeltaBlocks<int32_t>(data, count, out, consumed)
                  : DecodeDeltaBlocks<int64_t>(data, count, out, consumed);
}

// ---- DELTA_LENGTH_BYTE_ARRAY / DELTA_BYTE_ARRAY -----------------------------------

void EncodeDeltaLengthByteArray(const std::vector<std::string_view>& values, std::string* out) {
  std::vector<int64_t> lengths;
  lengths.reserve(values.size());
  for (auto v : values) lengths.push_back(static_cast<int64_t>(v.size()));
  EncodeDeltaBinaryPacked(lengths.data(), lengths.size(), true, out);
  for (auto v : values) out->append(v);
}

Status DecodeDeltaLengthByteArray(std::string_view data, size_t count,
                                  std::vector<std::string_view>* out) {
  std::vector<int64_t> lengths;
  size_t pos = 0;
  RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data, count, true, &lengths, &pos));
  if (lengths.size() < count) return Bad("DELTA_LENGTH_BYTE_ARRAY", "too few lengths");
  for (size_t i = 0; i < count; ++i) {
    if (lengths[i] < 0 || static_cast<uint64_t>(lengths[i]) > data.size() - pos) {
      return Bad("DELTA_LENGTH_BYTE_ARRAY", "value longer than the page");
    }
    out->push_back(data.substr(pos, lengths[i]));
    pos += lengths[i];
  }
  return Status::OK();
}

void EncodeDeltaByteArray(const std::vector<std::string_view>& values, std::string* out) {
  std::vector<int64_t> prefixes;
  std::vector<std::string_view> suffixes;
  std::string_view prev;
  for (auto v : values) {
    size_t p = 0;
    while (p < v.size() && p < prev.size() && v[p] == prev[p]) ++p;
    prefixes.push_back(static_cast<int64_t>(p));
    suffixes.push_back(v.substr(p));
    prev = v;
  }
  EncodeDeltaBinaryPacked(prefixes.data(), prefixes.size(), true, out);
  EncodeDeltaLengthByteArray(suffixes, out);
}

Status DecodeDeltaByteArray(std::string_view data, size_t count,
                            std::shared_ptr<const std::string>* storage,
                            std::vector<std::string_view>* out) {
  std::vector<int64_t> prefixes;
  size_t pos = 0;
  RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data, count, true, &prefixes, &pos));
  std::vector<std::string_view> suffixes;
  RETURN_IF_ERROR(DecodeDeltaLengthByteArray(data.substr(pos), count, &suffixes));
  if (prefixes.size() < count) return Bad("DELTA_BYTE_ARRAY", "too few prefixes");
  std::vector<size_t> lengths(count);
  uint64_t total = 0, prev_length = 0;
  for (size_t i = 0; i < count; ++i) {
    if (prefixes[i] < 0 || static_cast<uint64_t>(prefixes[i]) > prev_length) {
      return Bad("DELTA_BYTE_ARRAY", "prefix longer than the previous value");
    }
    lengths[i] = prefixes[i] + suffixes[i].size();
    prev_length = lengths[i];
    total += lengths[i];
    if (total > kMaxDecodedBytes) return Bad("DELTA_BYTE_ARRAY", "values too large");
  }
  auto buffer = std::make_shared<std::string>();
  buffer->reserve(total);
  size_t prev_start = 0;
  for (size_t i = 0; i < count; ++i) {
    size_t start = buffer->size();
    buffer->append(*buffer, prev_start, prefixes[i]);
    buffer->append(suffixes[i]);
    prev_start = start;
  }
  size_t at = 0;
  for (size_t i = 0; i < count; ++i) {
    out->push_back(std::string_view(*buffer).substr(at, lengths[i]));
    at += lengths[i];
  }
  *storage = std::move(buffer);
  return Status::OK();
}

Status DecodeByteStreamSplit(Type type, int type_length, std::string_view data, size_t count,
                             ColumnBatch* out) {
  size_t width = type == Type::kInt32 || type == Type::kFloat    ? 4
                 : type == Type::kInt64 || type == Type::kDouble ? 8
                 : type == Type::kFixedLenByteArray              ? static_cast<size_t>(type_length)
                                                                 : 0;
  if (width == 0 || type == Type::kFixedLenByteArray) {
    return Status::NotSupported("BYTE_STREAM_SPLIT for this type");
  }
  if (count > data.size() / width) return Bad("BYTE_STREAM_SPLIT", "truncated");
  size_t streams = data.size() / width;
  std::string plain(count * width, '\0');
  for (size_t i = 0; i < count; ++i) {
    for (size_t b = 0; b < width; ++b) plain[i * width + b] = data[b * streams + i];
  }
  auto owned = std::make_shared<std::string>(std::move(plain));
  out->buffers.push_back(owned);
  return DecodePlain(type, type_length, *owned, count, out);
}

}  // namespace thingsdb::parquet
