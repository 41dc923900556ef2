#include "parquet/parquet_types.h"

namespace thingsdb::parquet {

std::string_view TypeName(Type type) {
  switch (type) {
    case Type::kBoolean:
      return "BOOLEAN";
    case Type::kInt32:
      return "INT32";
    case Type::kInt64:
      return "INT64";
    case Type::kInt96:
      return "INT96";
    case Type::kFloat:
      return "FLOAT";
    case Type::kDouble:
      return "DOUBLE";
    case Type::kByteArray:
      return "BYTE_ARRAY";
    case Type::kFixedLenByteArray:
      return "FIXED_LEN_BYTE_ARRAY";
  }
  return "UNKNOWN";
}

std::string_view EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kPlain:
      return "PLAIN";
    case Encoding::kPlainDictionary:
      return "PLAIN_DICTIONARY";
    case Encoding::kRle:
      return "RLE";
    case Encoding::kBitPacked:
      return "BIT_PACKED";
    case Encoding::kDeltaBinaryPacked:
      return "DELTA_BINARY_PACKED";
    case Encoding::kDeltaLengthByteArray:
      return "DELTA_LENGTH_BYTE_ARRAY";
    case Encoding::kDeltaByteArray:
      return "DELTA_BYTE_ARRAY";
    case Encoding::kRleDictionary:
      return "RLE_DICTIONARY";
    case Encoding::kByteStreamSplit:
      return "BYTE_STREAM_SPLIT";
  }
  return "UNKNOWN";
}

std::string_view CodecName(Codec codec) {
  switch (codec) {
    case Codec::kUncompressed:
      return "UNCOMPRESSED";
    case Codec::kSnappy:
      return "SNAPPY";
    case Codec::kGzip:
      return "GZIP";
    case Codec::kLzo:
      return "LZO";
    case Codec::kBrotli:
      return "BROTLI";
    case Codec::kLz4:
      return "LZ4";
    case Codec::kZstd:
      return "ZSTD";
    case Codec::kLz4Raw:
      return "LZ4_RAW";
  }
  return "UNKNOWN";
}

std::string_view LogicalKindName(LogicalKind kind) {
  switch (kind) {
    case LogicalKind::kNone:
      return "";
    case LogicalKind::kString:
      return "STRING";
    case LogicalKind::kJson:
      return "JSON";
    case LogicalKind::kDate:
      return "DATE";
    case LogicalKind::kTimestampMillis:
      return "TIMESTAMP(MILLIS,true)";
    case LogicalKind::kTimestampMicros:
      return "TIMESTAMP(MICROS,true)";
    case LogicalKind::kTimestampNanos:
      return "TIMESTAMP(NANOS,true)";
    case LogicalKind::kInt8:
      return "INTEGER(8,true)";
    case LogicalKind::kInt16:
      return "INTEGER(16,true)";
    case LogicalKind::kInt32:
      return "INTEGER(32,true)";
    case LogicalKind::kInt64:
      return "INTEGER(64,true)";
    case LogicalKind::kOther:
      return "OTHER";
  }
  return "";
}

}  // namespace thingsdb::parquet
