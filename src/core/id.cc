#include "core/id.h"

#include <chrono>
#include <random>

#include <fmt/format.h>

namespace thingsdb {
namespace {

// Sorted by ASCII code, so byte-wise comparison of encoded ids follows numeric order.
constexpr char kAlphabet[] = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
static_assert(sizeof(kAlphabet) == 65);

uint64_t WallMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void Encode48(uint64_t value, char* out) {
  for (int char_idx = 7; char_idx >= 0; --char_idx) {
    out[char_idx] = kAlphabet[value & 63];
    value >>= 6;
  }
}

int DecodeChar(char c) {
  for (int idx = 0; idx < 64; ++idx) {
    if (kAlphabet[idx] == c) return idx;
  }
  return -1;
}

}  // namespace

IdGenerator::IdGenerator() {
  std::random_device rd;
  rng_state_ = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ WallMs();
}

void IdGenerator::NextInto(char* out) {
  constexpr uint64_t kMask48 = (1ULL << 48) - 1;
  uint64_t ms;
  uint64_t seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ms = WallMs() & kMask48;
    if (ms > last_ms_) {
      last_ms_ = ms;
      // Random start with the top 8 bits clear leaves room for 2^40 ids in one millisecond.
      seq_ = SplitMix64(rng_state_) & ((1ULL << 40) - 1);
    } else {
      ms = last_ms_;
      if (++seq_ > kMask48) {  // sequence space of this millisecond used up: borrow the next
        last_ms_ = ++ms;
        seq_ = 0;
      }
    }
    seq = seq_;
  }
  Encode48(ms, out);
  Encode48(seq, out + 8);
}

std::string IdGenerator::Next() {
  std::string id(kLength, '\0');
  NextInto(id.data());
  return id;
}

Result<int64_t> IdGenerator::TimestampOf(std::string_view id) {
  if (id.size() != kLength) {
    return Status::InvalidArgument(fmt::format("id '{}' is not a generated id", id));
  }
  int64_t ms = 0;
  for (size_t char_idx = 0; char_idx < 8; ++char_idx) {
    int digit = DecodeChar(id[char_idx]);
    if (digit < 0) return Status::InvalidArgument(fmt::format("id '{}' is not a generated id", id));
    ms = (ms << 6) | digit;
  }
  return ms;
}

Status ValidateName(std::string_view value, std::string_view what, size_t max_len) {
  if (value.empty()) return Status::InvalidArgument(fmt::format("{} is empty", what));
  if (value.size() > max_len) {
    return Status::InvalidArgument(
        fmt::format("{} is {} bytes long; the limit is {}", what, value.size(), max_len));
  }
  for (size_t pos = 0; pos < value.size(); ++pos) {
    unsigned char c = static_cast<unsigned char>(value[pos]);
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == ':' || c == '@';
    if (!ok) {
      return Status::InvalidArgument(fmt::format(
          "{} '{}' has a character not allowed at byte {} (allowed: letters, digits, _ - . : @)",
          what, value.size() > 64 ? std::string(value.substr(0, 64)) + "…" : std::string(value),
          pos));
    }
  }
  return Status::OK();
}

}  // namespace thingsdb
