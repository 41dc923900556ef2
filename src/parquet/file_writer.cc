#include "parquet/file_writer.h"

#include <fmt/format.h>

#include "parquet/page_index.h"

namespace thingsdb::parquet {
namespace {

constexpr std::string_view kMagic = "PAR1";
constexpr size_t kSliceRows = 4096;  // rows appended between row-group size checks

}  // namespace

FileWriter::FileWriter(const Schema& schema, const WriterOptions& options, OutputSink* sink)
    : schema_(schema), options_(options), sink_(sink) {
  for (const auto& column : schema_.columns) {
    writers_.push_back(std::make_unique<ColumnWriter>(column, options_));
  }
  metadata_.version = options_.data_page_version == 2 ? 2 : 1;
  metadata_.schema = ToSchemaElements(schema_);
  metadata_.key_value_metadata = options_.key_value_metadata;
  metadata_.created_by = options_.created_by;
  metadata_.type_defined_column_orders = true;
}

Result<std::unique_ptr<FileWriter>> FileWriter::Open(const Schema& schema,
                                                     const WriterOptions& options,
                                                     OutputSink* sink) {
  RETURN_IF_ERROR(ValidateSchema(schema));
  if (options.data_page_version != 1 && options.data_page_version != 2) {
    return Status::InvalidArgument("data_page_version must be 1 or 2");
  }
  if (options.page_row_limit == 0 || options.row_group_row_limit <= 0) {
    return Status::InvalidArgument("page and row group limits must be positive");
  }
  std::unique_ptr<FileWriter> writer(new FileWriter(schema, options, sink));
  RETURN_IF_ERROR(sink->Append(kMagic));
  return writer;
}

Status FileWriter::CheckBatch(const std::vector<ColumnBatch>& columns) const {
  if (columns.size() != schema_.columns.size()) {
    return Status::InvalidArgument(
        fmt::format("batch has {} columns, schema {}", columns.size(), schema_.columns.size()));
  }
  size_t rows = columns.empty() ? 0 : columns[0].size();
  for (size_t i = 0; i < columns.size(); ++i) {
    const ColumnSpec& spec = schema_.columns[i];
    const ColumnBatch& batch = columns[i];
    if (batch.type != spec.type) {
      return Status::InvalidArgument(fmt::format("column '{}': batch type {} is not {}", spec.name,
                                                 TypeName(batch.type), TypeName(spec.type)));
    }
    if (batch.size() != rows || (!batch.validity.empty() && batch.validity.size() != rows)) {
      return Status::InvalidArgument(fmt::format("column '{}': batch length differs", spec.name));
    }
    if (spec.type == Type::kFixedLenByteArray) {
      for (size_t row = 0; row < rows; ++row) {
        if (!batch.IsNull(row) &&
            batch.strings[row].size() != static_cast<size_t>(spec.type_length)) {
          return Status::InvalidArgument(
              fmt::format("column '{}': value of wrong length", spec.name));
        }
      }
    }
  }
  return Status::OK();
}

int64_t FileWriter::BufferedBytes() const {
  int64_t total = 0;
  for (const auto& w : writers_) total += w->EstimatedSize();
  return total;
}

Status FileWriter::WriteBatch(const std::vector<ColumnBatch>& columns) {
  if (closed_) return Status::InvalidArgument("writer is closed");
  RETURN_IF_ERROR(CheckBatch(columns));
  size_t rows = columns[0].size();
  for (size_t begin = 0; begin < rows;) {
    size_t room = static_cast<size_t>(options_.row_group_row_limit - open_rows_);
    size_t end = std::min({rows, begin + kSliceRows, begin + room});
    for (size_t i = 0; i < columns.size(); ++i) {
      RETURN_IF_ERROR(writers_[i]->Append(columns[i], begin, end));
    }
    open_rows_ += static_cast<int64_t>(end - begin);
    begin = end;
    if (open_rows_ >= options_.row_group_row_limit || BufferedBytes() >= options_.row_group_bytes) {
      RETURN_IF_ERROR(FlushRowGroup());
    }
  }
  return Status::OK();
}

Status FileWriter::FlushRowGroup() {
  if (open_rows_ == 0) return Status::OK();
  RowGroup group;
  group.num_rows = open_rows_;
  group.file_offset = static_cast<int64_t>(sink_->Tell());
  group.ordinal = static_cast<int16_t>(metadata_.row_groups.size());
  std::vector<std::string> blooms(writers_.size());
  std::vector<std::string> column_indexes, offset_indexes;
  int64_t compressed = 0;
  for (size_t i = 0; i < writers_.size(); ++i) {
    ASSIGN_OR_RETURN(FinishedChunk chunk, writers_[i]->Finish());
    int64_t start = static_cast<int64_t>(sink_->Tell());
    ColumnChunk column;
    column.meta_data = std::move(chunk.meta);
    column.meta_data.data_page_offset += start;
    if (column.meta_data.dictionary_page_offset) *column.meta_data.dictionary_page_offset += start;
    column.file_offset = start;
    for (auto& loc : chunk.offset_index.page_locations) loc.offset += start;
    RETURN_IF_ERROR(sink_->Append(chunk.bytes));
    group.total_byte_size += column.meta_data.total_uncompressed_size;
    compressed += column.meta_data.total_compressed_size;
    if (chunk.bloom_filter) blooms[i] = std::move(*chunk.bloom_filter);
    column_indexes.push_back(EncodeColumnIndex(chunk.column_index));
    offset_indexes.push_back(EncodeOffsetIndex(chunk.offset_index));
    group.columns.push_back(std::move(column));
  }
  RETURN_IF_ERROR(WriteBloomFilters(blooms, &group));
  group.total_compressed_size = compressed;
  metadata_.num_rows += open_rows_;
  metadata_.row_groups.push_back(std::move(group));
  column_indexes_.push_back(std::move(column_indexes));
  offset_indexes_.push_back(std::move(offset_indexes));
  open_rows_ = 0;
  return Status::OK();
}

Status FileWriter::WriteBloomFilters(const std::vector<std::string>& blooms, RowGroup* group) {
  for (size_t i = 0; i < blooms.size(); ++i) {
    if (blooms[i].empty()) continue;
    group->columns[i].meta_data.bloom_filter_offset = static_cast<int64_t>(sink_->Tell());
    group->columns[i].meta_data.bloom_filter_length = static_cast<int32_t>(blooms[i].size());
    RETURN_IF_ERROR(sink_->Append(blooms[i]));
  }
  return Status::OK();
}

Status FileWriter::WritePageIndexes() {
  if (!options_.write_page_index) return Status::OK();
  for (size_t g = 0; g < metadata_.row_groups.size(); ++g) {
    for (size_t c = 0; c < column_indexes_[g].size(); ++c) {
      ColumnChunk& chunk = metadata_.row_groups[g].columns[c];
      chunk.column_index_offset = static_cast<int64_t>(sink_->Tell());
      chunk.column_index_length = static_cast<int32_t>(column_indexes_[g][c].size());
      RETURN_IF_ERROR(sink_->Append(column_indexes_[g][c]));
    }
  }
  for (size_t g = 0; g < metadata_.row_groups.size(); ++g) {
    for (size_t c = 0; c < offset_indexes_[g].size(); ++c) {
      ColumnChunk& chunk = metadata_.row_groups[g].columns[c];
      chunk.offset_index_offset = static_cast<int64_t>(sink_->Tell());
      chunk.offset_index_length = static_cast<int32_t>(offset_indexes_[g][c].size());
      RETURN_IF_ERROR(sink_->Append(offset_indexes_[g][c]));
    }
  }
  return Status::OK();
}

Status FileWriter::Close() {
  if (closed_) return Status::InvalidArgument("writer already closed");
  RETURN_IF_ERROR(FlushRowGroup());
  closed_ = true;
  RETURN_IF_ERROR(WritePageIndexes());
  std::string footer = EncodeFileMetaData(metadata_);
  uint32_t length = static_cast<uint32_t>(footer.size());
  footer.append(reinterpret_cast<const char*>(&length), 4);
  footer.append(kMagic);
  RETURN_IF_ERROR(sink_->Append(footer));
  return sink_->Close();
}

Result<std::string> WriteToString(const Schema& schema, const WriterOptions& options,
                                  const std::vector<ColumnBatch>& columns) {
  StringSink sink;
  ASSIGN_OR_RETURN(auto writer, FileWriter::Open(schema, options, &sink));
  RETURN_IF_ERROR(writer->WriteBatch(columns));
  RETURN_IF_ERROR(writer->Close());
  return sink.Release();
}

}  // namespace thingsdb::parquet
