// import (NDJSON → batches, all or nothing per batch, progress on a terminal) and export.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "core/embedding.h"
#include "core/json.h"
#include "parquet/file_writer.h"
#include "parquet/output_sink.h"

namespace thingsdb::cli {
namespace {

using nlohmann::json;

Result<std::string> StringField(const json& obj, const char* key, bool required, size_t line) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) return Status::InvalidArgument(fmt::format("line {}: \"{}\" is missing", line, key));
    return std::string();
  }
  if (!it->is_string()) {
    return Status::InvalidArgument(fmt::format("line {}: \"{}\" must be a string", line, key));
  }
  return it->get<std::string>();
}

// One NDJSON line → a batch item: a thing {"type","data"[,"id","embedding"]} or a
// relationship {"fromId","toId","type"[,"data"]}.
Result<hot::BatchItem> ParseLine(std::string_view text, size_t line) {
  json obj = json::parse(text, nullptr, false);
  if (obj.is_discarded()) {
    return Status::InvalidArgument(fmt::format("line {}: not valid JSON", line));
  }
  if (!obj.is_object()) return Status::InvalidArgument(fmt::format("line {}: not a JSON object", line));
  bool is_rel = obj.contains("fromId");
  for (const auto& [key, value] : obj.items()) {
    static const std::set<std::string> kThingKeys = {"id", "type", "data", "embedding",
                                                     "createdAt", "updatedAt"};
    static const std::set<std::string> kRelKeys = {"id", "fromId", "toId", "type", "data",
                                                   "createdAt"};
    if (!(is_rel ? kRelKeys : kThingKeys).count(key)) {
      return Status::InvalidArgument(fmt::format("line {}: unknown field \"{}\" in a {}", line,
                                                 key, is_rel ? "relationship" : "thing"));
    }
  }
  ASSIGN_OR_RETURN(std::string type, StringField(obj, "type", true, line));
  auto data = obj.find("data");
  if (is_rel) {
    hot::NewRelationship rel;
    ASSIGN_OR_RETURN(rel.from_id, StringField(obj, "fromId", true, line));
    ASSIGN_OR_RETURN(rel.to_id, StringField(obj, "toId", true, line));
    rel.type = std::move(type);
    if (data != obj.end() && !data->is_null()) {
      if (!data->is_object()) {
        return Status::InvalidArgument(fmt::format("line {}: \"data\" must be an object", line));
      }
      rel.data = data->dump();
    }
    return hot::BatchItem{std::move(rel)};
  }
  hot::NewThing thing;
  thing.type = std::move(type);
  ASSIGN_OR_RETURN(std::string id, StringField(obj, "id", false, line));
  if (obj.contains("id")) thing.id = std::move(id);
  if (data == obj.end() || !data->is_object()) {
    return Status::InvalidArgument(fmt::format("line {}: \"data\" must be a JSON object", line));
  }
  thing.data = data->dump();
  auto emb = obj.find("embedding");
  if (emb != obj.end() && !emb->is_null()) {
    auto values = ParseEmbeddingJson(emb->dump(), fmt::format("line {}: embedding", line));
    if (!values.ok()) return values.status();
    thing.embedding = std::move(*values);
  }
  return hot::BatchItem{std::move(thing)};
}

struct ImportArgs {
  std::string file;
  size_t batch = 10000;
  bool quiet = false;
};

struct ExportArgs {
  std::string format = "ndjson";
  std::string out;
};

class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled && isatty(STDERR_FILENO)) {}
  void Update(size_t lines, bool final_line = false) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (!final_line && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    fmt::print(stderr, "\rimported {} lines ({:.0f}/s){}", lines, secs > 0 ? lines / secs : 0.0,
               final_line ? "\n" : "");
  }

 private:
  bool enabled_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = start_;
};

// Commits one batch; on failure names the input line of the failing item.
Status CommitBatch(engine::ThingsDB& store, std::vector<hot::BatchItem>& items,
                   std::vector<size_t>& lines, size_t committed) {
  if (items.empty()) return Status::OK();
  auto written = store.WriteBatch(items);
  if (!written.ok()) {
    std::string msg = written.status().message();
    size_t item = 0;
    if (std::sscanf(msg.c_str(), "item %zu:", &item) == 1 && item < lines.size()) {
      msg = fmt::format("line {}{}", lines[item], msg.substr(msg.find(':')));
    }
    return Status(written.status().code(),
                  fmt::format("{} (this batch of {} lines was not written; {} lines before it were)",
                              msg, items.size(), committed));
  }
  items.clear();
  lines.clear();
  return Status::OK();
}

Status RunImport(const Context& ctx, const ImportArgs& args) {
  // Through the engine: an id live in the cold tier is a Conflict, as for put.
  ASSIGN_OR_RETURN(auto store, ctx.OpenEngine());
  std::ifstream file;
  std::istream* in = &std::cin;
  if (args.file != "-") {
    file.open(args.file, std::ios::binary);
    if (!file) return Status::NotFound(fmt::format("cannot open '{}'", args.file));
    in = &file;
  }
  auto start = std::chrono::steady_clock::now();
  Progress progress(!args.quiet);
  std::vector<hot::BatchItem> items;
  std::vector<size_t> lines;
  size_t line_no = 0, committed = 0, things = 0, rels = 0;
  std::string text;
  while (std::getline(*in, text)) {
    ++line_no;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    ASSIGN_OR_RETURN(hot::BatchItem item, ParseLine(text, line_no));
    (std::holds_alternative<hot::NewThing>(item.op) ? things : rels)++;
    items.push_back(std::move(item));
    lines.push_back(line_no);
    if (items.size() >= args.batch) {
      RETURN_IF_ERROR(CommitBatch(*store, items, lines, committed));
      committed = line_no;
      progress.Update(line_no);
    }
  }
  RETURN_IF_ERROR(CommitBatch(*store, items, lines, committed));
  progress.Update(line_no, true);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  PrintLine(fmt::format("{{\"things\":{},\"relationships\":{},\"seconds\":{:.3f}}}", things, rels,
                        secs));
  return Status::OK();
}

// The things of a namespace as one Parquet file (zstd): id, type, data (JSON), embedding
// (little-endian float32 bytes), created_at and updated_at (UTC timestamps in ms), written in
// row groups of 65,536 things with a bloom filter on id.
Status ExportParquet(hot::HotStore& store, const std::string& out_path) {
  using parquet::ColumnSpec;
  parquet::Schema schema;
  schema.columns = {
      ColumnSpec{.name = "id", .type = parquet::Type::kByteArray,
                 .logical = parquet::LogicalKind::kString, .field_id = 1, .bloom_filter = true},
      ColumnSpec{.name = "type", .type = parquet::Type::kByteArray,
                 .logical = parquet::LogicalKind::kString, .field_id = 2},
      ColumnSpec{.name = "data", .type = parquet::Type::kByteArray,
                 .logical = parquet::LogicalKind::kJson, .field_id = 3},
      ColumnSpec{.name = "embedding", .type = parquet::Type::kByteArray, .optional = true,
                 .field_id = 4},
      ColumnSpec{.name = "created_at", .type = parquet::Type::kInt64,
                 .logical = parquet::LogicalKind::kTimestampMillis, .field_id = 5},
      ColumnSpec{.name = "updated_at", .type = parquet::Type::kInt64,
                 .logical = parquet::LogicalKind::kTimestampMillis, .field_id = 6},
  };
  if (out_path.empty()) return Status::InvalidArgument("export --format parquet needs --out FILE");
  ASSIGN_OR_RETURN(auto sink, parquet::FileSink::Open(out_path));
  ASSIGN_OR_RETURN(auto writer, parquet::FileWriter::Open(schema, parquet::WriterOptions{}, sink.get()));
  std::vector<hot::Thing> rows;
  std::vector<std::string> blobs;
  Status write_status;
  auto flush_rows = [&]() -> Status {
    if (rows.empty()) return Status::OK();
    std::vector<parquet::ColumnBatch> columns(6);
    for (int col : {0, 1, 2, 3}) columns[col].type = parquet::Type::kByteArray;
    columns[4].type = columns[5].type = parquet::Type::kInt64;
    blobs.clear();
    blobs.reserve(rows.size());
    for (const hot::Thing& t : rows) {
      columns[0].strings.push_back(t.id);
      columns[1].strings.push_back(t.type);
      columns[2].strings.push_back(t.data);
      blobs.push_back(t.embedding ? EmbeddingToBlob(*t.embedding) : std::string());
      columns[3].strings.push_back(blobs.back());
      columns[3].validity.push_back(t.embedding ? 1 : 0);
      columns[4].ints.push_back(t.created_at);
      columns[5].ints.push_back(t.updated_at);
    }
    Status st = writer->WriteBatch(columns);
    rows.clear();
    return st;
  };
  RETURN_IF_ERROR(store.ForEachThing([&](const hot::Thing& t) {
    rows.push_back(t);
    if (rows.size() >= 65536) write_status = flush_rows();
    return write_status.ok();
  }));
  RETURN_IF_ERROR(write_status);
  RETURN_IF_ERROR(flush_rows());
  return writer->Close();
}

Status RunExport(const Context& ctx, const ExportArgs& args) {
  if (args.format != "ndjson" && args.format != "parquet") {
    return Status::InvalidArgument(
        fmt::format("export format '{}' is not one of ndjson, parquet", args.format));
  }
  ASSIGN_OR_RETURN(auto store, ctx.OpenStore());
  if (args.format == "parquet") return ExportParquet(*store, args.out);
  FILE* out = stdout;
  if (!args.out.empty()) {
    out = std::fopen(args.out.c_str(), "wb");
    if (!out) return Status::IOError(fmt::format("cannot write '{}'", args.out));
  }
  std::string line;
  auto emit = [&] {
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), out);
    line.clear();
  };
  RETURN_IF_ERROR(store->ForEachThing([&](const hot::Thing& t) {
    line = "{\"id\":" + JsonString(t.id) + ",\"type\":" + JsonString(t.type) + ",\"data\":" + t.data;
    if (t.embedding) {
      line += ",\"embedding\":";
      AppendEmbeddingJson(line, *t.embedding);
    }
    line += "}";
    emit();
    return true;
  }));
  RETURN_IF_ERROR(store->ForEachRelationship([&](const hot::Relationship& r) {
    line = "{\"fromId\":" + JsonString(r.from_id) + ",\"toId\":" + JsonString(r.to_id) +
           ",\"type\":" + JsonString(r.type);
    if (r.data) line += ",\"data\":" + *r.data;
    line += "}";
    emit();
    return true;
  }));
  if (out != stdout && std::fclose(out) != 0) {
    return Status::IOError(fmt::format("cannot finish writing '{}'", args.out));
  }
  return Status::OK();
}

}  // namespace

void RegisterImportExport(CLI::App& app, Context& ctx) {
  auto imp = std::make_shared<ImportArgs>();
  CLI::App* cmd = AddCommand(
      app, ctx, "import",
      "Load NDJSON: things {\"type\",\"data\"[,\"id\",\"embedding\"]} and relationships "
      "{\"fromId\",\"toId\",\"type\"[,\"data\"]}; all or nothing per batch",
      [&ctx, imp] { return RunImport(ctx, *imp); });
  cmd->add_option("FILE", imp->file, "An .ndjson file, or - for standard input")->required();
  cmd->add_option("--batch", imp->batch, "Lines per transaction (default 10000)")
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  cmd->add_flag("--quiet", imp->quiet, "No progress line on the terminal");

  auto exp = std::make_shared<ExportArgs>();
  cmd = AddCommand(app, ctx, "export",
                   "Write the namespace as NDJSON in import's shape (things, then relationships)",
                   [&ctx, exp] { return RunExport(ctx, *exp); });
  cmd->add_option("--format", exp->format,
                  "ndjson (default: things and relationships) or parquet (things; needs --out)");
  cmd->add_option("--out", exp->out, "Write to FILE instead of standard output");
}

}  // namespace thingsdb::cli
