// thingsdb: the command-line tool. Each verb is registered by one of the *_commands files;
// the chosen verb runs after parsing, and an error is one line on stderr with exit code 1.
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/context.h"

int main(int argc, char** argv) {
  using thingsdb::cli::Context;
  Context ctx;
  CLI::App app{
      "thingsdb: a Things + Relationships database. Each namespace is one SQLite database\n"
      "(the hot tier) under the data directory."};
  app.set_version_flag("--version", "thingsdb 0.1.0");
  app.require_subcommand(1);
  thingsdb::cli::AddCommonOptions(&app, ctx);
  thingsdb::cli::RegisterThingCommands(app, ctx);
  thingsdb::cli::RegisterQueryCommands(app, ctx);
  thingsdb::cli::RegisterImportExport(app, ctx);
  thingsdb::cli::RegisterDemo(app, ctx);
  thingsdb::cli::RegisterServe(app, ctx);
  thingsdb::cli::RegisterParquetCommands(app, ctx);
  thingsdb::cli::RegisterIcebergCommands(app, ctx);
  thingsdb::cli::RegisterTierCommands(app, ctx);
  CLI11_PARSE(app, argc, argv);
  if (!ctx.run) return 2;
  thingsdb::Status st = ctx.run();
  std::fflush(stdout);
  if (!st.ok()) {
    fmt::print(stderr, "thingsdb {}: {}\n", ctx.command, st.ToString());
    return 1;
  }
  return 0;
}
