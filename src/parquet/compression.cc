#include "parquet/compression.h"

#include <fmt/format.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>

namespace thingsdb::parquet {
namespace {

// One zstd context of each kind per thread, reused: ZSTD_compress / ZSTD_decompress make
// and free one per call, which costs more than the work on a small page (a cold point
// lookup decompresses a few).
ZSTD_CCtx* ThreadCompressContext() {
  struct Holder {
    ZSTD_CCtx* ctx = ZSTD_createCCtx();
    ~Holder() { ZSTD_freeCCtx(ctx); }
  };
  thread_local Holder holder;
  return holder.ctx;
}

ZSTD_DCtx* ThreadDecompressContext() {
  struct Holder {
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    ~Holder() { ZSTD_freeDCtx(ctx); }
  };
  thread_local Holder holder;
  return holder.ctx;
}

Status CompressZstd(int level, std::string_view input, std::string* out) {
  size_t start = out->size();
  out->resize(start + ZSTD_compressBound(input.size()));
  ZSTD_CCtx* ctx = ThreadCompressContext();
  if (ctx == nullptr) return Status::Internal("zstd: cannot allocate a compression context");
  size_t n = ZSTD_compressCCtx(ctx, out->data() + start, out->size() - start, input.data(),
                               input.size(), level == 0 ? 3 : level);
  if (ZSTD_isError(n)) return Status::Internal(fmt::format("zstd: {}", ZSTD_getErrorName(n)));
  out->resize(start + n);
  return Status::OK();
}

Status CompressGzip(int level, std::string_view input, std::string* out) {
  z_stream zs{};
  if (deflateInit2(&zs, level == 0 ? Z_DEFAULT_COMPRESSION : level, Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::Internal("gzip: deflateInit2 failed");
  }
  size_t start = out->size();
  out->resize(start + deflateBound(&zs, input.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs.avail_in = static_cast<uInt>(input.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data() + start);
  zs.avail_out = static_cast<uInt>(out->size() - start);
  int rc = deflate(&zs, Z_FINISH);
  size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::Internal("gzip: deflate failed");
  out->resize(start + produced);
  return Status::OK();
}

Status DecompressGzip(std::string_view input, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::Internal("gzip: inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs.avail_in = static_cast<uInt>(input.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data());
  zs.avail_out = static_cast<uInt>(out->size());
  int rc = inflate(&zs, Z_FINISH);
  size_t produced = zs.total_out;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || produced != out->size()) {
    return Status::Corruption("gzip: bad data or wrong uncompressed size");
  }
  return Status::OK();
}

// Checks the size a compressed stream announces before any allocation, so a hostile page
// header cannot make us allocate far more than its data could produce.
Status CheckAnnouncedSize(Codec codec, std::string_view input, size_t uncompressed_size) {
  switch (codec) {
    case Codec::kSnappy: {
      size_t length = 0;
      if (!snappy::GetUncompressedLength(input.data(), input.size(), &length) ||
          length != uncompressed_size) {
        return Status::Corruption("snappy: bad data or wrong uncompressed size");
      }
      return Status::OK();
    }
    case Codec::kZstd: {
      unsigned long long size = ZSTD_getFrameContentSize(input.data(), input.size());
      if (size == ZSTD_CONTENTSIZE_ERROR) return Status::Corruption("zstd: bad frame header");
      if (size != ZSTD_CONTENTSIZE_UNKNOWN && size > uncompressed_size) {
        return Status::Corruption("zstd: frame larger than the page header says");
      }
      return Status::OK();
    }
    case Codec::kGzip: {
      if (input.size() < 18) return Status::Corruption("gzip: truncated");
      uint32_t isize;
      std::memcpy(&isize, input.data() + input.size() - 4, 4);
      if (isize != static_cast<uint32_t>(uncompressed_size)) {
        return Status::Corruption("gzip: size trailer differs from the page header");
      }
      return Status::OK();
    }
    default:
      return Status::OK();
  }
}

}  // namespace

Status Compress(Codec codec, int level, std::string_view input, std::string* out) {
  switch (codec) {
    case Codec::kUncompressed:
      out->append(input);
      return Status::OK();
    case Codec::kSnappy: {
      size_t start = out->size();
      out->resize(start + snappy::MaxCompressedLength(input.size()));
      size_t n = 0;
      snappy::RawCompress(input.data(), input.size(), out->data() + start, &n);
      out->resize(start + n);
      return Status::OK();
    }
    case Codec::kGzip:
      return CompressGzip(level, input, out);
    case Codec::kZstd:
      return CompressZstd(level, input, out);
    default:
      return Status::NotSupported(fmt::format("compression codec {}", CodecName(codec)));
  }
}

Status Decompress(Codec codec, std::string_view input, size_t uncompressed_size, std::string* out) {
  RETURN_IF_ERROR(CheckAnnouncedSize(codec, input, uncompressed_size));
  out->resize(uncompressed_size);
  switch (codec) {
    case Codec::kUncompressed:
      if (input.size() != uncompressed_size) {
        return Status::Corruption("uncompressed page sizes differ");
      }
      out->assign(input);
      return Status::OK();
    case Codec::kSnappy: {
      size_t length = 0;
      if (!snappy::GetUncompressedLength(input.data(), input.size(), &length) ||
          length != uncompressed_size ||
          !snappy::RawUncompress(input.data(), input.size(), out->data())) {
        return Status::Corruption("snappy: bad data or wrong uncompressed size");
      }
      return Status::OK();
    }
    case Codec::kGzip:
      return DecompressGzip(input, out);
    case Codec::kZstd: {
      ZSTD_DCtx* ctx = ThreadDecompressContext();
      if (ctx == nullptr) return Status::Internal("zstd: cannot allocate a decompression context");
      size_t n = ZSTD_decompressDCtx(ctx, out->data(), out->size(), input.data(), input.size());
      if (ZSTD_isError(n) || n != uncompressed_size) {
        return Status::Corruption(fmt::format(
            "zstd: {}", ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong uncompressed size"));
      }
      return Status::OK();
    }
    default:
      return Status::NotSupported(fmt::format("compression codec {}", CodecName(codec)));
  }
}

}  // namespace thingsdb::parquet
