#include "parquet/output_sink.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace thingsdb::parquet {

Result<std::unique_ptr<FileSink>> FileSink::Open(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return Status::IOError(fmt::format("{}: {}", path, std::strerror(errno)));
  }
  std::setvbuf(file, nullptr, _IOFBF, 1 << 20);
  return std::unique_ptr<FileSink>(new FileSink(path, file));
}

FileSink::~FileSink() {
  if (file_ != nullptr) std::fclose(file_);
}

Status FileSink::Append(std::string_view bytes) {
  if (file_ == nullptr) return Status::IOError(fmt::format("{}: already closed", path_));
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return Status::IOError(fmt::format("{}: write failed: {}", path_, std::strerror(errno)));
  }
  offset_ += bytes.size();
  return Status::OK();
}

Status FileSink::Close() {
  if (file_ == nullptr) return Status::OK();
  int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) return Status::IOError(fmt::format("{}: close failed", path_));
  return Status::OK();
}

}  // namespace thingsdb::parquet
