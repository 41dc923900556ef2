// Things and relationships as the hot tier stores them, and their JSON shapes (the seed's
// TypeScript interfaces): a thing is {"id","type","data","embedding","createdAt","updatedAt"},
// a relationship {"id","fromId","toId","type","data","createdAt"}. Timestamps are ms.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace thingsdb::hot {

struct Thing {
  std::string id;
  std::string type;
  std::string data;  // a JSON object, as stored
  std::optional<std::vector<float>> embedding;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct NewThing {
  std::optional<std::string> id;  // generated (k-sortable) when absent
  std::string type;
  std::string data;  // must be a JSON object
  std::optional<std::vector<float>> embedding;
};

struct Relationship {
  std::string id;
  std::string from_id;
  std::string to_id;
  std::string type;
  std::optional<std::string> data;  // a JSON object or absent
  int64_t created_at = 0;
};

struct NewRelationship {
  std::string from_id;
  std::string type;
  std::string to_id;
  std::optional<std::string> data;
};

enum class Direction { kOut, kIn, kBoth };

void AppendThingJson(std::string& out, const Thing& thing);
std::string ThingJson(const Thing& thing);
void AppendRelationshipJson(std::string& out, const Relationship& rel);
std::string RelationshipJson(const Relationship& rel);

}  // namespace thingsdb::hot
