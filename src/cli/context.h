// What every command of the `thingsdb` tool shares: where the data lives, which namespace,
// opening its store, and printing results (NDJSON on stdout) and errors (one line on stderr).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "core/status.h"
#include "engine/things_db.h"
#include "hot/hot_store.h"

namespace thingsdb::cli {

struct Context {
  std::string data_dir = "./thingsdb-data";
  std::string ns = "default";
  std::string cold_uri;          // empty: <data>/warehouse
  std::string command;           // the verb being run, for error messages
  std::function<Status()> run;   // set by the chosen subcommand

  // <data>/<ns>/hot.db, creating the directory.
  Result<std::string> HotPath() const;
  Result<std::unique_ptr<hot::HotStore>> OpenStore() const;
  // The namespace with its cold tier (for verbs that must see both tiers).
  Result<std::unique_ptr<engine::ThingsDB>> OpenEngine() const;
};

// Adds --data, --ns and --cold to a subcommand (they are also accepted before the verb).
void AddCommonOptions(CLI::App* sub, Context& ctx);
// Registers a verb whose body is `run`.
CLI::App* AddCommand(CLI::App& app, Context& ctx, const std::string& name,
                     const std::string& description, std::function<Status()> run);

Status ValidateNamespace(const std::string& ns);
void PrintLine(const std::string& line);
// Reads a whole file ("-" for standard input).
Result<std::string> ReadInput(const std::string& path);

void RegisterThingCommands(CLI::App& app, Context& ctx);
void RegisterQueryCommands(CLI::App& app, Context& ctx);
void RegisterImportExport(CLI::App& app, Context& ctx);
void RegisterDemo(CLI::App& app, Context& ctx);
void RegisterServe(CLI::App& app, Context& ctx);
void RegisterParquetCommands(CLI::App& app, Context& ctx);
void RegisterIcebergCommands(CLI::App& app, Context& ctx);
void RegisterTierCommands(CLI::App& app, Context& ctx);

}  // namespace thingsdb::cli
