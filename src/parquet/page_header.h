// PageHeader (data v1/v2, dictionary) and BloomFilterHeader: the Thrift structs that prefix
// pages and bloom filters in a column chunk. Decode reports how many bytes the header took;
// bad bytes are Corruption naming the source and byte offset.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "parquet/file_metadata.h"

namespace thingsdb::parquet {

struct DataPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
  Encoding definition_level_encoding = Encoding::kRle;
  Encoding repetition_level_encoding = Encoding::kRle;
  std::optional<Statistics> statistics;
};

struct DataPageHeaderV2 {
  int32_t num_values = 0;
  int32_t num_nulls = 0;
  int32_t num_rows = 0;
  Encoding encoding = Encoding::kPlain;
  int32_t definition_levels_byte_length = 0;
  int32_t repetition_levels_byte_length = 0;
  bool is_compressed = true;
  std::optional<Statistics> statistics;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::kPlain;
};

struct PageHeader {
  PageType type = PageType::kDataPage;
  int32_t uncompressed_page_size = 0;
  int32_t compressed_page_size = 0;
  std::optional<int32_t> crc;
  std::optional<DataPageHeader> data_page;
  std::optional<DictionaryPageHeader> dictionary_page;
  std::optional<DataPageHeaderV2> data_page_v2;
};

std::string EncodePageHeader(const PageHeader& header);
// Decodes the header at the start of `bytes`; *header_size receives its length.
Status DecodePageHeader(std::string_view bytes, std::string_view source, uint64_t base_offset,
                        PageHeader* header, size_t* header_size);

// Split-block, xxHash64, uncompressed: the only combination the spec defines.
struct BloomFilterHeader {
  int32_t num_bytes = 0;
};

std::string EncodeBloomFilterHeader(const BloomFilterHeader& header);
Status DecodeBloomFilterHeader(std::string_view bytes, std::string_view source,
                               uint64_t base_offset, BloomFilterHeader* header,
                               size_t* header_size);

}  // namespace thingsdb::parquet
