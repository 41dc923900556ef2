// Status and Result<T>: errors as values across every layer (STYLE.md §4).
// A Status is a code and a message that names the thing and the reason; OK carries none.
// Result<T> holds either a T or a non-OK Status. Both are cheap to move; not thread-safe.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace thingsdb {

enum class StatusCode {
  kOk = 0,
  kNotFound,
  kCorruption,
  kInvalidArgument,
  kNotSupported,
  kIOError,
  kConflict,       // a uniqueness or concurrent-commit conflict
  kBusy,           // try again later (locked, queue full)
  kLimitExceeded,  // a configured limit would be exceeded; nothing was written
  kUnauthenticated,
  kPermissionDenied,
  kInternal,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status InvalidArgument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status NotSupported(std::string msg) {
    return {StatusCode::kNotSupported, std::move(msg)};
  }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status Conflict(std::string msg) { return {StatusCode::kConflict, std::move(msg)}; }
  static Status Busy(std::string msg) { return {StatusCode::kBusy, std::move(msg)}; }
  static Status LimitExceeded(std::string msg) {
    return {StatusCode::kLimitExceeded, std::move(msg)};
  }
  static Status Unauthenticated(std::string msg) {
    return {StatusCode::kUnauthenticated, std::move(msg)};
  }
  static Status PermissionDenied(std::string msg) {
    return {StatusCode::kPermissionDenied, std::move(msg)};
  }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }
  bool IsCorruption() const { return code_ == StatusCode::kCorruption; }
  bool IsInvalidArgument() const { return code_ == StatusCode::kInvalidArgument; }
  bool IsConflict() const { return code_ == StatusCode::kConflict; }
  bool IsLimitExceeded() const { return code_ == StatusCode::kLimitExceeded; }

  // "NotFound: thing 'abc' does not exist"
  std::string ToString() const;

  // Returns a copy whose message is "context: message" (same code).
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : storage_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : storage_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(storage_).ok() && "Result constructed from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(storage_); }
  const Status& status() const& {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(storage_);
  }
  // By value on a temporary, so `RETURN_IF_ERROR(F().status())` never holds a reference
  // into a Result that is already gone.
  Status status() && { return ok() ? Status() : std::get<Status>(std::move(storage_)); }
  T& value() & { return std::get<T>(storage_); }
  const T& value() const& { return std::get<T>(storage_); }
  T&& value() && { return std::get<T>(std::move(storage_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> storage_;
};

namespace internal {
inline const Status& ToStatus(const Status& s) { return s; }
template <typename T>
const Status& ToStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace thingsdb

#define THINGSDB_CONCAT_INNER(a, b) a##b
#define THINGSDB_CONCAT(a, b) THINGSDB_CONCAT_INNER(a, b)

// Returns the error of a Status or Result expression from the calling function.
#define RETURN_IF_ERROR(expr)                                                    \
  do {                                                                           \
    auto&& _thingsdb_st = (expr);                                                \
    if (!_thingsdb_st.ok()) return ::thingsdb::internal::ToStatus(_thingsdb_st); \
  } while (0)

#define THINGSDB_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()

// ASSIGN_OR_RETURN(auto x, ComputeX()); declares or assigns lhs, or returns the error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  THINGSDB_ASSIGN_OR_RETURN_IMPL(THINGSDB_CONCAT(_thingsdb_r_, __LINE__), lhs, expr)
