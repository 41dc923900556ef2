#include "parquet/random_access_source.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace thingsdb::parquet {

namespace {
Status RangeError(const std::string& name, uint64_t offset, uint64_t length, uint64_t size) {
  return Status::Corruption(fmt::format(
      "{}: read of {} bytes at byte offset {} passes the end ({})", name, length, offset, size));
}
}  // namespace

Result<std::string> MemorySource::Read(uint64_t offset, uint64_t length) {
  if (offset > data_.size() || length > data_.size() - offset) {
    return RangeError(name_, offset, length, data_.size());
  }
  return data_.substr(offset, length);
}

Result<std::unique_ptr<LocalFileSource>> LocalFileSource::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::string reason = std::strerror(errno);
    if (errno == ENOENT) return Status::NotFound(fmt::format("{}: {}", path, reason));
    return Status::IOError(fmt::format("{}: {}", path, reason));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::IOError(fmt::format("{}: fstat failed", path));
  }
  return std::unique_ptr<LocalFileSource>(
      new LocalFileSource(path, fd, static_cast<uint64_t>(st.st_size)));
}

LocalFileSource::~LocalFileSource() { ::close(fd_); }

Result<std::string> LocalFileSource::Read(uint64_t offset, uint64_t length) {
  if (offset > size_ || length > size_ - offset) return RangeError(path_, offset, length, size_);
  std::string out(length, '\0');
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd_, out.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Status::IOError(
          fmt::format("{}: read failed at byte offset {}", path_, offset + done));
    }
    done += static_cast<uint64_t>(n);
  }
  return out;
}

}  // namespace thingsdb::parquet
