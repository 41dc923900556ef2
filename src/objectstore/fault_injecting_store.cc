#include "objectstore/fault_injecting_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace thingsdb {
namespace {

size_t Index(ObjectStoreOp op) { return static_cast<size_t>(op); }

bool IsWrite(ObjectStoreOp op) {
  return op == ObjectStoreOp::kPut || op == ObjectStoreOp::kPutIfAbsent ||
         op == ObjectStoreOp::kDelete;
}

}  // namespace

std::string_view ObjectStoreOpName(ObjectStoreOp op) {
  switch (op) {
    case ObjectStoreOp::kGet:
      return "Get";
    case ObjectStoreOp::kPut:
      return "Put";
    case ObjectStoreOp::kPutIfAbsent:
      return "PutIfAbsent";
    case ObjectStoreOp::kDelete:
      return "Delete";
    case ObjectStoreOp::kList:
      return "List";
    case ObjectStoreOp::kHead:
      return "Head";
    case ObjectStoreOp::kAnyWrite:
      return "AnyWrite";
    case ObjectStoreOp::kAny:
      return "Any";
  }
  return "Unknown";
}

void FaultInjectingStore::FailNth(ObjectStoreOp op, uint64_t nth, Status error) {
  std::lock_guard lock(mu_);
  faults_[Index(op)] = Fault{Fault::Mode::kOnce, nth, std::move(error), 0, false};
}

void FaultInjectingStore::FailFrom(ObjectStoreOp op, uint64_t nth, Status error) {
  std::lock_guard lock(mu_);
  faults_[Index(op)] = Fault{Fault::Mode::kFrom, nth, std::move(error), 0, false};
}

void FaultInjectingStore::ShortWriteNth(ObjectStoreOp op, uint64_t nth, double keep_fraction) {
  std::lock_guard lock(mu_);
  faults_[Index(op)] = Fault{Fault::Mode::kShortWrite, nth, DefaultError(), keep_fraction, false};
}

void FaultInjectingStore::SetLatency(ObjectStoreOp op, std::chrono::microseconds delay) {
  std::lock_guard lock(mu_);
  latency_[Index(op)] = delay;
}

void FaultInjectingStore::ClearFaults() {
  std::lock_guard lock(mu_);
  faults_.fill(std::nullopt);
  latency_.fill(std::chrono::microseconds(0));
}

void FaultInjectingStore::ResetCounters() {
  std::lock_guard lock(mu_);
  calls_.fill(0);
  failures_.fill(0);
}

uint64_t FaultInjectingStore::Calls(ObjectStoreOp op) const {
  std::lock_guard lock(mu_);
  return calls_[Index(op)];
}

uint64_t FaultInjectingStore::InjectedFailures(ObjectStoreOp op) const {
  std::lock_guard lock(mu_);
  return failures_[Index(op)];
}

FaultInjectingStore::Decision FaultInjectingStore::Enter(ObjectStoreOp op, std::string_view key) {
  Decision decision;
  std::chrono::microseconds delay(0);
  {
    std::lock_guard lock(mu_);
    std::array<ObjectStoreOp, 3> counted = {op, ObjectStoreOp::kAny, ObjectStoreOp::kAnyWrite};
    size_t count = IsWrite(op) ? 3 : 2;
    for (size_t i = 0; i < count; ++i) {
      size_t idx = Index(counted[i]);
      uint64_t n = ++calls_[idx];
      delay = std::max(delay, latency_[idx]);
      std::optional<Fault>& fault = faults_[idx];
      if (!fault || decision.error || decision.keep_fraction) continue;
      bool hit =
          fault->mode == Fault::Mode::kFrom ? n >= fault->nth : (n == fault->nth && !fault->fired);
      if (!hit) continue;
      fault->fired = true;
      ++failures_[idx];
      if (fault->mode != Fault::Mode::kShortWrite) {
        decision.error =
            fault->error.WithContext(fmt::format("{} '{}' (call {} of {})", ObjectStoreOpName(op),
                                                 key, n, ObjectStoreOpName(counted[i])));
      } else if (op == ObjectStoreOp::kPut || op == ObjectStoreOp::kPutIfAbsent) {
        decision.keep_fraction = fault->keep_fraction;
      }
    }
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  return decision;
}

Result<std::string> FaultInjectingStore::Get(std::string_view key, std::optional<ByteRange> range) {
  Decision decision = Enter(ObjectStoreOp::kGet, key);
  if (decision.error) return *decision.error;
  return ForwardingStore::Get(key, range);
}

Status FaultInjectingStore::Write(ObjectStoreOp op, std::string_view key, std::string_view data) {
  Decision decision = Enter(op, key);
  if (decision.error) return *decision.error;
  bool if_absent = op == ObjectStoreOp::kPutIfAbsent;
  if (decision.keep_fraction) {
    double fraction = std::clamp(*decision.keep_fraction, 0.0, 1.0);
    auto keep = static_cast<size_t>(static_cast<double>(data.size()) * fraction);
    if (keep == data.size() && keep > 0) --keep;  // a short write is short
    std::string_view head = data.substr(0, keep);
    Status st =
        if_absent ? ForwardingStore::PutIfAbsent(key, head) : ForwardingStore::Put(key, head);
    RETURN_IF_ERROR(st);
    return Status::IOError(fmt::format("{} '{}': injected short write ({} of {} bytes stored)",
                                       ObjectStoreOpName(op), key, keep, data.size()));
  }
  return if_absent ? ForwardingStore::PutIfAbsent(key, data) : ForwardingStore::Put(key, data);
}

Status FaultInjectingStore::Put(std::string_view key, std::string_view data) {
  return Write(ObjectStoreOp::kPut, key, data);
}

Status FaultInjectingStore::PutIfAbsent(std::string_view key, std::string_view data) {
  return Write(ObjectStoreOp::kPutIfAbsent, key, data);
}

Status FaultInjectingStore::Delete(std::string_view key) {
  Decision decision = Enter(ObjectStoreOp::kDelete, key);
  if (decision.error) return *decision.error;
  return ForwardingStore::Delete(key);
}

Result<std::vector<ObjectInfo>> FaultInjectingStore::List(std::string_view prefix) {
  Decision decision = Enter(ObjectStoreOp::kList, prefix);
  if (decision.error) return *decision.error;
  return ForwardingStore::List(prefix);
}

Result<ObjectInfo> FaultInjectingStore::Head(std::string_view key) {
  Decision decision = Enter(ObjectStoreOp::kHead, key);
  if (decision.error) return *decision.error;
  return ForwardingStore::Head(key);
}

}  // namespace thingsdb
