// `thingsdb parquet schema|meta|cat FILE`: inspect any Parquet file with our own reader.
#include <iostream>

#include <fmt/format.h>

#include "cli/context.h"
#include "parquet/parquet_tool.h"
#include "parquet/random_access_source.h"

namespace thingsdb::cli {
namespace {

struct ParquetArgs {
  std::string file;
  std::string columns;
  std::vector<std::string> where;
  int64_t limit = -1;
};

Result<std::unique_ptr<parquet::LocalFileSource>> OpenFile(const std::string& path) {
  return parquet::LocalFileSource::Open(path);
}

// Parquet verbs need no namespace: only --help, no --data/--ns.
CLI::App* AddFileCommand(CLI::App& parent, Context& ctx, const std::string& name,
                         const std::string& description, std::function<Status()> run) {
  CLI::App* sub = parent.add_subcommand(name, description);
  sub->callback([&ctx, name, run = std::move(run)] {
    ctx.command = "parquet " + name;
    ctx.run = run;
  });
  return sub;
}

}  // namespace

void RegisterParquetCommands(CLI::App& app, Context& ctx) {
  CLI::App* group = app.add_subcommand("parquet", "Inspect a Parquet file: schema, meta, cat");
  group->require_subcommand(1);
  auto args = std::make_shared<ParquetArgs>();
  CLI::App* cmd = AddFileCommand(*group, ctx, "schema", "Print the schema", [args] {
    ASSIGN_OR_RETURN(auto source, OpenFile(args->file));
    ASSIGN_OR_RETURN(std::string text, parquet::SchemaText(*source));
    std::cout << text;
    if (!text.empty() && text.back() != '\n') std::cout << '\n';
    return Status::OK();
  });
  cmd->add_option("FILE", args->file, "A .parquet file")->required();
  cmd = AddFileCommand(*group, ctx, "meta",
                       "Row groups, columns, encodings, sizes, statistics, bloom filters", [args] {
                         ASSIGN_OR_RETURN(auto source, OpenFile(args->file));
                         ASSIGN_OR_RETURN(std::string text, parquet::MetaText(*source));
                         std::cout << text;
                         if (!text.empty() && text.back() != '\n') std::cout << '\n';
                         return Status::OK();
                       });
  cmd->add_option("FILE", args->file, "A .parquet file")->required();
  cmd = AddFileCommand(*group, ctx, "cat", "Rows as NDJSON", [args] {
    ASSIGN_OR_RETURN(auto source, OpenFile(args->file));
    parquet::CatOptions options;
    if (!args->columns.empty()) options.columns = parquet::SplitColumns(args->columns);
    options.where = args->where;
    options.limit = args->limit;
    Status st = parquet::CatNdjson(*source, options, std::cout);
    std::cout.flush();
    return st;
  });
  cmd->add_option("FILE", args->file, "A .parquet file")->required();
  cmd->add_option("--columns", args->columns, "Only these columns, e.g. id,type");
  cmd->add_option("--where", args->where,
                  "'col OP value', 'col IN (a, b)' or 'col IS NULL'; repeatable (all must hold)");
  cmd->add_option("--limit", args->limit, "At most N rows");
}

}  // namespace thingsdb::cli
