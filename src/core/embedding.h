// Embeddings: float32 vectors stored as little-endian BLOBs (the seed's Float32Array).
// Parsing accepts a JSON array of finite numbers that fit a float32; printing writes the
// shortest decimal that reads back to the same float, so a round trip is bit-exact.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace thingsdb {

struct EmbeddingLimits {
  size_t max_dimensions = 65536;
};

// "[0.5, -1, 3e-2]" -> floats. `what` names the input in errors.
Result<std::vector<float>> ParseEmbeddingJson(std::string_view json, std::string_view what,
                                              EmbeddingLimits limits = {});
std::string EmbeddingToBlob(const std::vector<float>& values);
Result<std::vector<float>> EmbeddingFromBlob(std::string_view blob);
void AppendEmbeddingJson(std::string& out, const std::vector<float>& values);
std::string EmbeddingToJson(const std::vector<float>& values);

}  // namespace thingsdb
