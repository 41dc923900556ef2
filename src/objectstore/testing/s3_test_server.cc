#include "objectstore/testing/s3_test_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

extern char** environ;

namespace thingsdb {
namespace {

using Clock = std::chrono::steady_clock;

// Creates the boto3 setup of a moto server: IAM user, access key, allow-all policy, bucket.
// Prints "ACCESS_KEY_ID SECRET_ACCESS_KEY".
constexpr char kMotoSetupScript[] = R"PY(
import json, sys
import boto3
endpoint, bucket, region = sys.argv[1], sys.argv[2], sys.argv[3]
boot = dict(endpoint_url=endpoint, region_name=region,
            aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam = boto3.client("iam", **boot)
iam.create_user(UserName="thingsdb-test")
key = iam.create_access_key(UserName="thingsdb-test")["AccessKey"]
iam.put_user_policy(UserName="thingsdb-test", PolicyName="allow-all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17",
     "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region,
                  aws_access_key_id=key["AccessKeyId"],
                  aws_secret_access_key=key["SecretAccessKey"])
s3.create_bucket(Bucket=bucket)
print(key["AccessKeyId"], key["SecretAccessKey"])
)PY";

// Runs moto's server with one correction: moto 5.2 checks SigV4 against werkzeug's re-quoted
// URL (it decodes %2F, %2A, UTF-8 ... in the query and '+', '=', '&' ... in the path), so even
// boto3's correct signatures fail for such keys and for any List prefix containing '/'. The
// wrapper hands moto's checker the raw request target (RAW_URI) instead: signatures are then
// checked exactly as AWS checks them. Arguments are moto.server's.
constexpr char kMotoServerScript[] = R"PY(
import sys
from moto.core import authorization, responses

_setup_class = responses.BaseResponse.setup_class
def _setup_class_keeping_raw_uri(self, request, full_url, headers, *args, **kwargs):
    environ = getattr(request, "environ", None) or {}
    self._thingsdb_raw_uri = environ.get("RAW_URI")
    return _setup_class(self, request, full_url, headers, *args, **kwargs)
responses.BaseResponse.setup_class = _setup_class_keeping_raw_uri

_authenticate = authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action
def _authenticate_raw(self, iam_request_cls, resource="*"):
    raw = getattr(self, "_thingsdb_raw_uri", None)
    if not raw:
        return _authenticate(self, iam_request_cls, resource)
    saved = self.uri
    self.uri = "http://raw" + (raw if raw.startswith("/") else "/" + raw)
    try:
        return _authenticate(self, iam_request_cls, resource)
    finally:
        self.uri = saved
authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_raw

from moto.server import main
main(sys.argv[1:])
)PY";

// The full path of `program` on PATH, or "" when it is not there.
std::string FindOnPath(const std::string& program) {
  const char* env_path = std::getenv("PATH");
  std::stringstream dirs(env_path != nullptr ? env_path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = dir + "/" + program;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

bool OnPath(const std::string& program) { return !FindOnPath(program).empty(); }

Result<std::string> MakeTempDir(std::string_view tag) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / fmt::format("thingsdb_{}_XXXXXX", tag)).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Status::IOError(fmt::format("mkdtemp {}: {}", pattern, std::strerror(errno)));
  }
  return pattern;
}

std::string Tail(const std::string& path, size_t max_bytes = 1500) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > max_bytes ? text.substr(text.size() - max_bytes) : text;
}

// Starts argv[0] (looked up on PATH before the fork) in a new process group that dies with this thread, with
// `extra_env` added, stdout+stderr to `log_path` and stdin from /dev/null. Returns its pid.
Result<pid_t> Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                    const std::string& log_path, int stdout_fd = -1) {
  std::string program = FindOnPath(argv[0]);
  if (program.empty()) return Status::NotSupported(fmt::format("'{}' is not on PATH", argv[0]));
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_storage(extra_env);
  for (char** entry = environ; *entry != nullptr; ++entry) env_storage.emplace_back(*entry);
  std::vector<char*> env;
  for (auto& entry : env_storage) env.push_back(entry.data());
  env.push_back(nullptr);

  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    return Status::IOError(fmt::format("open {}: {}", log_path, std::strerror(errno)));
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return Status::IOError(fmt::format("fork: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(stdout_fd >= 0 ? stdout_fd : log_fd, 1);
    ::dup2(log_fd, 2);
    ::execve(program.c_str(), args.data(), env.data());
    ::_exit(127);
  }
  ::close(log_fd);
  ::setpgid(pid, pid);  // also from the parent, so a kill right away reaches the group
  return pid;
}

void KillGroup(pid_t pid) {
  if (pid <= 0) return;
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

// Runs a short-lived command to completion and returns its stdout.
Result<std::string> RunAndCapture(const std::vector<std::string>& argv, const std::string& log_path,
                                  std::chrono::seconds timeout) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::IOError("pipe2 failed");
  Result<pid_t> pid = Spawn(argv, {}, log_path, fds[1]);
  ::close(fds[1]);
  if (!pid.ok()) {
    ::close(fds[0]);
    return pid.status();
  }
  std::string out;
  auto deadline = Clock::now() + timeout;
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  while (Clock::now() < deadline) {
    char buffer[4096];
    ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
    if (n > 0) {
      out.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::close(fds[0]);
  int status = 0;
  pid_t done = 0;
  while (Clock::now() < deadline && (done = ::waitpid(*pid, &status, WNOHANG)) == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (done != *pid) {
    KillGroup(*pid);
    return Status::IOError(
        fmt::format("'{}' did not finish in {} s: {}", argv[0], timeout.count(), Tail(log_path)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::IOError(fmt::format("'{}' failed: {}", argv[0], Tail(log_path)));
  }
  return out;
}

bool CanConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// Waits until the child accepts TCP connections on `port`; fails when it exits first.
Status WaitUntilListening(pid_t pid, int port, const std::string& what, const std::string& log_path,
                          std::string_view missing_marker) {
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    if (CanConnect(port)) return Status::OK();
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      std::string log = Tail(log_path);
      if (log.find(missing_marker) != std::string::npos ||
          (WIFEXITED(status) && WEXITSTATUS(status) == 127)) {
        return Status::NotSupported(fmt::format("{} not installed", what));
      }
      return Status::IOError(fmt::format("{} exited before listening: {}", what, log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return Status::IOError(
      fmt::format("{} did not listen on port {} within 30 s: {}", what, port, Tail(log_path)));
}

}  // namespace

Result<int> PickFreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError(fmt::format("socket: {}", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    ::close(fd);
    return Status::IOError(fmt::format("bind 127.0.0.1:0: {}", std::strerror(errno)));
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

Result<std::unique_ptr<S3TestServer>> S3TestServer::StartMotoOnce() {
  if (!OnPath("python3")) return Status::NotSupported("moto server not installed (no python3)");
  ASSIGN_OR_RETURN(std::string dir, MakeTempDir("moto"));
  std::unique_ptr<S3TestServer> server(new S3TestServer(Kind::kMoto, 0, dir));  // owns `dir`
  ASSIGN_OR_RETURN(int port, PickFreeLoopbackPort());
  std::string log = dir + "/moto.log";
  // Four unsigned actions for the setup below (user, key, policy, bucket); then SigV4 only.
  ASSIGN_OR_RETURN(server->pid_, Spawn({"python3", "-c", kMotoServerScript, "-H", "127.0.0.1", "-p",
                                        std::to_string(port)},
                                       {"INITIAL_NO_AUTH_ACTION_COUNT=4"}, log));
  server->endpoint_ = fmt::format("http://127.0.0.1:{}", port);
  RETURN_IF_ERROR(WaitUntilListening(server->pid_, port, "moto server", log, "No module named"));
  Result<std::string> keys = RunAndCapture(
      {"python3", "-c", kMotoSetupScript, server->endpoint_, server->bucket_, server->region_},
      dir + "/setup.log", std::chrono::seconds(60));
  if (!keys.ok()) {
    if (Tail(dir + "/setup.log").find("No module named 'boto3'") != std::string::npos) {
      return Status::NotSupported("moto server not installed (boto3 missing)");
    }
    return keys.status().WithContext("moto setup");
  }
  std::istringstream words(*keys);
  words >> server->credentials_.access_key_id >> server->credentials_.secret_access_key;
  if (server->credentials_.secret_access_key.empty()) {
    return Status::IOError(fmt::format("moto setup printed no key pair: '{}'", *keys));
  }
  return server;
}

Result<std::unique_ptr<S3TestServer>> S3TestServer::StartS3rverOnce() {
  const char* source_dir = std::getenv("THINGSDB_SOURCE_DIR");
  std::string modules = std::string(source_dir ? source_dir : THINGSDB_DEFAULT_SOURCE_DIR) +
                        "/tests/interop/node_modules";
  std::string bin = modules + "/s3rver/bin/s3rver.js";
  if (!OnPath("node") || ::access(bin.c_str(), R_OK) != 0) {
    return Status::NotSupported(fmt::format("s3rver not installed (no node or no {})", bin));
  }
  ASSIGN_OR_RETURN(std::string dir, MakeTempDir("s3rver"));
  std::unique_ptr<S3TestServer> server(new S3TestServer(Kind::kS3rver, 0, dir));  // owns `dir`
  ASSIGN_OR_RETURN(int port, PickFreeLoopbackPort());
  std::string log = dir + "/s3rver.log";
  ASSIGN_OR_RETURN(server->pid_,
                   Spawn({"node", bin, "-d", dir + "/data", "-a", "127.0.0.1", "-p",
                          std::to_string(port), "-s", "--configure-bucket", server->bucket_},
                         {}, log));
  server->endpoint_ = fmt::format("http://127.0.0.1:{}", port);
  server->credentials_ = {"S3RVER", "S3RVER", ""};
  RETURN_IF_ERROR(WaitUntilListening(server->pid_, port, "s3rver", log, "Cannot find module"));
  return server;
}

namespace {

// The free port can be taken between PickFreeLoopbackPort() and the child's bind: try again.
template <typename Start>
Result<std::unique_ptr<S3TestServer>> WithPortRetries(Start start) {
  for (int attempt = 1;; ++attempt) {
    auto server = start();
    if (server.ok() || attempt == 3 ||
        server.status().message().find("in use") == std::string::npos) {
      return server;
    }
  }
}

}  // namespace

Result<std::unique_ptr<S3TestServer>> S3TestServer::StartMoto() {
  return WithPortRetries([] { return StartMotoOnce(); });
}

Result<std::unique_ptr<S3TestServer>> S3TestServer::StartS3rver() {
  return WithPortRetries([] { return StartS3rverOnce(); });
}

namespace {

template <typename Start>
Result<S3TestServer*> Shared(Start start) {
  struct Slot {
    std::mutex mu;
    bool started = false;
    Status failure;
    std::unique_ptr<S3TestServer> server;
  };
  static Slot slot;  // destroyed at exit: the destructor kills the server
  std::lock_guard lock(slot.mu);
  if (!slot.started) {
    slot.started = true;
    auto server = start();
    if (server.ok()) {
      slot.server = std::move(server).value();
    } else {
      slot.failure = server.status();
    }
  }
  if (!slot.failure.ok()) return slot.failure;
  return slot.server.get();
}

}  // namespace

Result<S3TestServer*> S3TestServer::SharedMoto() {
  return Shared([] { return StartMoto(); });
}
Result<S3TestServer*> S3TestServer::SharedS3rver() {
  return Shared([] { return StartS3rver(); });
}

S3TestServer::~S3TestServer() {
  Kill();
  std::error_code ignored;
  if (!data_dir_.empty()) std::filesystem::remove_all(data_dir_, ignored);
}

void S3TestServer::Kill() {
  KillGroup(pid_);
  pid_ = 0;
}

std::string S3TestServer::NewPrefix(std::string_view tag) {
  static std::atomic<int> counter{0};
  return fmt::format("{}-{}/", tag, counter++);
}

S3Options S3TestServer::MakeOptions(std::string prefix) const {
  S3Options options;
  options.endpoint = endpoint_;
  options.region = region_;
  options.bucket = bucket_;
  options.prefix = std::move(prefix);
  options.credentials = credentials_;
  options.addressing = S3Addressing::kPath;
  options.put_if_absent = supports_conditional_writes() ? S3PutIfAbsentMode::kConditional
                                                        : S3PutIfAbsentMode::kHeadThenPut;
  options.connect_timeout = std::chrono::seconds(5);
  options.request_timeout = std::chrono::seconds(30);
  options.retry_base_delay = std::chrono::milliseconds(20);
  return options;
}

}  // namespace thingsdb
