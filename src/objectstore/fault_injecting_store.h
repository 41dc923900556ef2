// FaultInjectingStore: wraps any store and fails chosen calls, for crash tests of the layers
// above (SQLite's test_vfs.c, LevelDB's SpecialEnv). Per operation: fail the Nth call once, or
// every call from the Nth on; write a truncated object and fail (a short write); add latency.
// Counts calls per operation. Thread-safe; N counts calls since construction or ResetCounters().
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

#include "objectstore/forwarding_store.h"

namespace thingsdb {

enum class ObjectStoreOp {
  kGet,
  kPut,
  kPutIfAbsent,
  kDelete,
  kList,
  kHead,
  kAnyWrite,  // Put, PutIfAbsent and Delete counted together (a crash between any two writes)
  kAny,       // every call
};
inline constexpr size_t kObjectStoreOpCount = 8;

std::string_view ObjectStoreOpName(ObjectStoreOp op);

class FaultInjectingStore : public ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

  // The `nth` call (1-based) of `op` fails with `error` once; later calls pass.
  void FailNth(ObjectStoreOp op, uint64_t nth, Status error = DefaultError());
  // Every call of `op` from the `nth` on fails with `error` (a store that "crashed").
  void FailFrom(ObjectStoreOp op, uint64_t nth, Status error = DefaultError());
  // The `nth` Put or PutIfAbsent (op kPut, kPutIfAbsent or kAnyWrite) stores only the first
  // `keep_fraction` of the bytes through the target, then fails with an IOError.
  void ShortWriteNth(ObjectStoreOp op, uint64_t nth, double keep_fraction = 0.5);
  // Sleeps `delay` before each call of `op` (kAny: every call).
  void SetLatency(ObjectStoreOp op, std::chrono::microseconds delay);
  // Removes every fault and latency; counters keep running.
  void ClearFaults();
  void ResetCounters();

  uint64_t Calls(ObjectStoreOp op) const;
  uint64_t InjectedFailures(ObjectStoreOp op) const;

  static Status DefaultError() { return Status::IOError("injected fault"); }

  Result<std::string> Get(std::string_view key,
                          std::optional<ByteRange> range = std::nullopt) override;
  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Status Delete(std::string_view key) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Result<ObjectInfo> Head(std::string_view key) override;

 private:
  struct Fault {
    enum class Mode { kOnce, kFrom, kShortWrite };
    Mode mode = Mode::kOnce;
    uint64_t nth = 0;
    Status error;
    double keep_fraction = 0.5;
    bool fired = false;
  };
  struct Decision {
    std::optional<Status> error;          // fail with this
    std::optional<double> keep_fraction;  // short write: store this much, then fail
  };

  // Counts the call (under op, kAny and kAnyWrite as applicable), applies latency and
  // returns what the call must do.
  Decision Enter(ObjectStoreOp op, std::string_view key);
  Status Write(ObjectStoreOp op, std::string_view key, std::string_view data);

  mutable std::mutex mu_;
  std::array<uint64_t, kObjectStoreOpCount> calls_{};
  std::array<uint64_t, kObjectStoreOpCount> failures_{};
  std::array<std::optional<Fault>, kObjectStoreOpCount> faults_{};
  std::array<std::chrono::microseconds, kObjectStoreOpCount> latency_{};
};

}  // namespace thingsdb
