// libFuzzer target: bytes from a client → ParseRequestHead and RequestFraming must give
// kIncomplete, kDone or an error status, never crash, read out of bounds or loop; a head
// parsed as done must fit the input and the limit. Built with -DTHINGSDB_FUZZ=ON (clang).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/http_listener.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace thingsdb::server;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  constexpr size_t kMaxHead = 4096;
  HttpRequest request;
  HeadParse head = ParseRequestHead(bytes, kMaxHead, &request);
  switch (head.state) {
    case HeadParse::kDone: {
      if (head.head_bytes > size || head.head_bytes == 0) std::abort();
      (void)RequestFraming(request, 1 << 20);
      (void)request.Header("content-length");
      break;
    }
    case HeadParse::kError:
      if (head.error_status < 400 || head.error_status > 505 || head.error.empty()) std::abort();
      break;
    case HeadParse::kIncomplete:
      break;
  }
  (void)PercentDecode(bytes, true);
  return 0;
}
