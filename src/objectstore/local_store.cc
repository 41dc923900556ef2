#include "objectstore/local_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "objectstore/object_key.h"

namespace thingsdb {
namespace {

// Closes a file descriptor at scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  int get() const { return fd_; }
  // Closes now and reports the error of close(2).
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Status ErrnoStatus(int err, std::string_view what, std::string_view key, std::string_view path) {
  std::string msg = fmt::format("{} object '{}' ({}): {}", what, key, path, std::strerror(err));
  if (err == ENOENT) return Status::NotFound(std::move(msg));
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(std::move(msg));
  if (err == ENOSPC || err == EDQUOT) return Status::LimitExceeded(std::move(msg));
  return Status::IOError(std::move(msg));
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// mkdir -p of `dir`; EEXIST is fine.
int MakeDirs(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) return 0;
  if (errno != ENOENT) return errno;
  size_t slash = dir.rfind('/');
  if (slash == std::string::npos || slash == 0) return ENOENT;
  if (int err = MakeDirs(dir.substr(0, slash)); err != 0) return err;
  if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) return 0;
  return errno;
}

std::string TempSuffix() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{}{}.{}.{:x}", kReservedSegmentPrefix, ::getpid(), counter++, rng());
}

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

Status WriteAll(int fd, std::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(StatusCode::kIOError, std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<LocalStore>> LocalStore::Open(std::string root, LocalStoreOptions options) {
  if (root.empty()) return Status::InvalidArgument("local object store root is empty");
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(root, error);
  if (error) {
    return Status::IOError(fmt::format("object store root '{}': {}", root, error.message()));
  }
  root = absolute.lexically_normal().string();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (int err = MakeDirs(root); err != 0) {
    return Status::IOError(
        fmt::format("cannot create object store root '{}': {}", root, std::strerror(err)));
  }
  struct stat st;
  if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::IOError(fmt::format("object store root '{}' is not a directory", root));
  }
  return std::unique_ptr<LocalStore>(new LocalStore(std::move(root), options));
}

std::string LocalStore::PathOf(std::string_view key) const {
  std::string path = root_;
  if (path != "/") path += '/';
  path += key;
  return path;
}

Result<std::string> LocalStore::Get(std::string_view key, std::optional<ByteRange> range) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  std::string path = PathOf(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno == ENOTDIR ? ENOENT : errno, "read", key, path);
  FdCloser closer(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoStatus(errno, "stat", key, path);
  if (!S_ISREG(st.st_mode)) return ErrnoStatus(ENOENT, "read", key, path);
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t offset = range ? range->offset : 0;
  uint64_t length = offset >= size ? 0 : size - offset;
  if (range) length = std::min(length, range->length);
  std::string out(length, '\0');
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, out.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "read", key, path);
    }
    if (n == 0) break;  // truncated by a concurrent writer of a non-atomic tool
    done += static_cast<uint64_t>(n);
  }
  out.resize(done);
  return out;
}

Result<std::string> LocalStore::WriteTempFile(std::string_view key, const std::string& path,
                                              std::string_view data) {
  std::string dir = DirName(path);
  if (int err = MakeDirs(dir); err != 0) return ErrnoStatus(err, "create directory for", key, dir);
  std::string temp = dir + "/" + TempSuffix();
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(errno, "create temp file for", key, temp);
  FdCloser closer(fd);
  Status st = WriteAll(fd, data);
  if (st.ok() && options_.sync && ::fsync(fd) != 0)
    st = Status(StatusCode::kIOError, std::strerror(errno));
  if (st.ok() && closer.Close() != 0) st = Status(StatusCode::kIOError, std::strerror(errno));
  if (!st.ok()) {
    ::unlink(temp.c_str());
    return Status(st.code(), fmt::format("write object '{}' ({}): {}", key, temp, st.message()));
  }
  return temp;
}

Status LocalStore::SyncDirectoryOf(std::string_view key, const std::string& path) {
  if (!options_.sync) return Status::OK();
  std::string dir = DirName(path);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open directory of", key, dir);
  FdCloser closer(fd);
  if (::fsync(fd) != 0) return ErrnoStatus(errno, "sync directory of", key, dir);
  return Status::OK();
}

Status LocalStore::Put(std::string_view key, std::string_view data) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  std::string path = PathOf(key);
  ASSIGN_OR_RETURN(std::string temp, WriteTempFile(key, path, data));
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return ErrnoStatus(err == ENOENT ? EIO : err, "rename temp file onto", key, path);
  }
  return SyncDirectoryOf(key, path);
}

Status LocalStore::PutIfAbsent(std::string_view key, std::string_view data) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  std::string path = PathOf(key);
  ASSIGN_OR_RETURN(std::string temp, WriteTempFile(key, path, data));
  int rc = ::link(temp.c_str(), path.c_str());
  int err = errno;
  ::unlink(temp.c_str());
  if (rc != 0) {
    if (err == EEXIST) {
      return Status::Conflict(fmt::format("object '{}' already exists in {}", key, Describe()));
    }
    return ErrnoStatus(err == ENOENT ? EIO : err, "link temp file onto", key, path);
  }
  return SyncDirectoryOf(key, path);
}

Status LocalStore::Delete(std::string_view key) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  std::string path = PathOf(key);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::OK();
    return ErrnoStatus(errno, "delete", key, path);
  }
  return SyncDirectoryOf(key, path);
}

Result<ObjectInfo> LocalStore::Head(std::string_view key) {
  RETURN_IF_ERROR(ValidateObjectKey(key));
  std::string path = PathOf(key);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return ErrnoStatus(errno == ENOTDIR ? ENOENT : errno, "stat", key, path);
  }
  if (!S_ISREG(st.st_mode)) return ErrnoStatus(ENOENT, "stat", key, path);
  return ObjectInfo{std::string(key), static_cast<uint64_t>(st.st_size), MtimeMs(st)};
}

namespace {

// Appends every regular file under `dir` (key prefix `rel`, "" or ending in '/') whose key
// starts with `prefix`; descends only into directories that can hold such keys.
Status Walk(const std::string& dir, const std::string& rel, std::string_view prefix,
            std::vector<ObjectInfo>* out) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::OK();
    return Status::IOError(fmt::format("list '{}': {}", dir, std::strerror(errno)));
  }
  std::unique_ptr<DIR, int (*)(DIR*)> closer(handle, ::closedir);
  while (struct dirent* entry = ::readdir(handle)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == ".." || name.starts_with(kReservedSegmentPrefix)) continue;
    std::string key = rel + std::string(name);
    std::string path = dir + "/" + std::string(name);
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) continue;  // deleted meanwhile
    if (S_ISDIR(st.st_mode)) {
      std::string sub = key + "/";
      size_t common = std::min(sub.size(), prefix.size());
      if (sub.compare(0, common, prefix.substr(0, common)) != 0) continue;
      RETURN_IF_ERROR(Walk(path, sub, prefix, out));
    } else if (S_ISREG(st.st_mode) && std::string_view(key).starts_with(prefix)) {
      out->push_back(ObjectInfo{std::move(key), static_cast<uint64_t>(st.st_size), MtimeMs(st)});
    }
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<ObjectInfo>> LocalStore::List(std::string_view prefix) {
  RETURN_IF_ERROR(ValidateObjectPrefix(prefix));
  // Start at the deepest directory the prefix names in full.
  size_t slash = prefix.rfind('/');
  std::string rel = slash == std::string_view::npos ? "" : std::string(prefix.substr(0, slash + 1));
  std::string dir = rel.empty() ? root_ : PathOf(rel.substr(0, rel.size() - 1));
  std::vector<ObjectInfo> out;
  RETURN_IF_ERROR(Walk(dir, rel, prefix, &out)
                      .WithContext(fmt::format("list prefix '{}' in {}", prefix, Describe())));
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

}  // namespace thingsdb
