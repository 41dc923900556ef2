// parquet_interop_tool: a small command line over thingsdb_parquet for the node interop
// tests, the fuzz seed corpus and manual checks.
//   write SPEC.json OUT.parquet   write rows described by a JSON spec (see tests/interop)
//   cat FILE [--columns a,b] [--where 'col OP v']... [--limit N]
//   schema FILE | meta FILE
//   seeds DIR                     write small valid files (fuzz seed corpus)
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "parquet/file_writer.h"
#include "parquet/parquet_tool.h"

namespace pq = thingsdb::parquet;
using nlohmann::json;

namespace {

int Fail(const thingsdb::Status& status) {
  std::cerr << status.ToString() << "\n";
  return 1;
}

thingsdb::Result<pq::Type> ParseType(const std::string& name) {
  static const std::pair<const char*, pq::Type> kTypes[] = {
      {"BOOLEAN", pq::Type::kBoolean},
      {"INT32", pq::Type::kInt32},
      {"INT64", pq::Type::kInt64},
      {"FLOAT", pq::Type::kFloat},
      {"DOUBLE", pq::Type::kDouble},
      {"BYTE_ARRAY", pq::Type::kByteArray},
      {"FIXED_LEN_BYTE_ARRAY", pq::Type::kFixedLenByteArray}};
  for (const auto& [text, type] : kTypes) {
    if (name == text) return type;
  }
  return thingsdb::Status::InvalidArgument("unknown type " + name);
}

thingsdb::Result<pq::LogicalKind> ParseLogical(const std::string& name) {
  static const std::pair<const char*, pq::LogicalKind> kKinds[] = {
      {"", pq::LogicalKind::kNone},
      {"STRING", pq::LogicalKind::kString},
      {"JSON", pq::LogicalKind::kJson},
      {"DATE", pq::LogicalKind::kDate},
      {"TIMESTAMP_MILLIS", pq::LogicalKind::kTimestampMillis},
      {"TIMESTAMP_MICROS", pq::LogicalKind::kTimestampMicros},
      {"INT8", pq::LogicalKind::kInt8},
      {"INT16", pq::LogicalKind::kInt16},
      {"INT32", pq::LogicalKind::kInt32},
      {"INT64", pq::LogicalKind::kInt64}};
  for (const auto& [text, kind] : kKinds) {
    if (name == text) return kind;
  }
  return thingsdb::Status::InvalidArgument("unknown logical type " + name);
}

thingsdb::Result<pq::Codec> ParseCodec(const std::string& name) {
  if (name == "uncompressed") return pq::Codec::kUncompressed;
  if (name == "snappy") return pq::Codec::kSnappy;
  if (name == "gzip") return pq::Codec::kGzip;
  if (name == "zstd") return pq::Codec::kZstd;
  return thingsdb::Status::InvalidArgument("unknown codec " + name);
}

thingsdb::Result<pq::WriterOptions> ParseOptions(const json& j) {
  pq::WriterOptions o;
  ASSIGN_OR_RETURN(o.codec, ParseCodec(j.value("codec", "zstd")));
  o.compression_level = j.value("level", 0);
  o.data_page_version = j.value("page_version", 1);
  o.page_row_limit = j.value("page_rows", o.page_row_limit);
  o.row_group_row_limit = j.value("row_group_rows", o.row_group_row_limit);
  o.row_group_bytes = j.value("row_group_bytes", o.row_group_bytes);
  o.dictionary_size_limit = j.value("dictionary_limit", o.dictionary_size_limit);
  o.write_page_index = j.value("page_index", true);
  if (j.contains("kv")) {
    for (const auto& [key, value] : j["kv"].items())
      o.key_value_metadata.push_back({key, value.get<std::string>()});
  }
  return o;
}

thingsdb::Result<pq::Schema> ParseSchema(const json& columns) {
  pq::Schema schema;
  for (const auto& c : columns) {
    pq::ColumnSpec spec;
    spec.name = c.at("name").get<std::string>();
    ASSIGN_OR_RETURN(spec.type, ParseType(c.at("type").get<std::string>()));
    ASSIGN_OR_RETURN(spec.logical, ParseLogical(c.value("logical", "")));
    spec.optional = c.value("optional", false);
    spec.field_id = c.value("field_id", -1);
    spec.type_length = c.value("type_length", 0);
    spec.bloom_filter = c.value("bloom", false);
    spec.dictionary = c.value("dictionary", true);
    if (c.value("encoding", "PLAIN") == "DELTA_BINARY_PACKED")
      spec.encoding = pq::Encoding::kDeltaBinaryPacked;
    schema.columns.push_back(spec);
  }
  return schema;
}

// Strings view into `storage`, which must outlive the batches.
std::vector<pq::ColumnBatch> ToBatches(const pq::Schema& schema, const json& rows,
                                       std::vector<std::string>* storage) {
  std::vector<pq::ColumnBatch> batches(schema.columns.size());
  storage->reserve(rows.size() * schema.columns.size());
  for (size_t c = 0; c < schema.columns.size(); ++c) {
    const pq::ColumnSpec& spec = schema.columns[c];
    pq::ColumnBatch& b = batches[c];
    b.type = spec.type;
    for (const auto& row : rows) {
      const json& v = row.contains(spec.name) ? row[spec.name] : json();
      bool null = v.is_null();
      if (spec.optional) b.validity.push_back(!null);
      if (b.IsIntegral()) {
        b.ints.push_back(null ? 0 : v.is_boolean() ? int64_t{v.get<bool>()} : v.get<int64_t>());
      } else if (b.IsFloating()) {
        b.doubles.push_back(null ? 0 : v.get<double>());
      } else if (null) {
        b.strings.emplace_back();
      } else if (v.is_array()) {  // float32 vector, little-endian
        std::string bytes;
        for (const auto& x : v) {
          float f = x.get<float>();
          bytes.append(reinterpret_cast<const char*>(&f), 4);
        }
        storage->push_back(std::move(bytes));
        b.strings.push_back(storage->back());
      } else {
        storage->push_back(v.is_string() ? v.get<std::string>() : v.dump());
        b.strings.push_back(storage->back());
      }
    }
  }
  return batches;
}

int Write(const char* spec_path, const char* out_path) {
  std::ifstream in(spec_path);
  json spec = json::parse(in, nullptr, false);
  if (spec.is_discarded()) return Fail(thingsdb::Status::InvalidArgument("bad spec JSON"));
  try {
    auto options = ParseOptions(spec.value("options", json::object()));
    if (!options.ok()) return Fail(options.status());
    auto schema = ParseSchema(spec.at("columns"));
    if (!schema.ok()) return Fail(schema.status());
    std::vector<std::string> storage;
    auto batches = ToBatches(*schema, spec.at("rows"), &storage);
    auto sink = pq::FileSink::Open(out_path);
    if (!sink.ok()) return Fail(sink.status());
    auto writer = pq::FileWriter::Open(*schema, *options, sink->get());
    if (!writer.ok()) return Fail(writer.status());
    if (auto s = (*writer)->WriteBatch(batches); !s.ok()) return Fail(s);
    if (auto s = (*writer)->Close(); !s.ok()) return Fail(s);
  } catch (const json::exception& e) {
    return Fail(thingsdb::Status::InvalidArgument(std::string("spec: ") + e.what()));
  }
  return 0;
}

int Cat(int argc, char** argv) {
  pq::CatOptions options;
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return Fail(thingsdb::Status::InvalidArgument("missing value for " + arg));
    if (arg == "--columns")
      options.columns = pq::SplitColumns(argv[++i]);
    else if (arg == "--where")
      options.where.push_back(argv[++i]);
    else if (arg == "--limit")
      options.limit = std::atoll(argv[++i]);
    else
      return Fail(thingsdb::Status::InvalidArgument("unknown option " + arg));
  }
  auto source = pq::LocalFileSource::Open(argv[2]);
  if (!source.ok()) return Fail(source.status());
  auto status = pq::CatNdjson(**source, options, std::cout);
  return status.ok() ? 0 : Fail(status);
}

int Text(const char* what, const char* path) {
  auto source = pq::LocalFileSource::Open(path);
  if (!source.ok()) return Fail(source.status());
  auto text = std::strcmp(what, "schema") == 0 ? pq::SchemaText(**source) : pq::MetaText(**source);
  if (!text.ok()) return Fail(text.status());
  std::cout << *text;
  return 0;
}

// Small files over the writer's features, for the fuzzer's seed corpus.
int Seeds(const std::string& dir) {
  pq::Schema schema;
  schema.columns = {{"id", pq::Type::kByteArray, pq::LogicalKind::kString, false, 1},
                    {"n", pq::Type::kInt64, pq::LogicalKind::kNone, true, 2},
                    {"x", pq::Type::kDouble, pq::LogicalKind::kNone, true, 3},
                    {"b", pq::Type::kBoolean, pq::LogicalKind::kNone, false, 4}};
  schema.columns[0].bloom_filter = true;
  schema.columns[1].encoding = pq::Encoding::kDeltaBinaryPacked;
  std::vector<pq::ColumnBatch> batches(4);
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back("id" + std::to_string(i % 7));
  for (int c = 0; c < 4; ++c) batches[c].type = schema.columns[c].type;
  for (int i = 0; i < 40; ++i) {
    batches[0].strings.push_back(ids[i]);
    batches[1].ints.push_back(i * 3);
    batches[1].validity.push_back(i % 5 != 0);
    batches[2].doubles.push_back(i * 0.5);
    batches[2].validity.push_back(i % 3 != 0);
    batches[3].ints.push_back(i % 2);
  }
  int n = 0;
  for (pq::Codec codec :
       {pq::Codec::kUncompressed, pq::Codec::kSnappy, pq::Codec::kGzip, pq::Codec::kZstd}) {
    for (int version : {1, 2}) {
      pq::WriterOptions options;
      options.codec = codec;
      options.data_page_version = version;
      options.page_row_limit = 16;
      options.row_group_row_limit = 25;
      auto bytes = pq::WriteToString(schema, options, batches);
      if (!bytes.ok()) return Fail(bytes.status());
      std::ofstream(dir + "/seed" + std::to_string(n++) + ".parquet", std::ios::binary) << *bytes;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::strcmp(argv[1], "write") == 0) return Write(argv[2], argv[3]);
  if (argc >= 3 && std::strcmp(argv[1], "cat") == 0) return Cat(argc, argv);
  if (argc == 3 && (std::strcmp(argv[1], "schema") == 0 || std::strcmp(argv[1], "meta") == 0)) {
    return Text(argv[1], argv[2]);
  }
  if (argc == 3 && std::strcmp(argv[1], "seeds") == 0) return Seeds(argv[2]);
  std::cerr << "usage: parquet_interop_tool write SPEC.json OUT | cat FILE [--columns a,b] "
               "[--where 'c OP v'] [--limit N] | schema FILE | meta FILE | seeds DIR\n";
  return 2;
}
