// ColumnChunkDecoder: decodes the pages of one flat column chunk (dictionary page, data
// pages v1/v2 in any encoding this module knows, any supported codec) into a ColumnBatch.
// Every length is checked against the bytes given; bad bytes are Corruption naming the
// source and the page's byte offset. Not thread-safe; one per column chunk.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "parquet/column_batch.h"
#include "parquet/page_header.h"
#include "parquet/schema.h"

namespace thingsdb::parquet {

struct DecodeLimits {
  size_t max_page_bytes = 256 << 20;  // uncompressed bytes of one page
  int64_t max_values_per_page = 1 << 24;
  int64_t max_rows_per_row_group = int64_t{1} << 27;
};

class ColumnChunkDecoder {
 public:
  ColumnChunkDecoder(const ColumnSpec& spec, Codec codec, std::string source, DecodeLimits limits);

  // Decodes the page whose header starts at bytes[0] (file offset `offset`), appending
  // its rows to *out. *consumed receives header + body size; *rows the rows appended.
  Status DecodePage(std::string_view bytes, uint64_t offset, ColumnBatch* out, size_t* consumed,
                    int64_t* rows);
  bool has_dictionary() const { return dictionary_ != nullptr; }

 private:
  // The parts of a data page, its values decompressed.
  struct PageShape {
    int64_t num_values = 0;
    Encoding encoding = Encoding::kPlain;
    std::string_view levels;  // definition levels, RLE hybrid without a length prefix
    std::shared_ptr<const std::string> buffer;  // owns `values` (and v1 `levels`)
    std::string_view values;
  };

  Status Fail(uint64_t offset, std::string_view what) const;
  Status ShapeV1(const PageHeader& header, std::string_view body, uint64_t offset,
                 PageShape* shape);
  Status ShapeV2(const PageHeader& header, std::string_view body, uint64_t offset,
                 PageShape* shape);
  Result<std::vector<uint32_t>> DecodeLevels(std::string_view levels, size_t count, uint64_t offset,
                                             size_t* present);
  Status ReadDictionary(const PageHeader& header, std::string_view body, uint64_t offset);
  Status DecodeDataPage(const PageHeader& header, std::string_view body, uint64_t offset,
                        ColumnBatch* out, int64_t* rows);
  Result<std::shared_ptr<const std::string>> Inflate(std::string_view compressed,
                                                     size_t uncompressed_size,
                                                     uint64_t offset) const;
  Status DecodeValues(Encoding encoding, std::shared_ptr<const std::string> buffer,
                      std::string_view data, size_t count, ColumnBatch* values);
  Status DecodeDictionaryIndices(std::string_view data, size_t count, ColumnBatch* values);

  ColumnSpec spec_;
  Codec codec_;
  std::string source_;
  DecodeLimits limits_;
  std::unique_ptr<ColumnBatch> dictionary_;
};

// Appends the rows of `src` whose positions are listed in `rows` to *dst.
void AppendRows(const ColumnBatch& src, const std::vector<uint32_t>& rows, ColumnBatch* dst);

}  // namespace thingsdb::parquet
