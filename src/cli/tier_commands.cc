// `thingsdb flush [--cold URI] [--all]` (moves rows older than 5 minutes, or every row, to
// the cold tier; prints the FlushReport as JSON) and `thingsdb snapshots` (the namespace
// snapshot history as NDJSON). Both go through the tiering engine (engine/things_db.h).
#include <memory>

#include "cli/context.h"
#include "engine/things_db.h"

namespace thingsdb::cli {
namespace {

struct TierArgs {
  bool all = false;
};

}  // namespace

void RegisterTierCommands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<TierArgs>();

  CLI::App* flush = AddCommand(app, ctx, "flush", "Move old rows to the cold tier", [&ctx, args] {
    ASSIGN_OR_RETURN(auto db, ctx.OpenEngine());
    engine::FlushOptions options;
    options.all = args->all;
    ASSIGN_OR_RETURN(engine::FlushReport report, db->Flush(options));
    PrintLine(report.ToJson());
    return Status::OK();
  });
  flush->add_flag("--all", args->all, "Flush every row, not only those older than 5 minutes");

  AddCommand(app, ctx, "snapshots",
                                   "List the namespace snapshots (one per flush)", [&ctx] {
                                     ASSIGN_OR_RETURN(auto db, ctx.OpenEngine());
                                     ASSIGN_OR_RETURN(auto list, db->Snapshots());
                                     for (const engine::NamespaceSnapshot& snapshot : list) {
                                       PrintLine(snapshot.ToJson());
                                     }
                                     return Status::OK();
                                   });
}

}  // namespace thingsdb::cli
