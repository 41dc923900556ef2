// Page compression codecs: UNCOMPRESSED, SNAPPY (raw), GZIP (RFC 1952 via zlib) and ZSTD.
// Decompress never produces more than `uncompressed_size` bytes (the page header's claim) and
// returns Corruption on bad data; other codecs are NotSupported. Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "parquet/parquet_types.h"

namespace thingsdb::parquet {

// `level` is codec-specific; 0 picks the codec's default. Appends to *out.
Status Compress(Codec codec, int level, std::string_view input, std::string* out);
// Replaces *out with exactly `uncompressed_size` decompressed bytes.
Status Decompress(Codec codec, std::string_view input, size_t uncompressed_size, std::string* out);

}  // namespace thingsdb::parquet
