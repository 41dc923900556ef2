// Enumerations of the Parquet format (apache/parquet-format parquet.thrift), with the
// numeric values the format stores on disk. Plain data, no behaviour beyond naming.
#pragma once

#include <cstdint>
#include <string_view>

namespace thingsdb::parquet {

enum class Type : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

enum class Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };

enum class ConvertedType : int32_t {
  kNone = -1,
  kUtf8 = 0,
  kDate = 6,
  kTimestampMillis = 9,
  kTimestampMicros = 10,
  kInt8 = 15,
  kInt16 = 16,
  kInt32 = 17,
  kInt64 = 18,
  kJson = 19,
};

enum class Encoding : int32_t {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6,
  kDeltaByteArray = 7,
  kRleDictionary = 8,
  kByteStreamSplit = 9,
};

enum class Codec : int32_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLzo = 3,
  kBrotli = 4,
  kLz4 = 5,
  kZstd = 6,
  kLz4Raw = 7,
};

enum class PageType : int32_t {
  kDataPage = 0,
  kIndexPage = 1,
  kDictionaryPage = 2,
  kDataPageV2 = 3,
};

enum class BoundaryOrder : int32_t { kUnordered = 0, kAscending = 1, kDescending = 2 };

// The logical types this module writes; kNone means "plain physical type".
enum class LogicalKind : int32_t {
  kNone = 0,
  kString,
  kJson,
  kDate,
  kTimestampMillis,
  kTimestampMicros,
  kTimestampNanos,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kOther,  // read from a foreign file and not interpreted
};

std::string_view TypeName(Type type);
std::string_view EncodingName(Encoding encoding);
std::string_view CodecName(Codec codec);
std::string_view LogicalKindName(LogicalKind kind);

}  // namespace thingsdb::parquet
