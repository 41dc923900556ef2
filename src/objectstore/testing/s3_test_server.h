// S3TestServer: a moto or s3rver child process on a free loopback port, with a bucket and a
// key pair ready, for tests of any module that talks S3. The child runs in its own process group
// and dies with its parent (PR_SET_PDEATHSIG); the destructor kills it. Start* returns
// NotSupported when the server is not installed: tests then GTEST_SKIP() with its message.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "objectstore/s3_store.h"

namespace thingsdb {

class S3TestServer {
 public:
  enum class Kind { kMoto, kS3rver };

  // moto (moto.server, through a wrapper that makes it check SigV4 on the raw request target,
  // see s3_test_server.cc) with SigV4 enforced: an IAM user, its access key with an
  // allow-all policy and the bucket are made with boto3; every later request must be signed.
  static Result<std::unique_ptr<S3TestServer>> StartMoto();
  // s3rver from $THINGSDB_SOURCE_DIR/tests/interop/node_modules (key pair S3RVER/S3RVER).
  // It checks no signature, ignores If-None-Match, gets suffix ranges wrong, breaks a ranged
  // GET of an empty object and replaces objects in place (PEERS.md, docs/object_store.md).
  static Result<std::unique_ptr<S3TestServer>> StartS3rver();

  // One server of each kind per test process, started on first use and killed at exit;
  // a failure to start is remembered. Never delete the returned pointer. Call these (and
  // Start*) from the main test thread: the child dies when the thread that started it exits.
  static Result<S3TestServer*> SharedMoto();
  static Result<S3TestServer*> SharedS3rver();

  ~S3TestServer();
  S3TestServer(const S3TestServer&) = delete;
  S3TestServer& operator=(const S3TestServer&) = delete;

  Kind kind() const { return kind_; }
  const std::string& endpoint() const { return endpoint_; }  // "http://127.0.0.1:PORT"
  const std::string& bucket() const { return bucket_; }
  const std::string& region() const { return region_; }
  const AwsCredentials& credentials() const { return credentials_; }
  pid_t pid() const { return pid_; }
  // If-None-Match: * honoured (moto) or not (s3rver).
  bool supports_conditional_writes() const { return kind_ == Kind::kMoto; }

  // Options for an S3Store on this server's bucket under `prefix` ("" or ending in '/'),
  // path-style, with a fallback put-if-absent where the server needs one and short timeouts.
  S3Options MakeOptions(std::string prefix = "") const;

  // A prefix no other caller in this process gets ("<tag>-<n>/"), so tests sharing one server
  // never see each other's objects.
  static std::string NewPrefix(std::string_view tag);

  // Kills the server now (SIGKILL to its process group) and reaps it. Idempotent.
  void Kill();

 private:
  static Result<std::unique_ptr<S3TestServer>> StartMotoOnce();
  static Result<std::unique_ptr<S3TestServer>> StartS3rverOnce();
  S3TestServer(Kind kind, pid_t pid, std::string data_dir)
      : kind_(kind), pid_(pid), data_dir_(std::move(data_dir)) {}

  Kind kind_;
  pid_t pid_;
  std::string data_dir_;  // scratch directory (logs, s3rver's objects), removed at the end
  std::string endpoint_;
  std::string bucket_ = "thingsdb-test";
  std::string region_ = "us-east-1";
  AwsCredentials credentials_;
};

// A free TCP port on 127.0.0.1 (bound to port 0, then released).
Result<int> PickFreeLoopbackPort();

}  // namespace thingsdb
