#include "cli/context.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

namespace thingsdb::cli {

Status ValidateNamespace(const std::string& ns) {
  if (ns.empty() || ns.size() > 64) {
    return Status::InvalidArgument(fmt::format("namespace '{}' must be 1 to 64 characters", ns));
  }
  for (char c : ns) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
      return Status::InvalidArgument(fmt::format(
          "namespace '{}' may hold only letters, digits, '_' and '-'", ns));
    }
  }
  return Status::OK();
}

Result<std::string> Context::HotPath() const {
  RETURN_IF_ERROR(ValidateNamespace(ns));
  std::filesystem::path dir = std::filesystem::path(data_dir) / ns;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status::IOError(fmt::format("cannot create directory '{}': {}", dir.string(), ec.message()));
  }
  return (dir / "hot.db").string();
}

Result<std::unique_ptr<hot::HotStore>> Context::OpenStore() const {
  ASSIGN_OR_RETURN(std::string path, HotPath());
  return hot::HotStore::Open(path);
}

Result<std::unique_ptr<engine::ThingsDB>> Context::OpenEngine() const {
  RETURN_IF_ERROR(HotPath().status());
  engine::EngineOptions options;
  options.data_dir = data_dir;
  options.ns = ns;
  options.cold_uri = cold_uri;
  return engine::ThingsDB::Open(std::move(options));
}

void AddCommonOptions(CLI::App* sub, Context& ctx) {
  sub->add_option("--data", ctx.data_dir, "Data directory (env THINGSDB_DATA)")
      ->envname("THINGSDB_DATA");
  sub->add_option("--ns", ctx.ns, "Namespace");
  sub->add_option("--cold", ctx.cold_uri,
                  "Cold tier: a directory or s3://bucket/prefix (default: <data>/warehouse)");
}

CLI::App* AddCommand(CLI::App& app, Context& ctx, const std::string& name,
                     const std::string& description, std::function<Status()> run) {
  CLI::App* sub = app.add_subcommand(name, description);
  AddCommonOptions(sub, ctx);
  sub->callback([&ctx, name, run = std::move(run)] {
    ctx.command = name;
    ctx.run = run;
  });
  return sub;
}

void PrintLine(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
}

Result<std::string> ReadInput(const std::string& path) {
  std::ostringstream buffer;
  if (path == "-") {
    buffer << std::cin.rdbuf();
    return buffer.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot open '{}'", path));
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace thingsdb::cli
