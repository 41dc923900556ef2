// demo: loads a sample graph (users who follow each other and place orders) into a fresh
// namespace and prints a few queries, so a new user sees the system work end to end.
#include <chrono>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "cli/context.h"
#include "core/json.h"

namespace thingsdb::cli {
namespace {

constexpr int kUsers = 1000;
constexpr int kFollows = 10;
constexpr int kOrders = 3000;
const char* const kCities[] = {"Lisbon", "Oslo", "Lagos", "Lima", "Hanoi", "Quebec", "Perth"};
const char* const kStatus[] = {"paid", "shipped", "delivered", "refunded"};

uint32_t Next(uint32_t& state) {
  state = state * 1664525u + 1013904223u;
  return state >> 8;
}

std::string UserId(int idx) { return fmt::format("user-{:04d}", idx); }

std::vector<hot::BatchItem> SampleGraph() {
  std::vector<hot::BatchItem> items;
  uint32_t rng = 42;
  for (int idx = 0; idx < kUsers; ++idx) {
    std::string data = fmt::format(
        "{{\"name\":\"User {0}\",\"email\":\"user{0}@example.com\",\"age\":{1},"
        "\"address\":{{\"city\":\"{2}\"}},\"tags\":[\"{3}\"]}}",
        idx, 18 + Next(rng) % 60, kCities[Next(rng) % 7], Next(rng) % 2 ? "pro" : "free");
    items.push_back({hot::NewThing{UserId(idx), "user", data, std::nullopt}});
  }
  for (int idx = 0; idx < kUsers; ++idx) {
    std::set<int> targets;
    while (static_cast<int>(targets.size()) < kFollows) {
      int target = static_cast<int>(Next(rng) % kUsers);
      if (target != idx) targets.insert(target);
    }
    for (int target : targets) {
      items.push_back({hot::NewRelationship{UserId(idx), "follows", UserId(target), std::nullopt}});
    }
  }
  for (int idx = 0; idx < kOrders; ++idx) {
    std::string id = fmt::format("order-{:05d}", idx);
    std::string data = fmt::format("{{\"total\":{:.2f},\"status\":\"{}\",\"items\":{}}}",
                                   (Next(rng) % 50000) / 100.0, kStatus[Next(rng) % 4],
                                   1 + Next(rng) % 5);
    items.push_back({hot::NewThing{id, "order", data, std::nullopt}});
    items.push_back({hot::NewRelationship{UserId(static_cast<int>(Next(rng) % kUsers)), "placed",
                                          id, R"({"channel":"web"})"}});
  }
  return items;
}

void Heading(const std::string& text) { fmt::print("\n== {}\n", text); }

Status RunDemo(Context ctx) {
  ASSIGN_OR_RETURN(std::string path, ctx.HotPath());
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
  ASSIGN_OR_RETURN(auto store, ctx.OpenStore());
  fmt::print("thingsdb demo: namespace '{}' in {}\n", ctx.ns, path);

  auto items = SampleGraph();
  auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(auto ids, store->WriteBatch(items));
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  fmt::print("loaded {} users, {} orders and {} relationships in one transaction: {:.1f} ms\n",
             kUsers, kOrders, kUsers * kFollows + kOrders, ms);
  RETURN_IF_ERROR(store->AddIndex("$.email").status());

  Heading("find --where '$.email = \"user42@example.com\"' (uses the JSON index)");
  hot::FindQuery query;
  query.where.push_back(*hot::ParseCondition("$.email = \"user42@example.com\""));
  ASSIGN_OR_RETURN(hot::FindPage page, store->Find(query));
  for (const auto& thing : page.things) fmt::print("{}\n", hot::ThingJson(thing));
  ASSIGN_OR_RETURN(auto plan, store->ExplainQueryPlan(
                                  "SELECT id FROM things WHERE json_extract(data, '$.email') = ?1"));
  fmt::print("plan: {}\n", plan.empty() ? "" : plan[0]);

  Heading("related user-0042 --type follows (first 3)");
  hot::RelatedOptions related;
  related.type = "follows";
  related.limit = 3;
  ASSIGN_OR_RETURN(auto follows, store->Related("user-0042", related));
  for (const auto& r : follows) fmt::print("{} {}\n", r.thing.id, r.thing.data);

  Heading("traverse user-0042 --type follows --depth 2");
  hot::TraverseOptions traverse;
  traverse.type = "follows";
  traverse.depth = 2;
  ASSIGN_OR_RETURN(auto hits, store->Traverse("user-0042", traverse));
  int depth1 = 0;
  for (const auto& hit : hits) depth1 += hit.depth == 1;
  fmt::print("{} users within 2 hops ({} at 1 hop)\n", hits.size(), depth1);

  Heading("path user-0001 user-0500 --type follows");
  hot::PathOptions path_options;
  path_options.type = "follows";
  ASSIGN_OR_RETURN(auto route, store->ShortestPath("user-0001", "user-0500", path_options));
  std::string joined;
  for (const auto& id : route) joined += (joined.empty() ? "" : " -> ") + id;
  fmt::print("{}\n", joined);

  Heading("sql: revenue by city (users joined to their orders)");
  ASSIGN_OR_RETURN(
      auto revenue,
      store->Query("SELECT json_extract(u.data, '$.address.city') AS city, count(*) AS orders, "
                   "round(sum(json_extract(o.data, '$.total')), 2) AS revenue "
                   "FROM things u JOIN relationships r ON r.from_id = u.id AND r.type = 'placed' "
                   "JOIN things o ON o.id = r.to_id WHERE u.type = 'user' "
                   "GROUP BY city ORDER BY revenue DESC LIMIT 3",
                   {}));
  for (const auto& row : revenue.rows) {
    fmt::print("{:8} {:5} orders  {:>10.2f}\n", std::get<std::string>(row[0]),
               std::get<int64_t>(row[1]), std::get<double>(row[2]));
  }

  Heading("stats");
  ASSIGN_OR_RETURN(hot::Stats stats, store->GetStats());
  fmt::print("{} things, {} relationships, {} bytes on disk, {:.0f} bytes per thing,\n"
             "about {} things would fit in the {} GB namespace limit\n",
             stats.things, stats.relationships, stats.database_bytes, stats.bytes_per_thing,
             stats.projected_capacity, stats.max_namespace_bytes / 1000000000);
  fmt::print("\nTry: thingsdb --ns {} find --type order --where '$.total > 490' --order '$.total desc'\n",
             ctx.ns);
  return Status::OK();
}

}  // namespace

void RegisterDemo(CLI::App& app, Context& ctx) {
  CLI::App* cmd = AddCommand(
      app, ctx, "demo",
      "Load a sample graph into namespace 'demo' (recreated each time; --ns picks another) "
      "and print a few queries",
      nullptr);
  CLI::Option* ns_option = cmd->get_option("--ns");
  cmd->callback([&ctx, ns_option, &app] {
    ctx.command = "demo";
    Context demo = ctx;
    if (ns_option->count() == 0 && app.get_option("--ns")->count() == 0) demo.ns = "demo";
    ctx.run = [demo] { return RunDemo(demo); };
  });
}

}  // namespace thingsdb::cli
