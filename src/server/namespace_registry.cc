#include "server/namespace_registry.h"

#include <fmt/format.h>

#include <filesystem>

namespace thingsdb::server {

Status ValidateNamespaceName(std::string_view ns) {
  if (ns.empty() || ns.size() > 64) {
    return Status::InvalidArgument(
        fmt::format("namespace must be 1 to 64 characters (got {})", ns.size()));
  }
  for (char c : ns) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) {
      return Status::InvalidArgument("namespace may hold only letters, digits, '_' and '-'");
    }
  }
  return Status::OK();
}

Namespace::Namespace(std::string name, std::unique_ptr<Store> store, int max_pending_writes)
    : name_(std::move(name)), store_(std::move(store)), max_pending_writes_(max_pending_writes) {}

Result<Namespace::WriteSlot> Namespace::AcquireWriteSlot() {
  int before = pending_.fetch_add(1);
  if (before >= max_pending_writes_) {
    pending_.fetch_sub(1);
    return Status::Busy(fmt::format("namespace '{}' has {} writes queued; retry later", name_,
                                    max_pending_writes_));
  }
  return WriteSlot(&pending_);
}

Result<hot::Stats> Namespace::CachedStats(std::chrono::milliseconds max_age) {
  std::lock_guard<std::mutex> lock(stats_mu_);
  auto now = std::chrono::steady_clock::now();
  if (stats_ && now - stats_time_ < max_age) return *stats_;
  ASSIGN_OR_RETURN(hot::Stats stats, store_->hot().GetStats());
  stats_ = stats;
  stats_time_ = now;
  return stats;
}

NamespaceRegistry::NamespaceRegistry(RegistryOptions options) : options_(std::move(options)) {
  idle_thread_ = std::thread([this] { IdleLoop(); });
}

NamespaceRegistry::~NamespaceRegistry() { CloseAll(); }

Result<std::shared_ptr<Namespace>> NamespaceRegistry::Acquire(std::string_view name) {
  RETURN_IF_ERROR(ValidateNamespaceName(name));
  std::string key(name);
  std::unique_lock<std::mutex> lock(mu_);
  // Another request may be opening this namespace: wait for it rather than open it twice.
  opened_cv_.wait(lock, [&] { return closed_ || !opening_.count(key); });
  if (closed_) return Status::Busy("the server is shutting down");
  auto now = std::chrono::steady_clock::now();
  auto it = open_.find(key);
  if (it != open_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru_pos);
    it->second.last_used = now;
    return it->second.ns;
  }
  while (open_.size() + opening_.size() >= options_.max_open) {
    if (!EvictOneLocked()) {
      return Status::Busy(fmt::format("{} namespaces are open and in use; retry later",
                                      open_.size() + opening_.size()));
    }
  }
  // Open without the lock (it costs milliseconds); opening_ keeps it one store per file.
  opening_.insert(key);
  lock.unlock();
  auto opened = OpenStore(key);
  lock.lock();
  opening_.erase(key);
  opened_cv_.notify_all();
  if (!opened.ok()) return opened.status();
  auto ns = std::make_shared<Namespace>(key, std::move(*opened), options_.max_pending_writes);
  if (closed_) return Status::Busy("the server is shutting down");
  lru_.push_front(key);
  open_.emplace(key, Entry{ns, lru_.begin(), now});
  return ns;
}

Result<std::unique_ptr<Namespace::Store>> NamespaceRegistry::OpenStore(const std::string& name) {
  // ThingsDB::Open creates <data>/<ns>/ and, on first use, the namespace's cold tables.
  engine::EngineOptions options;
  options.data_dir = options_.data_dir;
  options.ns = name;
  options.cold_uri = options_.cold_uri;
  options.flush_max_rows = options_.flush_max_rows;
  options.flush_max_age_ms = options_.flush_max_age_ms;
  options.flush_min_age_ms = options_.flush_min_age_ms;
  options.hot = options_.store_options;
  auto opened = Namespace::Store::Open(std::move(options));
  if (!opened.ok()) return opened.status().WithContext(fmt::format("opening namespace '{}'", name));
  return opened;
}

bool NamespaceRegistry::EvictOneLocked() {
  for (auto pos = lru_.rbegin(); pos != lru_.rend(); ++pos) {
    auto it = open_.find(*pos);
    // Under mu_ nobody can take a new reference, so a count of 1 stays 1.
    if (it->second.ns.use_count() == 1) {
      lru_.erase(it->second.lru_pos);
      open_.erase(it);
      return true;
    }
  }
  return false;
}

size_t NamespaceRegistry::CloseIdle() {
  // Stores close under the lock, so a namespace is never reopened while its old store is
  // still closing (the same holds for eviction in Acquire).
  std::lock_guard<std::mutex> lock(mu_);
  size_t closed = 0;
  auto cutoff = std::chrono::steady_clock::now() - options_.idle_close;
  for (auto it = open_.begin(); it != open_.end();) {
    if (it->second.last_used <= cutoff && it->second.ns.use_count() == 1) {
      lru_.erase(it->second.lru_pos);
      it = open_.erase(it);
      ++closed;
    } else {
      ++it;
    }
  }
  return closed;
}

void NamespaceRegistry::CloseAll() {
  std::unordered_map<std::string, Entry> closing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    closing.swap(open_);
    lru_.clear();
  }
  idle_cv_.notify_all();
  opened_cv_.notify_all();
  if (idle_thread_.joinable() && idle_thread_.get_id() != std::this_thread::get_id()) {
    idle_thread_.join();
  }
}

size_t NamespaceRegistry::OpenCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_.size();
}

std::vector<std::shared_ptr<Namespace>> NamespaceRegistry::OpenNamespaces() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<Namespace>> out;
  for (const std::string& name : lru_) out.push_back(open_.at(name).ns);
  return out;
}

void NamespaceRegistry::IdleLoop() {
  auto period = std::clamp(options_.idle_close / 4, std::chrono::milliseconds(10),
                           std::chrono::milliseconds(10000));
  std::unique_lock<std::mutex> lock(mu_);
  while (!closed_) {
    idle_cv_.wait_for(lock, period, [this] { return closed_; });
    if (closed_) break;
    lock.unlock();
    (void)CloseIdle();
    lock.lock();
  }
}

}  // namespace thingsdb::server
