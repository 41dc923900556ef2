// Iceberg partition transforms (spec "Partition Transforms"): identity, bucket[N] (murmur3
// x86 32-bit as Appendix B defines), truncate[W], year, month, day, hour, void. Apply()
// maps a source literal to its partition value; Project() rewrites a column predicate into
// one on the partition value (for pruning), or nothing when the transform cannot prune.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "iceberg/schema.h"
#include "iceberg/single_value.h"

namespace thingsdb::iceberg {

enum class TransformKind { kIdentity, kBucket, kTruncate, kYear, kMonth, kDay, kHour, kVoid };

enum class CompareOp { kEq, kLt, kLe, kGt, kGe };

struct Transform {
  TransformKind kind = TransformKind::kIdentity;
  int32_t param = 0;  // bucket count or truncate width

  static Result<Transform> Parse(std::string_view text);  // "bucket[16]", "day", ...
  std::string ToString() const;

  // The partition value's type for a source column of `source`.
  Result<TypePtr> ResultType(const TypePtr& source) const;
  // The partition value of a source value.
  Result<Literal> Apply(const Literal& value) const;
  // For `source op value`, the predicate `partition op' value'` that every matching row's
  // partition satisfies; nullopt when this transform cannot prune `op`.
  std::optional<std::pair<CompareOp, Literal>> Project(CompareOp op, const Literal& value) const;
};

// MurmurHash3 x86 32-bit, seed 0 (Appendix B).
uint32_t Murmur3X86_32(std::string_view data, uint32_t seed = 0);
// The 32-bit hash Iceberg buckets by, for a literal of its type (Appendix B).
Result<int32_t> BucketHash(const Literal& value);

// Calendar helpers: days since 1970-01-01 for a civil date and back.
int32_t DaysFromCivil(int32_t year, uint32_t month, uint32_t day);
void CivilFromDays(int64_t days, int32_t& year, uint32_t& month, uint32_t& day);

}  // namespace thingsdb::iceberg
