// Verbs that query and administer a namespace: find, sql, index, stats, optimize.
#include <fmt/format.h>

#include <cstdio>
#include <ctime>
#include <optional>

#include "cli/context.h"
#include "core/json.h"
#include "hot/stats_json.h"

namespace thingsdb::cli {
namespace {

// A --param: a JSON scalar when it parses as one ("5", "true", "\"x\""), else the text itself.
hot::SqlValue ParseParam(const std::string& text) {
  auto value = hot::SqlValueFromJson(text, "--param");
  if (value.ok()) return *value;
  return hot::SqlValue{text};
}

// --as-of: Unix milliseconds, or UTC ISO-8601 `YYYY-MM-DDTHH:MM:SS[.fff]Z` (or a date).
Result<int64_t> ParseTimestampMs(const std::string& text) {
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format(
        "--as-of '{}': expected Unix milliseconds or a UTC time like 2026-11-30T14:05:00Z", text));
  };
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 18) return bad();
    return static_cast<int64_t>(std::stoll(text));
  }
  std::tm tm{};
  int millis = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char rest[8] = {0};
  int fields = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%7s", &year, &month, &day, &hour,
                           &minute, &second, rest);
  std::string tail = fields == 7 ? rest : "";
  if (fields == 3 && text.size() == 10) {
    tail = "Z";
  } else if (fields != 7) {
    return bad();
  }
  if (tail.size() == 5 && tail[0] == '.' && tail[4] == 'Z' &&
      tail.find_first_not_of("0123456789", 1) == 4) {
    millis = std::stoi(tail.substr(1, 3));
  } else if (tail != "Z") {
    return bad();
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return bad();
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + millis;
}

std::string RowJson(const std::vector<std::string>& columns, const std::vector<hot::SqlValue>& row) {
  std::string out = "{";
  for (size_t col = 0; col < columns.size(); ++col) {
    if (col) out += ",";
    AppendJsonString(out, columns[col]);
    out += ":";
    hot::AppendSqlValueJson(out, row[col]);
  }
  return out + "}";
}

struct FindArgs {
  std::string type, order, cursor;
  std::vector<std::string> where;
  int64_t limit = 100;
};

struct SqlArgs {
  std::string sql;
  std::vector<std::string> params;
  bool explain = false;
  std::optional<int64_t> snapshot;
  std::string as_of;
  bool stats = false;
};

// --stats: what the statement's cold scans read and skipped, one JSON line on stderr.
void PrintScanStats(const cold::ScanCounters& c) {
  fmt::print(stderr,
             "{{\"coldFilesPlanned\":{},\"coldFilesPrunedByPlan\":{},\"coldFilesSkipped\":{},"
             "\"coldFilesRead\":{},\"coldRowGroupsRead\":{},\"coldRowGroupsSkipped\":{},"
             "\"coldPagesRead\":{},\"coldPagesSkipped\":{},\"coldDeleteFilesRead\":{},"
             "\"coldRowsReturned\":{},\"coldRequests\":{},\"coldBytesRead\":{}}}\n",
             c.files_planned, c.files_pruned_by_plan, c.files_skipped, c.files_read,
             c.row_groups_read, c.row_groups_skipped, c.pages_read, c.pages_skipped,
             c.delete_files_read, c.rows_returned, c.object_requests, c.bytes_read);
}

}  // namespace

void RegisterQueryCommands(CLI::App& app, Context& ctx) {
  auto find = std::make_shared<FindArgs>();
  CLI::App* cmd = AddCommand(
      app, ctx, "find",
      "Things by type and JSON-path conditions, as NDJSON; prints the next page's cursor "
      "to stderr",
      [&ctx, find] {
        ASSIGN_OR_RETURN(auto store, ctx.OpenEngine());
        hot::FindQuery query;
        if (!find->type.empty()) query.type = find->type;
        for (const auto& text : find->where) {
          ASSIGN_OR_RETURN(hot::Condition cond, hot::ParseCondition(text));
          query.where.push_back(std::move(cond));
        }
        if (!find->order.empty()) {
          std::string order = find->order;
          size_t space = order.find(' ');
          if (space != std::string::npos) {
            std::string dir = order.substr(space + 1);
            order = order.substr(0, space);
            if (dir == "desc") {
              query.descending = true;
            } else if (dir != "asc") {
              return Status::InvalidArgument(
                  fmt::format("--order '{}': direction must be asc or desc", find->order));
            }
          }
          query.order_path = order;
        }
        query.limit = find->limit;
        query.cursor = find->cursor;
        ASSIGN_OR_RETURN(hot::FindPage page, store->Find(query));
        for (const auto& thing : page.things) PrintLine(hot::ThingJson(thing));
        if (!page.next_cursor.empty()) fmt::print(stderr, "next: --cursor {}\n", page.next_cursor);
        return Status::OK();
      });
  cmd->add_option("--type", find->type, "Only things of this type");
  cmd->add_option("--where", find->where,
                  "PATH OP JSON_VALUE, e.g. '$.age >= 21' (OP: = != < <= > >=); repeatable");
  cmd->add_option("--order", find->order, "PATH [asc|desc], e.g. '$.age desc'");
  cmd->add_option("--limit", find->limit, "Page size (default 100)");
  cmd->add_option("--cursor", find->cursor, "Continue after a previous page");

  auto sql = std::make_shared<SqlArgs>();
  cmd = AddCommand(
      app, ctx, "sql",
      "Run read-only SQL over both tiers (things / relationships are hot ∪ cold); rows as "
      "NDJSON objects",
      [&ctx, sql] {
        ASSIGN_OR_RETURN(auto db, ctx.OpenEngine());
        if (!sql->as_of.empty()) {
          ASSIGN_OR_RETURN(int64_t as_of, ParseTimestampMs(sql->as_of));
          ASSIGN_OR_RETURN(sql->snapshot, db->SnapshotAsOf(as_of));
        }
        if (sql->explain) {
          ASSIGN_OR_RETURN(auto plan, db->ExplainQueryPlan(sql->sql, sql->snapshot));
          for (const auto& line : plan) PrintLine(line);
          return Status::OK();
        }
        std::vector<hot::SqlValue> params;
        for (const auto& text : sql->params) params.push_back(ParseParam(text));
        cold::ScanCounters counters;
        auto result = db->Query(sql->sql, params, sql->snapshot, &counters);
        if (result.ok()) {
          for (const auto& row : result->rows) PrintLine(RowJson(result->columns, row));
        }
        if (sql->stats) {
          std::fflush(stdout);  // rows first, then the stats line
          PrintScanStats(counters);
        }
        return result.status();
      });
  cmd->add_option("SQL", sql->sql, "One SELECT (or other read-only) statement")->required();
  cmd->add_option("--param", sql->params,
                  "Value for the next ? (a JSON scalar, else taken as text); repeatable");
  cmd->add_flag("--explain", sql->explain, "Print the query plan instead of running it");
  cmd->add_option("--snapshot", sql->snapshot,
                  "Time travel: read the cold tier as of this namespace (or table) snapshot "
                  "id (see `thingsdb snapshots`); hot rows are not read");
  cmd->add_option("--as-of", sql->as_of,
                  "Time travel by time: the newest snapshot committed at or before TIME (Unix "
                  "ms, or UTC like 2026-11-30T14:05:00Z); hot rows are not read")
      ->excludes("--snapshot");
  cmd->add_flag("--stats", sql->stats,
                "Print the cold files / row groups / pages read and skipped to stderr");

  CLI::App* index = app.add_subcommand("index", "JSON-path indexes: add, drop, list");
  index->require_subcommand(1);
  auto path = std::make_shared<std::string>();
  cmd = AddCommand(*index, ctx, "add", "Index json_extract(data, PATH)", [&ctx, path] {
    ASSIGN_OR_RETURN(auto store, ctx.OpenStore());
    ASSIGN_OR_RETURN(hot::JsonIndexInfo info, store->AddIndex(*path));
    PrintLine(hot::JsonIndexJson(info));
    return Status::OK();
  });
  cmd->add_option("PATH", *path, "A JSON path such as $.email")->required();
  cmd = AddCommand(*index, ctx, "drop", "Drop the index on PATH", [&ctx, path] {
    ASSIGN_OR_RETURN(auto store, ctx.OpenStore());
    RETURN_IF_ERROR(store->DropIndex(*path));
    PrintLine(fmt::format("{{\"dropped\":{}}}", JsonString(*path)));
    return Status::OK();
  });
  cmd->add_option("PATH", *path)->required();
  AddCommand(*index, ctx, "list", "List JSON indexes as NDJSON", [&ctx] {
    ASSIGN_OR_RETURN(auto store, ctx.OpenStore());
    ASSIGN_OR_RETURN(auto indexes, store->ListIndexes());
    for (const auto& info : indexes) {
      PrintLine(hot::JsonIndexJson(info));
    }
    return Status::OK();
  });

  AddCommand(app, ctx, "stats", "Counts, sizes, bytes per thing and projected capacity", [&ctx] {
    ASSIGN_OR_RETURN(auto store, ctx.OpenStore());
    ASSIGN_OR_RETURN(hot::Stats stats, store->GetStats());
    PrintLine(hot::StatsJson(stats));
    return Status::OK();
  });
  AddCommand(app, ctx, "optimize", "ANALYZE, PRAGMA optimize, incremental vacuum, checkpoint",
             [&ctx] {
               ASSIGN_OR_RETURN(auto store, ctx.OpenStore());
               RETURN_IF_ERROR(store->Optimize());
               PrintLine("{\"optimized\":true}");
               return Status::OK();
             });
}

}  // namespace thingsdb::cli
