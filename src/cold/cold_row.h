// The rows the cold tier stores, as plain structs mirroring the table columns (cold/ does not
// depend on hot/). Timestamps are integer milliseconds since the epoch, as in the hot tier;
// the files store them as microseconds (docs/cold.md). Copyable values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace thingsdb::cold {

// One JSON-index cell: absent (null), a string, or a number.
using IndexValue = std::variant<std::monostate, std::string, double>;

struct ColdThing {
  std::string id;
  std::string type;
  std::string data;  // JSON text, stored byte for byte
  std::optional<std::vector<float>> embedding;
  int64_t created_at = 0;  // ms
  int64_t updated_at = 0;  // ms
  // One per TableLayout::indexes entry (missing trailing entries read as null).
  std::vector<IndexValue> index_values;

  bool operator==(const ColdThing&) const = default;
};

struct ColdRelationship {
  std::string id;
  std::string from_id;
  std::string to_id;
  std::string type;
  std::optional<std::string> data;  // JSON text or absent
  int64_t created_at = 0;           // ms

  bool operator==(const ColdRelationship&) const = default;
};

// Where a cold row lives: what a position delete names.
struct RowLocation {
  std::string file_path;  // the data file's location as recorded in the table
  int64_t position = 0;   // 0-based row position in that file

  bool operator==(const RowLocation&) const = default;
  auto operator<=>(const RowLocation&) const = default;
};

// Embeddings are stored as little-endian float32 bytes (the seed's Float32Array BLOB).
std::string EncodeEmbedding(const std::vector<float>& values);
// nullopt when the byte count is not a multiple of 4.
std::optional<std::vector<float>> DecodeEmbedding(std::string_view bytes);

}  // namespace thingsdb::cold
