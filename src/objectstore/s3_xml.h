// The few S3 XML responses the S3 store reads (ListObjectsV2, Error, InitiateMultipartUpload),
// parsed minimally but correctly: elements found by exact name, entities and CDATA decoded.
// Also the two date formats S3 uses. Pure functions; bad input is Corruption, never a crash.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "objectstore/object_store.h"

namespace thingsdb {

// Decodes &amp; &lt; &gt; &quot; &apos; &#N; &#xH; and <![CDATA[...]]>. Corruption on a
// malformed or unknown entity.
Result<std::string> XmlDecodeText(std::string_view text);

// The raw inner text of every <name>...</name> (or <name/>) element, in document order.
// Elements are matched by their exact name; nested elements of the same name are not supported
// (S3 responses have none).
std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view name);

// The decoded text of the first <name> element, or nullopt when there is none.
std::optional<std::string> XmlFirstText(std::string_view xml, std::string_view name);

struct ListObjectsPage {
  std::vector<ObjectInfo> objects;  // keys as the server sent them (store prefix included)
  bool truncated = false;
  std::string next_continuation_token;
};
Result<ListObjectsPage> ParseListObjectsV2(std::string_view xml);

struct S3ErrorBody {
  std::string code;  // "NoSuchKey", "SignatureDoesNotMatch", ... empty when absent
  std::string message;
};
S3ErrorBody ParseS3Error(std::string_view xml);

// "2009-10-12T17:50:30.000Z" → ms since the epoch.
Result<int64_t> ParseIso8601Ms(std::string_view text);
// "Wed, 12 Oct 2009 17:50:00 GMT" (RFC 7231 IMF-fixdate) → ms since the epoch.
Result<int64_t> ParseHttpDateMs(std::string_view text);

}  // namespace thingsdb
