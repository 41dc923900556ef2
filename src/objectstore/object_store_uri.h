// OpenObjectStore: the one place a cold-store URI becomes an ObjectStore.
//   "/data/cold", "rel/dir", "file:///data/cold"  → LocalStore
//   "s3://bucket" or "s3://bucket/prefix"           → S3Store, endpoint, region and keys from the
//       AWS_* environment (docs/object_store.md), overridable by query parameters
//   "mem://"                                        → a new, empty MemoryStore
// A malformed URI is InvalidArgument naming it and the reason.
#pragma once

#include <memory>
#include <string_view>

#include "core/status.h"
#include "objectstore/object_store.h"

namespace thingsdb {

// s3:// query parameters (all optional): endpoint=URL, region=R, addressing=path|virtual,
// put_if_absent=conditional|head_then_put, multipart_threshold=BYTES, part_size=BYTES,
// max_attempts=N, connect_timeout_ms=N, request_timeout_ms=N.
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view uri);

}  // namespace thingsdb
