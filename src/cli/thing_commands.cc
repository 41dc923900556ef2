// Verbs that write or read single things and relationships, and graph walks.
#include <fmt/format.h>

#include "cli/context.h"
#include "core/embedding.h"
#include "core/json.h"

namespace thingsdb::cli {
namespace {

Result<hot::Direction> ParseDirection(const std::string& text) {
  if (text == "out") return hot::Direction::kOut;
  if (text == "in") return hot::Direction::kIn;
  if (text == "both") return hot::Direction::kBoth;
  return Status::InvalidArgument(fmt::format("direction '{}' is not out, in or both", text));
}

Result<std::optional<std::vector<float>>> ParseOptionalEmbedding(const std::string& json) {
  if (json.empty()) return std::optional<std::vector<float>>();
  ASSIGN_OR_RETURN(auto values, ParseEmbeddingJson(json, "--embedding"));
  return std::optional<std::vector<float>>(std::move(values));
}

std::string RelatedJson(const hot::RelatedThing& related) {
  std::string out = "{\"relationship\":";
  hot::AppendRelationshipJson(out, related.relationship);
  out += ",\"thing\":";
  hot::AppendThingJson(out, related.thing);
  out += "}";
  return out;
}

struct ThingArgs {
  std::string type, data, id, embedding;
  bool merge = false;
};

struct GraphArgs {
  std::string id, to, type, direction = "out", data;
  int depth = 3;
  int64_t limit = 1000;
};

}  // namespace

void RegisterThingCommands(CLI::App& app, Context& ctx) {
  auto put = std::make_shared<ThingArgs>();
  CLI::App* cmd = AddCommand(app, ctx, "put", "Create a thing; prints it as JSON", [&ctx, put] {
    ASSIGN_OR_RETURN(auto store, ctx.OpenEngine());
    ASSIGN_OR_RETURN(auto embedding, ParseOptionalEmbedding(put->embedding));
    hot::NewThing thing{put->id.empty() ? std::nullopt : std::optional(put->id), put->type,
                        put->data, embedding};
    ASSIGN_OR_RETURN(hot::Thing created, store->Put(thing));
    PrintLine(hot::ThingJson(created));
    return Status::OK();
  });
  cmd->add_option("TYPE", put->type, "Type of the thing, e.g. user")->required();
  cmd->add_option("DATA", put->data, "A JSON object")->required();
  cmd->add_option("--id", put->id, "Use this id instead of a generated one");
  cmd->add_option("--embedding", put->embedding, "A JSON array of numbers (float32)");

  auto get = std::make_shared<ThingArgs>();
  cmd = AddCommand(app, ctx, "get", "Print one thing as JSON (hot or cold)", [&ctx, get] {
    ASSIGN_OR_RETURN(auto store, ctx.OpenEngine());
    ASSIGN_OR_RETURN(hot::Thing thing, store->Get(get->id));
    PrintLine(hot::ThingJson(thing));
    return Status::OK();
  });
  cmd->add_option("ID", get->id, "Id of the thing")->required();

  auto upd = std::make_shared<ThingArgs>();
  cmd = AddCommand(app, ctx, "update", "Replace a thing's data (or merge-patch it with --merge)",
                   [&ctx, upd] {
                     ASSIGN_OR_RETURN(auto store, ctx.OpenEngine());
                     ASSIGN_OR_RETURN(auto embedding, ParseOptionalEmbedding(upd->embedding));
                     ASSIGN_OR_RETURN(hot::Thing thing,
                                      store->Update(upd->id, upd->data, upd->merge, embedding));
                     PrintLine(hot::ThingJson(thing));
                     return Status::OK();
                   });
  cmd->add_option("ID", upd->id, "Id of the thing")->required();
  cmd->add_option("DATA", upd->data, "A JSON object")->required();
  cmd->add_flag("--merge", upd->merge, "Apply DATA as an RFC 7396 JSON merge patch");
  cmd->add_option("--embedding", upd->embedding, "Replace the embedding (a JSON array)");

  auto del = std::make_shared<ThingArgs>();
  cmd = AddCommand(app, ctx, "delete", "Delete a thing and its relationships", [&ctx, del] {
    ASSIGN_OR_RETURN(auto store, ctx.OpenEngine());
    RETURN_IF_ERROR(store->Delete(del->id));
    PrintLine("{\"deleted\":" + JsonString(del->id) + "}");
    return Status::OK();
  });
  cmd->add_option("ID", del->id, "Id of the thing")->required();

  auto rel = std::make_shared<GraphArgs>();
  cmd = AddCommand(app, ctx, "relate", "Create a relationship FROM -[TYPE]-> TO", [&ctx, rel] {
    ASSIGN_OR_RETURN(auto store, ctx.OpenEngine());
    hot::NewRelationship r{rel->id, rel->type, rel->to,
                           rel->data.empty() ? std::nullopt : std::optional(rel->data)};
    ASSIGN_OR_RETURN(hot::Relationship created, store->Relate(r));
    PrintLine(hot::RelationshipJson(created));
    return Status::OK();
  });
  cmd->add_option("FROM", rel->id, "Id of the thing it starts from")->required();
  cmd->add_option("TYPE", rel->type, "Relationship type, e.g. follows")->required();
  cmd->add_option("TO", rel->to, "Id of the thing it points to")->required();
  cmd->add_option("DATA", rel->data, "Optional JSON object");

  auto unrel = std::make_shared<GraphArgs>();
  cmd = AddCommand(app, ctx, "unrelate", "Delete the relationship FROM -[TYPE]-> TO",
                   [&ctx, unrel] {
                     ASSIGN_OR_RETURN(auto store, ctx.OpenEngine());
                     RETURN_IF_ERROR(store->Unrelate(unrel->id, unrel->type, unrel->to));
                     PrintLine("{\"deleted\":true}");
                     return Status::OK();
                   });
  cmd->add_option("FROM", unrel->id)->required();
  cmd->add_option("TYPE", unrel->type)->required();
  cmd->add_option("TO", unrel->to)->required();

  auto related = std::make_shared<GraphArgs>();
  cmd = AddCommand(app, ctx, "related",
                   "Things one hop away, as NDJSON of {relationship, thing}", [&ctx, related] {
                     ASSIGN_OR_RETURN(auto store, ctx.OpenEngine());
                     hot::RelatedOptions options;
                     ASSIGN_OR_RETURN(options.direction, ParseDirection(related->direction));
                     if (!related->type.empty()) options.type = related->type;
                     options.limit = related->limit;
                     ASSIGN_OR_RETURN(auto found, store->Related(related->id, options));
                     for (const auto& r : found) PrintLine(RelatedJson(r));
                     return Status::OK();
                   });
  cmd->add_option("ID", related->id)->required();
  cmd->add_option("--type", related->type, "Only relationships of this type");
  cmd->add_option("--direction", related->direction, "out (default), in or both");
  cmd->add_option("--limit", related->limit, "At most this many (default 1000)");

  auto trav = std::make_shared<GraphArgs>();
  cmd = AddCommand(app, ctx, "traverse",
                   "Breadth-first walk; NDJSON of {id, depth, parent}, nearest first",
                   [&ctx, trav] {
                     ASSIGN_OR_RETURN(auto store, ctx.OpenEngine());
                     hot::TraverseOptions options;
                     ASSIGN_OR_RETURN(options.direction, ParseDirection(trav->direction));
                     if (!trav->type.empty()) options.type = trav->type;
                     options.depth = trav->depth;
                     options.limit = trav->limit;
                     ASSIGN_OR_RETURN(auto hits, store->Traverse(trav->id, options));
                     for (const auto& hit : hits) {
                       PrintLine(fmt::format("{{\"id\":{},\"depth\":{},\"parent\":{}}}",
                                             JsonString(hit.id), hit.depth, JsonString(hit.parent)));
                     }
                     return Status::OK();
                   });
  trav->limit = 100000;
  cmd->add_option("ID", trav->id)->required();
  cmd->add_option("--type", trav->type, "Follow only relationships of this type");
  cmd->add_option("--depth", trav->depth, "Hops (default 3)");
  cmd->add_option("--direction", trav->direction, "out (default), in or both");
  cmd->add_option("--limit", trav->limit, "Stop after this many things (default 100000)");

  auto path = std::make_shared<GraphArgs>();
  cmd = AddCommand(app, ctx, "path", "A shortest path FROM → TO as a JSON array of ids",
                   [&ctx, path] {
                     ASSIGN_OR_RETURN(auto store, ctx.OpenEngine());
                     hot::PathOptions options;
                     ASSIGN_OR_RETURN(options.direction, ParseDirection(path->direction));
                     if (!path->type.empty()) options.type = path->type;
                     options.max_depth = path->depth;
                     ASSIGN_OR_RETURN(auto ids, store->ShortestPath(path->id, path->to, options));
                     std::string line = "[";
                     for (size_t idx = 0; idx < ids.size(); ++idx) {
                       if (idx) line += ",";
                       line += JsonString(ids[idx]);
                     }
                     PrintLine(line + "]");
                     return Status::OK();
                   });
  path->depth = 6;
  cmd->add_option("FROM", path->id)->required();
  cmd->add_option("TO", path->to)->required();
  cmd->add_option("--type", path->type, "Follow only relationships of this type");
  cmd->add_option("--max-depth", path->depth, "Give up after this many hops (default 6)");
  cmd->add_option("--direction", path->direction, "out (default), in or both");
}

}  // namespace thingsdb::cli
