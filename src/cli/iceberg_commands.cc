// `thingsdb iceberg snapshots|files|cat TABLE`: inspect any Iceberg table on a directory or
// an S3 location with our own reader (position and equality deletes applied).
#include <filesystem>

#include <fmt/format.h>

#include "cli/context.h"
#include "cold/table_rows.h"
#include "core/json.h"
#include "iceberg/table.h"
#include "objectstore/object_store_uri.h"

namespace thingsdb::cli {
namespace {

struct IcebergArgs {
  std::string table;
  std::string root;
  int64_t snapshot = -1;
  int64_t limit = -1;
};

struct OpenedTable {
  std::unique_ptr<ObjectStore> store;
  std::unique_ptr<iceberg::Table> table;
};

// TABLE alone: the table's own directory or URI is the store. With --root: TABLE is a path
// under ROOT, which is also how the table's metadata names its files (relative paths).
Result<OpenedTable> OpenTable(const IcebergArgs& args) {
  OpenedTable opened;
  if (!args.root.empty()) {
    std::string local = args.root.rfind("file://", 0) == 0 ? args.root.substr(7) : args.root;
    if ((args.root.find("://") == std::string::npos || args.root != local) &&
        !std::filesystem::is_directory(local)) {
      return Status::NotFound(fmt::format("no directory '{}'", local));
    }
    ASSIGN_OR_RETURN(opened.store, OpenObjectStore(args.root));
    ASSIGN_OR_RETURN(opened.table, iceberg::Table::Load(*opened.store,
                                                        iceberg::TablePaths(args.table, args.table)));
    return opened;
  }
  std::string location = args.table;
  std::string local = location.rfind("file://", 0) == 0 ? location.substr(7) : location;
  if (location.find("://") == std::string::npos || location.rfind("file://", 0) == 0) {
    // Inspecting must not create anything: a local table directory has to exist.
    if (!std::filesystem::is_directory(local)) {
      return Status::NotFound(fmt::format("no table directory '{}'", local));
    }
  }
  if (location.find("://") == std::string::npos) {
    std::error_code ec;
    auto absolute = std::filesystem::absolute(location, ec);
    if (ec) return Status::InvalidArgument(fmt::format("table path '{}': {}", location, ec.message()));
    location = "file://" + absolute.lexically_normal().string();
    while (location.size() > 8 && location.back() == '/') location.pop_back();
  }
  ASSIGN_OR_RETURN(opened.store, OpenObjectStore(location));
  ASSIGN_OR_RETURN(opened.table,
                   iceberg::Table::Load(*opened.store, iceberg::TablePaths("", location)));
  return opened;
}

iceberg::ScanOptions ScanFor(const IcebergArgs& args) {
  iceberg::ScanOptions scan;
  if (args.snapshot >= 0) scan.snapshot_id = args.snapshot;
  return scan;
}

CLI::App* AddTableCommand(CLI::App& parent, Context& ctx, const std::string& name,
                          const std::string& description, std::shared_ptr<IcebergArgs> args,
                          std::function<Status()> run) {
  CLI::App* sub = parent.add_subcommand(name, description);
  sub->add_option("TABLE", args->table, "Table directory, file:// or s3:// location")->required();
  sub->add_option("--root", args->root,
                  "Store root the table's relative paths resolve against (TABLE is then a "
                  "path under it)");
  sub->callback([&ctx, name, run = std::move(run)] {
    ctx.command = "iceberg " + name;
    ctx.run = run;
  });
  return sub;
}

}  // namespace

void RegisterIcebergCommands(CLI::App& app, Context& ctx) {
  CLI::App* group = app.add_subcommand("iceberg", "Inspect an Iceberg table: snapshots, files, cat");
  group->require_subcommand(1);
  auto args = std::make_shared<IcebergArgs>();
  AddTableCommand(*group, ctx, "snapshots", "The table's snapshots as NDJSON", args, [args] {
    ASSIGN_OR_RETURN(OpenedTable opened, OpenTable(*args));
    const auto& metadata = opened.table->metadata();
    for (const auto& snapshot : metadata.snapshots) {
      std::string summary = "{";
      for (const auto& [key, value] : snapshot.summary) {
        if (summary.size() > 1) summary += ",";
        summary += JsonString(key) + ":" + JsonString(value);
      }
      summary += "}";
      PrintLine(fmt::format(
          "{{\"snapshotId\":{},\"parentId\":{},\"sequenceNumber\":{},\"timestampMs\":{},"
          "\"current\":{},\"summary\":{}}}",
          snapshot.snapshot_id,
          snapshot.parent_snapshot_id ? std::to_string(*snapshot.parent_snapshot_id) : "null",
          snapshot.sequence_number, snapshot.timestamp_ms,
          metadata.current_snapshot_id == snapshot.snapshot_id ? "true" : "false", summary));
    }
    return Status::OK();
  });
  CLI::App* files = AddTableCommand(
      *group, ctx, "files", "Live data files (with the delete files that apply) as NDJSON", args,
      [args] {
        ASSIGN_OR_RETURN(OpenedTable opened, OpenTable(*args));
        ASSIGN_OR_RETURN(iceberg::ScanPlan plan, opened.table->Scan(ScanFor(*args)));
        for (const auto& task : plan.tasks) {
          std::string deletes = "[";
          for (const auto& del : task.deletes) {
            if (deletes.size() > 1) deletes += ",";
            deletes += JsonString(del.file.file_path);
          }
          deletes += "]";
          PrintLine(fmt::format("{{\"path\":{},\"records\":{},\"bytes\":{},\"sequenceNumber\":{},"
                                "\"deletes\":{}}}",
                                JsonString(task.data.file.file_path), task.data.file.record_count,
                                task.data.file.file_size_in_bytes,
                                task.data.data_sequence_number, deletes));
        }
        return Status::OK();
      });
  files->add_option("--snapshot", args->snapshot, "A snapshot id (default: current)");
  CLI::App* cat = AddTableCommand(
      *group, ctx, "cat", "Rows as NDJSON, deletes applied", args, [args] {
        ASSIGN_OR_RETURN(OpenedTable opened, OpenTable(*args));
        int64_t printed = 0;
        return cold::ForEachTableRow(*opened.table, ScanFor(*args), [&](const std::string& row) {
          if (args->limit >= 0 && printed >= args->limit) return false;
          PrintLine(row);
          ++printed;
          return true;
        });
      });
  cat->add_option("--snapshot", args->snapshot, "A snapshot id (default: current)");
  cat->add_option("--limit", args->limit, "At most N rows");
}

}  // namespace thingsdb::cli
