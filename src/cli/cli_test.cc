// Runs the thingsdb binary: every ```console example in the top-level README (in order, in
// one fresh data directory, `...` in an expected line matching any text), exit codes and
// error lines, --help on every verb, and an import/export round trip.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hot/testing/temp_dir.h"

namespace thingsdb {
namespace {

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved
};

RunResult RunShell(const std::string& command, const std::string& cwd, const std::string& data) {
  std::string full = "cd '" + cwd + "' && THINGSDB_DATA='" + data + "' " + command + " 2>&1";
  RunResult result;
  FILE* pipe = popen(full.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string Bin() { return THINGSDB_BINARY; }

// Replaces a leading "thingsdb " and any "| thingsdb " with the binary's path.
std::string WithBinary(std::string command) {
  if (command.rfind("thingsdb ", 0) == 0) command = Bin() + command.substr(8);
  for (size_t pos; (pos = command.find("| thingsdb ")) != std::string::npos;) {
    command = command.substr(0, pos + 2) + Bin() + command.substr(pos + 10);
  }
  return command;
}

// `expected` may hold "..." standing for any run of characters.
bool LineMatches(const std::string& expected, const std::string& actual) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t pos; (pos = expected.find("...", start)) != std::string::npos; start = pos + 3) {
    parts.push_back(expected.substr(start, pos - start));
  }
  parts.push_back(expected.substr(start));
  if (parts.size() == 1) return expected == actual;
  if (actual.rfind(parts.front(), 0) != 0) return false;
  size_t cursor = parts.front().size();
  for (size_t idx = 1; idx + 1 < parts.size(); ++idx) {
    size_t found = actual.find(parts[idx], cursor);
    if (found == std::string::npos) return false;
    cursor = found + parts[idx].size();
  }
  const std::string& last = parts.back();
  return actual.size() >= cursor + last.size() &&
         actual.compare(actual.size() - last.size(), last.size(), last) == 0;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

struct Example {
  std::string command;
  std::vector<std::string> expected;
  int readme_line = 0;
};

std::vector<Example> ReadmeExamples() {
  std::ifstream in(std::string(std::getenv("THINGSDB_SOURCE_DIR")) + "/README.md");
  std::vector<Example> examples;
  bool in_console = false;
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.rfind("```", 0) == 0) {
      in_console = !in_console && line == "```console";
      continue;
    }
    if (!in_console) continue;
    if (line.rfind("$ ", 0) == 0) {
      examples.push_back({line.substr(2), {}, line_no});
    } else if (!examples.empty()) {
      examples.back().expected.push_back(line);
    }
  }
  return examples;
}

TEST(CliTest, ReadmeExamplesProduceTheirDocumentedOutput) {
  testing::TempDir dir;
  auto examples = ReadmeExamples();
  ASSERT_GE(examples.size(), 20u) << "README examples not found";
  for (const Example& example : examples) {
    RunResult run = RunShell(WithBinary(example.command), dir.path(), dir.File("data"));
    auto actual = Lines(run.output);
    ASSERT_EQ(actual.size(), example.expected.size())
        << "README line " << example.readme_line << ": " << example.command << "\n"
        << run.output;
    for (size_t idx = 0; idx < actual.size(); ++idx) {
      EXPECT_TRUE(LineMatches(example.expected[idx], actual[idx]))
          << "README line " << example.readme_line << ": " << example.command
          << "\nexpected: " << example.expected[idx] << "\nactual:   " << actual[idx];
    }
  }
}

TEST(CliTest, LineMatcherHonoursWildcards) {
  EXPECT_TRUE(LineMatches("{\"a\":...,\"b\":...}", "{\"a\":12,\"b\":3}"));
  EXPECT_FALSE(LineMatches("{\"a\":...,\"b\":...}", "{\"a\":12,\"c\":3}"));
  EXPECT_TRUE(LineMatches("abc", "abc"));
  EXPECT_FALSE(LineMatches("abc", "abcd"));
}

TEST(CliTest, ErrorsAreOneLineOnStderrWithExitCode1) {
  testing::TempDir dir;
  struct Case {
    std::string args;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"get missing", "thingsdb get: NotFound: thing 'missing' does not exist"},
           {"put user '{bad'", "thingsdb put: InvalidArgument: data is not valid JSON: "},
           {"put user '[1]'", "thingsdb put: InvalidArgument: data must be a JSON object"},
           {"put '' '{}'", "thingsdb put: InvalidArgument: type is empty"},
           {"put user '{}' --embedding '[1,\"x\"]'", "thingsdb put: InvalidArgument: --embedding"},
           {"--ns ../etc get x", "thingsdb get: InvalidArgument: namespace '../etc' may hold"},
           {"find --where 'age > 3'", "thingsdb find: InvalidArgument: condition 'age > 3'"},
           {"related x --direction sideways", "thingsdb related: InvalidArgument: direction"},
           {"import /nonexistent.ndjson", "thingsdb import: NotFound: cannot open"},
           {"serve --port 0 --cache-kib 8",
            "thingsdb serve: InvalidArgument: --cache-kib must be between 64 and 1048576 (got 8)"},
           {"serve --port 0 --flush-duty 0",
            "thingsdb serve: InvalidArgument: --flush-duty must be between 0.05 and 1 (got 0)"},
       }) {
    RunResult run = RunShell(Bin() + " " + c.args, dir.path(), dir.File("data"));
    EXPECT_EQ(run.exit_code, 1) << c.args << "\n" << run.output;
    auto lines = Lines(run.output);
    ASSERT_EQ(lines.size(), 1u) << c.args << "\n" << run.output;
    EXPECT_EQ(lines[0].rfind(c.message, 0), 0u) << c.args << "\n" << run.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/etc"));
}

TEST(CliTest, EveryVerbHasHelp) {
  testing::TempDir dir;
  for (const char* verb : {"put", "get", "update", "delete", "relate", "unrelate", "related",
                           "traverse", "path", "find", "sql", "import", "export", "index add",
                           "index drop", "index list", "stats", "optimize", "demo", "serve",
                           "flush", "snapshots", "compact", "expire-snapshots",
                           "remove-orphans"}) {
    RunResult run = RunShell(Bin() + " " + verb + " --help", dir.path(), dir.File("data"));
    EXPECT_EQ(run.exit_code, 0) << verb;
    EXPECT_NE(run.output.find("--data"), std::string::npos) << verb << "\n" << run.output;
    EXPECT_NE(run.output.find("--ns"), std::string::npos) << verb;
  }
}

TEST(CliTest, ImportIsAllOrNothingPerBatchAndExportRoundTrips) {
  testing::TempDir dir;
  {
    std::ofstream out(dir.File("in.ndjson"));
    for (int idx = 0; idx < 25; ++idx) {
      out << "{\"id\":\"t" << idx << "\",\"type\":\"item\",\"data\":{\"n\":" << idx
          << "},\"embedding\":[" << idx << ".5]}\n";
    }
    out << "\n{\"fromId\":\"t1\",\"toId\":\"t2\",\"type\":\"next\",\"data\":{\"w\":1}}\n";
  }
  RunResult run = RunShell(Bin() + " import in.ndjson --batch 10", dir.path(), dir.File("data"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output.rfind("{\"things\":25,\"relationships\":1,", 0), 0u) << run.output;
  run = RunShell(Bin() + " export --out out.ndjson", dir.path(), dir.File("data"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  run = RunShell(Bin() + " --ns copy import out.ndjson --quiet", dir.path(), dir.File("data"));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  RunResult a = RunShell(Bin() + " export", dir.path(), dir.File("data"));
  RunResult b = RunShell(Bin() + " --ns copy export", dir.path(), dir.File("data"));
  EXPECT_EQ(a.output, b.output);
  EXPECT_EQ(Lines(a.output).size(), 26u);

  {  // the third batch holds a duplicate id at line 23: batches 1 and 2 land, 3 does not
    std::ofstream out(dir.File("bad.ndjson"));
    for (int idx = 0; idx < 30; ++idx) {
      out << "{\"id\":\"" << (idx == 22 ? std::string("b0") : "b" + std::to_string(idx))
          << "\",\"type\":\"x\",\"data\":{}}\n";
    }
  }
  run = RunShell(Bin() + " --ns bad import bad.ndjson --batch 10", dir.path(), dir.File("data"));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.output.find("line 23: thing 'b0' already exists"), std::string::npos) << run.output;
  run = RunShell(Bin() + " --ns bad sql 'SELECT count(*) AS n FROM things'", dir.path(),
                 dir.File("data"));
  EXPECT_EQ(run.output, "{\"n\":20}\n");
  std::ofstream(dir.File("typo.ndjson")) << "{\"type\":\"x\",\"dta\":{}}\n";
  run = RunShell(Bin() + " import typo.ndjson", dir.path(), dir.File("data"));
  EXPECT_NE(run.output.find("line 1: unknown field \"dta\" in a thing"), std::string::npos)
      << run.output;
}

// A `thingsdb serve` started in the background by `command` (which must print its pid: end
// it with `& echo $!`), its stderr in `log`.
struct ServeProcess {
  int pid = 0;
  int port = 0;
  std::string log_text;

  // Starts it and waits (10 s at most) until the log names the port.
  static ServeProcess Start(const std::string& command, const std::string& log) {
    ServeProcess serve;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return serve;
    if (fscanf(pipe, "%d", &serve.pid) != 1) serve.pid = 0;
    pclose(pipe);
    for (int attempt = 0; attempt < 200 && serve.port == 0; ++attempt) {
      std::ifstream in(log);
      serve.log_text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      size_t at = serve.log_text.find("\"port\":");
      if (at != std::string::npos) serve.port = std::atoi(serve.log_text.c_str() + at + 7);
      if (serve.port == 0) usleep(50000);
    }
    return serve;
  }
  // SIGTERM, then waits (10 s at most) for the process to exit; true if it did.
  bool Stop() const {
    if (pid <= 0 || kill(pid, SIGTERM) != 0) return false;
    for (int attempt = 0; attempt < 200; ++attempt) {
      if (kill(pid, 0) != 0) return true;
      usleep(50000);
    }
    return false;
  }
};

// `thingsdb serve` over a real socket: listens on a free port, answers with the admin token,
// and exits 0 on SIGTERM after draining.
TEST(CliTest, ServeAnswersOverHttpAndStopsOnSigterm) {
  testing::TempDir dir;
  std::string log = dir.File("serve.log");
  ServeProcess serve = ServeProcess::Start(
      "THINGSDB_DATA='" + dir.File("data") + "' " + Bin() +
          " serve --port 0 --token secret-token --quiet 2>'" + log + "' & echo $!",
      log);
  int port = serve.port;
  ASSERT_GT(port, 0) << "serve did not report its port";
  std::string base = "curl -s -o - -w ' %{http_code}' -H 'Authorization: Bearer secret-token' "
                     "http://127.0.0.1:" + std::to_string(port);
  RunResult put = RunShell(base + "/v1/namespaces/web/things -d '{\"type\":\"user\",\"id\":\"u1\","
                           "\"data\":{\"name\":\"Ada\"}}'", dir.path(), dir.File("data"));
  EXPECT_NE(put.output.find(" 201"), std::string::npos) << put.output;
  RunResult get = RunShell(base + "/v1/namespaces/web/things/u1", dir.path(), dir.File("data"));
  EXPECT_NE(get.output.find("\"name\":\"Ada\""), std::string::npos) << get.output;
  RunResult denied = RunShell("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:" +
                                  std::to_string(port) + "/v1/namespaces/web/things/u1",
                              dir.path(), dir.File("data"));
  EXPECT_EQ(denied.output, "401");
  EXPECT_TRUE(serve.Stop()) << "serve did not stop on SIGTERM";
  // The write survived the shutdown.
  RunResult after = RunShell(Bin() + " --ns web get u1", dir.path(), dir.File("data"));
  EXPECT_NE(after.output.find("\"name\":\"Ada\""), std::string::npos) << after.output;
}

// The README's main job: `thingsdb serve` on the embedded defaults (./thingsdb-data, its
// warehouse, a generated admin token printed once), then every curl command of the README's
// ```sh blocks against it, with that token (the README's port 8080 becomes a free one).
TEST(CliTest, ServeOnTheDefaultsAnswersTheReadmeCurlCommands) {
  testing::TempDir dir;
  std::string log = dir.File("serve.log");
  // exec: the background job's pid is the server's own.
  ServeProcess serve = ServeProcess::Start(
      "(cd '" + dir.path() + "' && exec env -u THINGSDB_DATA -u THINGSDB_TOKEN " + Bin() +
          " serve --port 0 --quiet) 2>'" + log + "' & echo $!",
      log);
  int port = serve.port;
  std::string token;
  const std::string token_label = "admin token (generated, shown once): ";
  size_t label = serve.log_text.find(token_label);
  if (label != std::string::npos) {
    size_t start = label + token_label.size();
    token = serve.log_text.substr(start, serve.log_text.find('\n', start) - start);
  }
  ASSERT_GT(port, 0) << "serve did not report its port";
  ASSERT_EQ(token.size(), 64u) << "no generated admin token on stderr";

  std::ifstream readme(std::string(std::getenv("THINGSDB_SOURCE_DIR")) + "/README.md");
  std::vector<std::string> commands;
  bool in_sh = false;
  std::string pending;
  for (std::string line; std::getline(readme, line);) {
    if (line == "```sh") {
      in_sh = true;
      continue;
    }
    if (line == "```") in_sh = false;
    if (!in_sh) continue;
    pending += line;
    if (!pending.empty() && pending.back() == '\\') {
      pending.pop_back();
      continue;
    }
    if (pending.rfind("curl ", 0) == 0 && pending.find("127.0.0.1:8080") != std::string::npos) {
      commands.push_back(pending);
    }
    pending.clear();
  }
  ASSERT_GE(commands.size(), 4u) << "README curl examples not found";
  auto replace_all = [](std::string text, const std::string& from, const std::string& to) {
    for (size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) {
      text.replace(pos, from.size(), to);
    }
    return text;
  };
  for (std::string command : commands) {
    command = replace_all(command, "127.0.0.1:8080", "127.0.0.1:" + std::to_string(port));
    command = replace_all(command, "$TOKEN", token);
    command = replace_all(command, "s3cret", token);
    command = command.substr(0, command.find(" #"));  // a trailing comment
    RunResult run = RunShell(command + " -w ' %{http_code}'", dir.path(), dir.File("unused"));
    EXPECT_EQ(run.exit_code, 0) << command;
    EXPECT_TRUE(run.output.size() > 4 && run.output.compare(run.output.size() - 4, 2, " 2") == 0)
        << command << " -> " << run.output;
    EXPECT_EQ(run.output.find("\"error\""), std::string::npos) << command << " -> " << run.output;
  }
  // The embedded defaults, relative to where the server was started.
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/thingsdb-data/web/hot.db"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/thingsdb-data/warehouse/web"));
  EXPECT_TRUE(serve.Stop()) << "serve did not stop on SIGTERM";
}

// `thingsdb iceberg` on the Spark-written fixture tables (../shared/interop/README.md).
TEST(CliTest, IcebergCommandsReadForeignTablesWithDeletes) {
  std::string root = std::string(std::getenv("THINGSDB_SOURCE_DIR")) + "/../shared/interop/iceberg-spark";
  if (!std::filesystem::exists(root)) GTEST_SKIP() << "no fixtures at " << root;
  testing::TempDir dir;
  std::string table = "data/persistent/equality_deletes/warehouse/mydb/mytable";
  RunResult cat = RunShell(Bin() + " iceberg cat " + table + " --root '" + root + "' | sort",
                           dir.path(), dir.File("data"));
  EXPECT_EQ(cat.output,
            "{\"id\":4,\"name\":\"d\",\"bir\":\"2025-01-04\"}\n"
            "{\"id\":5,\"name\":\"e\",\"bir\":\"2025-01-05\"}\n");
  RunResult snapshots = RunShell(Bin() + " iceberg snapshots " + table + " --root '" + root + "'",
                                 dir.path(), dir.File("data"));
  EXPECT_EQ(Lines(snapshots.output).size(), 6u) << snapshots.output;
  RunResult first = RunShell(Bin() + " iceberg cat " + table + " --root '" + root +
                                 "' --snapshot 853766660775201079 | wc -l",
                             dir.path(), dir.File("data"));
  EXPECT_EQ(first.output, "4\n");
  RunResult missing = RunShell(Bin() + " iceberg cat " + table + " --root '" + root +
                                   "' --snapshot 7342794868382145167",
                               dir.path(), dir.File("data"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("NotFound: snapshot 7342794868382145167: manifest list"),
            std::string::npos) << missing.output;
  RunResult absent = RunShell(Bin() + " iceberg files no/such/table", dir.path(), dir.File("data"));
  EXPECT_EQ(absent.output, "thingsdb iceberg files: NotFound: no table directory 'no/such/table'\n");
  EXPECT_FALSE(std::filesystem::exists(dir.File("no")));
}

TEST(CliTest, DemoRunsAndIsRepeatable) {
  testing::TempDir dir;
  for (int round = 0; round < 2; ++round) {
    RunResult run = RunShell(Bin() + " demo", dir.path(), dir.File("data"));
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("USING INDEX idx_json_email"), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("4000 things, 13000 relationships"), std::string::npos);
  }
}

}  // namespace
}  // namespace thingsdb
