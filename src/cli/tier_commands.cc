// `thingsdb flush [--cold URI] [--all]` (moves rows older than 5 minutes, or every row, to
// the cold tier; prints the FlushReport as JSON), `thingsdb snapshots` (the namespace
// snapshot history as NDJSON), and the cold tier's maintenance: `thingsdb compact`,
// `thingsdb expire-snapshots`, `thingsdb remove-orphans` (each prints its report as JSON).
// All go through the tiering engine (engine/things_db.h).
#include <cstdint>
#include <memory>

#include "cli/context.h"
#include "engine/things_db.h"

namespace thingsdb::cli {
namespace {

struct TierArgs {
  bool all = false;
  // compact
  int64_t target_mib = 64;
  int min_files = 2;
  // expire-snapshots
  double older_than_hours = 7 * 24;
  int retain_last = 10;
  // remove-orphans
  double grace_hours = 3 * 24;
  bool dry_run = false;
};

int64_t HoursToMs(double hours) { return static_cast<int64_t>(hours * 3600.0 * 1000.0); }

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

  CLI::App* compact = AddCommand(
      app, ctx, "compact",
      "Rewrite small cold files (and files with deleted rows) as fewer files; queries return "
      "the same rows",
      [&ctx, args] {
        ASSIGN_OR_RETURN(auto db, ctx.OpenEngine());
        engine::CompactOptions options;
        options.target_file_bytes = args->target_mib << 20;
        options.min_files = args->min_files;
        ASSIGN_OR_RETURN(engine::CompactReport report, db->Compact(options));
        PrintLine(report.ToJson());
        return Status::OK();
      });
  compact
      ->add_option("--target-mib", args->target_mib,
                   "A data file smaller than this many MiB is small (default 64)")
      ->check(CLI::PositiveNumber);
  compact
      ->add_option("--min-files", args->min_files,
                   "Rewrite a partition with at least this many small files (default 2); "
                   "files with deleted rows are rewritten regardless")
      ->check(CLI::PositiveNumber);

  CLI::App* expire = AddCommand(
      app, ctx, "expire-snapshots",
      "Drop old cold snapshots and the files only they use (time travel to them ends)",
      [&ctx, args] {
        ASSIGN_OR_RETURN(auto db, ctx.OpenEngine());
        ASSIGN_OR_RETURN(engine::ExpireReport report,
                         db->ExpireSnapshots(HoursToMs(args->older_than_hours), args->retain_last));
        PrintLine(report.ToJson());
        return Status::OK();
      });
  expire
      ->add_option("--older-than-hours", args->older_than_hours,
                   "Expire snapshots committed more than this many hours ago (default 168)")
      ->check(CLI::NonNegativeNumber);
  expire
      ->add_option("--retain-last", args->retain_last,
                   "Always keep the newest N snapshots of each table (default 10, at least 1)")
      ->check(CLI::PositiveNumber);

  CLI::App* orphans = AddCommand(
      app, ctx, "remove-orphans",
      "Delete cold objects no snapshot references (left by failed or interrupted writes)",
      [&ctx, args] {
        ASSIGN_OR_RETURN(auto db, ctx.OpenEngine());
        ASSIGN_OR_RETURN(engine::OrphanReport report,
                         db->RemoveOrphans(HoursToMs(args->grace_hours), args->dry_run));
        PrintLine(report.ToJson());
        return Status::OK();
      });
  orphans
      ->add_option("--grace-hours", args->grace_hours,
                   "Keep objects modified less than this many hours ago: a write in progress "
                   "has objects no snapshot references yet (default 72)")
      ->check(CLI::NonNegativeNumber);
  orphans->add_flag("--dry-run", args->dry_run, "List the orphans without deleting them");
}

}  // namespace thingsdb::cli
