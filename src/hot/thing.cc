#include "hot/thing.h"

#include <fmt/format.h>

#include "core/embedding.h"
#include "core/json.h"

namespace thingsdb::hot {

void AppendThingJson(std::string& out, const Thing& thing) {
  out += "{\"id\":";
  AppendJsonString(out, thing.id);
  out += ",\"type\":";
  AppendJsonString(out, thing.type);
  out += ",\"data\":";
  out += thing.data;
  out += ",\"embedding\":";
  if (thing.embedding) {
    AppendEmbeddingJson(out, *thing.embedding);
  } else {
    out += "null";
  }
  fmt::format_to(std::back_inserter(out), ",\"createdAt\":{},\"updatedAt\":{}}}", thing.created_at,
                 thing.updated_at);
}

std::string ThingJson(const Thing& thing) {
  std::string out;
  AppendThingJson(out, thing);
  return out;
}

void AppendRelationshipJson(std::string& out, const Relationship& rel) {
  out += "{\"id\":";
  AppendJsonString(out, rel.id);
  out += ",\"fromId\":";
  AppendJsonString(out, rel.from_id);
  out += ",\"toId\":";
  AppendJsonString(out, rel.to_id);
  out += ",\"type\":";
  AppendJsonString(out, rel.type);
  out += ",\"data\":";
  out += rel.data ? *rel.data : "null";
  fmt::format_to(std::back_inserter(out), ",\"createdAt\":{}}}", rel.created_at);
}

std::string RelationshipJson(const Relationship& rel) {
  std::string out;
  AppendRelationshipJson(out, rel);
  return out;
}

}  // namespace thingsdb::hot
