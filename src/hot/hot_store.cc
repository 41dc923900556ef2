// Opening, connections, and the write path of things (HotStore, part 1 of 3).
#include "hot/hot_store.h"

#include <cmath>

#include <fmt/format.h>

#include "core/json.h"
#include "hot/schema.h"
#include "hot/store_internal.h"
#include "sqlite/database.h"

namespace thingsdb::hot {

using sqlite::Database;
using sqlite::Statement;
using sqlite::Transaction;

namespace {

// WriteBatch's bulk-load path applies from this many things (into an empty table).
constexpr size_t kBulkLoadThings = 1000;

constexpr const char* kInsertThing =
    "INSERT INTO things(id, type, data, embedding, created_at, updated_at) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?5)";

}  // namespace

Status ValidateNewThing(const NewThing& thing, const HotLimits& limits) {
  if (thing.id) RETURN_IF_ERROR(ValidateName(*thing.id, "id", limits.max_id_bytes));
  RETURN_IF_ERROR(ValidateName(thing.type, "type", limits.max_type_bytes));
  int64_t bytes = static_cast<int64_t>(thing.data.size() + thing.type.size() +
                                       (thing.id ? thing.id->size() : IdGenerator::kLength) +
                                       (thing.embedding ? thing.embedding->size() * 4 : 0) + 16);
  if (bytes > limits.max_row_bytes) {
    return Status::LimitExceeded(fmt::format("thing is {} bytes; the row limit is {} bytes", bytes,
                                             limits.max_row_bytes));
  }
  ASSIGN_OR_RETURN(JsonKind kind, ValidateJson(thing.data, "data"));
  if (kind != JsonKind::kObject) return Status::InvalidArgument("data must be a JSON object");
  if (thing.embedding) {
    for (size_t idx = 0; idx < thing.embedding->size(); ++idx) {
      if (!std::isfinite((*thing.embedding)[idx])) {
        return Status::InvalidArgument(
            fmt::format("embedding element {} is not a finite number", idx));
      }
    }
  }
  return Status::OK();
}

Status ValidateNewRelationship(const NewRelationship& rel, const HotLimits& limits) {
  RETURN_IF_ERROR(ValidateName(rel.from_id, "fromId", limits.max_id_bytes));
  RETURN_IF_ERROR(ValidateName(rel.to_id, "toId", limits.max_id_bytes));
  RETURN_IF_ERROR(ValidateName(rel.type, "relationship type", limits.max_type_bytes));
  if (rel.data) {
    int64_t bytes = static_cast<int64_t>(rel.data->size() + rel.from_id.size() +
                                         rel.to_id.size() + rel.type.size() + 32);
    if (bytes > limits.max_row_bytes) {
      return Status::LimitExceeded(fmt::format(
          "relationship is {} bytes; the row limit is {} bytes", bytes, limits.max_row_bytes));
    }
    ASSIGN_OR_RETURN(JsonKind kind, ValidateJson(*rel.data, "relationship data"));
    if (kind != JsonKind::kObject) {
      return Status::InvalidArgument("relationship data must be a JSON object");
    }
  }
  return Status::OK();
}

void ReadThingRowInto(const Statement& stmt, int first_col, Thing& thing) {
  thing.id.assign(stmt.ColumnText(first_col));
  thing.type.assign(stmt.ColumnText(first_col + 1));
  thing.data.assign(stmt.ColumnText(first_col + 2));
  thing.embedding.reset();
  if (!stmt.IsNull(first_col + 3)) {
    auto values = EmbeddingFromBlob(stmt.ColumnBlob(first_col + 3));
    if (values.ok()) thing.embedding = std::move(*values);
  }
  thing.created_at = stmt.ColumnInt(first_col + 4);
  thing.updated_at = stmt.ColumnInt(first_col + 5);
}

Thing ReadThingRow(const Statement& stmt, int first_col) {
  Thing thing;
  ReadThingRowInto(stmt, first_col, thing);
  return thing;
}

void ReadRelationshipRowInto(const Statement& stmt, int first_col, Relationship& rel) {
  rel.id.assign(stmt.ColumnText(first_col));
  rel.from_id.assign(stmt.ColumnText(first_col + 1));
  rel.to_id.assign(stmt.ColumnText(first_col + 2));
  rel.type.assign(stmt.ColumnText(first_col + 3));
  if (stmt.IsNull(first_col + 4)) {
    rel.data.reset();
  } else {
    rel.data.emplace(stmt.ColumnText(first_col + 4));
  }
  rel.created_at = stmt.ColumnInt(first_col + 5);
}

Relationship ReadRelationshipRow(const Statement& stmt, int first_col) {
  Relationship rel;
  ReadRelationshipRowInto(stmt, first_col, rel);
  return rel;
}

HotStore::ReaderLease::ReaderLease(HotStore* store, std::unique_ptr<Database> db)
    : store_(store), db_(std::move(db)) {}
HotStore::ReaderLease::ReaderLease(ReaderLease&& other) noexcept = default;
HotStore::ReaderLease::~ReaderLease() {
  if (db_) store_->ReleaseReader(std::move(db_));
}

HotStore::HotStore(std::string path, HotOptions options)
    : path_(std::move(path)), options_(std::move(options)) {
  if (options_.clock) {
    clock_ = options_.clock;
  } else {
    own_clock_ = std::make_unique<MonotonicClock>();
    clock_ = own_clock_.get();
  }
}

HotStore::~HotStore() {
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    stop_checkpointer_ = true;
  }
  wake_cv_.notify_one();
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  // Without automatic checkpoints nothing else bounds the WAL between opens: empty it now.
  // (SQLite also checkpoints when the last connection closes, but only if that one may write
  // and takes the lock; with autocheckpoint on this is left to it, so a CLI process never
  // waits here on a server that has the namespace open.)
  if (options_.wal_autocheckpoint <= 0 && writer_) {
    std::lock_guard<std::mutex> lock(checkpoint_mu_);
    (void)CheckpointOnce(/*truncate=*/true);
  }
}

Result<std::unique_ptr<HotStore>> HotStore::Open(const std::string& path, HotOptions options) {
  std::unique_ptr<HotStore> store(new HotStore(path, std::move(options)));
  RETURN_IF_ERROR(store->Init());
  return store;
}

Status HotStore::Init() {
  ASSIGN_OR_RETURN(writer_, Database::Open(path_));
  Database& db = *writer_;
  ASSIGN_OR_RETURN(int64_t pages, db.QueryInt("PRAGMA page_count"));
  if (pages == 0) {  // a new database: settings that only apply before the first table
    RETURN_IF_ERROR(db.Exec(fmt::format("PRAGMA page_size = {}", options_.page_size)));
    RETURN_IF_ERROR(db.Exec("PRAGMA auto_vacuum = INCREMENTAL"));
  }
  {
    ASSIGN_OR_RETURN(auto journal, db.Prepare("PRAGMA journal_mode = WAL"));
    ASSIGN_OR_RETURN(bool row, journal.Step());
    if (!row || journal.ColumnText(0) != "wal") {
      return Status::IOError(fmt::format("database '{}' cannot use WAL mode", path_));
    }
  }
  RETURN_IF_ERROR(db.Exec(fmt::format(
      "PRAGMA synchronous = {}; PRAGMA foreign_keys = ON; PRAGMA cache_size = -{}; "
      "PRAGMA temp_store = MEMORY; PRAGMA analysis_limit = 1000",
      options_.synchronous_full ? "FULL" : "NORMAL", options_.cache_size_kib)));
  // Replaces SQLite's automatic checkpoint with the same rule (or none, or a wake-up of the
  // checkpoint thread), and counts frames.
  db.SetWalHook([this](int64_t frames) { OnWalCommit(frames); },
                BackgroundCheckpoint() ? 0 : options_.wal_autocheckpoint);
  RETURN_IF_ERROR(ApplySchema(db));
  ASSIGN_OR_RETURN(int64_t page_size, db.QueryInt("PRAGMA page_size"));
  frame_bytes_ = page_size + 24;
  int64_t max_pages = options_.limits.max_namespace_bytes / page_size;
  RETURN_IF_ERROR(db.Exec(fmt::format("PRAGMA max_page_count = {}", max_pages)));
  ASSIGN_OR_RETURN(int64_t max_updated, db.QueryInt("SELECT max(updated_at) FROM things"));
  ASSIGN_OR_RETURN(int64_t max_rel, db.QueryInt("SELECT max(created_at) FROM relationships"));
  clock_->Observe(std::max(max_updated, max_rel));
  return Status::OK();
}

Result<std::unique_ptr<Database>> HotStore::OpenSideWriter(int64_t cache_size_kib) {
  ASSIGN_OR_RETURN(auto db, Database::Open(path_));
  // No max_page_count: a namespace at its size cap must still be able to flush (the flush
  // journals keys before it deletes rows).
  RETURN_IF_ERROR(db->Exec(fmt::format(
      "PRAGMA synchronous = {}; PRAGMA foreign_keys = OFF; PRAGMA cache_size = -{}; "
      "PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = {}",
      options_.synchronous_full ? "FULL" : "NORMAL", cache_size_kib,
      BackgroundCheckpoint() ? 0 : options_.wal_autocheckpoint)));
  if (BackgroundCheckpoint()) {
    // Its commits wake the checkpoint thread too (a namespace may see only such writes).
    db->SetWalHook([this](int64_t frames) { OnWalCommit(frames); }, 0);
  }
  return db;
}

Result<std::unique_ptr<Database>> HotStore::OpenReader() {
  sqlite::OpenOptions open;
  open.read_only = true;
  ASSIGN_OR_RETURN(auto db, Database::Open(path_, open));
  RETURN_IF_ERROR(db->Exec(fmt::format(
      "PRAGMA query_only = 1; PRAGMA cache_size = -{}; PRAGMA mmap_size = {}",
      options_.cache_size_kib, options_.reader_mmap_bytes)));
  Database::Limits limits;
  limits.sql_length = options_.limits.max_sql_bytes;
  limits.variable_number = options_.limits.max_bound_params;
  limits.attached = 0;
  db->SetLimits(limits);
  return db;
}

Result<HotStore::ReaderLease> HotStore::AcquireReader() {
  {
    std::lock_guard<std::mutex> lock(readers_mu_);
    if (!readers_.empty()) {
      auto db = std::move(readers_.back());
      readers_.pop_back();
      return ReaderLease(this, std::move(db));
    }
  }
  ASSIGN_OR_RETURN(auto db, OpenReader());
  return ReaderLease(this, std::move(db));
}

void HotStore::ReleaseReader(std::unique_ptr<Database> db) {
  std::lock_guard<std::mutex> lock(readers_mu_);
  if (static_cast<int>(readers_.size()) < options_.read_connections) {
    readers_.push_back(std::move(db));
  }
}

Status HotStore::CheckNamespaceSize(int64_t incoming_bytes) {
  // Pages in use: free pages (rows deleted, e.g. moved to the cold tier by a flush) are
  // reused before the file grows, so a namespace that flushed has room again.
  ASSIGN_OR_RETURN(int64_t pages, writer_->QueryInt("PRAGMA page_count"));
  ASSIGN_OR_RETURN(int64_t free_pages, writer_->QueryInt("PRAGMA freelist_count"));
  ASSIGN_OR_RETURN(int64_t page_size, writer_->QueryInt("PRAGMA page_size"));
  int64_t projected = (pages - free_pages) * page_size + incoming_bytes;
  if (projected > options_.limits.max_namespace_bytes) {
    return Status::LimitExceeded(fmt::format(
        "namespace '{}' would grow to {} bytes; its limit is {} bytes", path_, projected,
        options_.limits.max_namespace_bytes));
  }
  return Status::OK();
}

Result<std::string> HotStore::InsertThing(const NewThing& thing, int64_t now) {
  ASSIGN_OR_RETURN(Statement stmt, writer_->Cached(kInsertThing));
  char id_buf[IdGenerator::kLength];
  std::string_view id;
  if (thing.id) {
    id = *thing.id;
  } else {
    ids_.NextInto(id_buf);
    id = std::string_view(id_buf, sizeof(id_buf));
  }
  std::string blob;
  stmt.BindTextStatic(1, id).BindTextStatic(2, thing.type).BindTextStatic(3, thing.data);
  if (thing.embedding) {
    blob = EmbeddingToBlob(*thing.embedding);
    stmt.BindBlobStatic(4, blob);
  } else {
    stmt.BindNull(4);
  }
  stmt.BindInt(5, now);
  auto done = stmt.Step();
  if (!done.ok()) {
    if (done.status().IsConflict()) {
      return Status::Conflict(fmt::format("thing '{}' already exists", id));
    }
    return done.status().WithContext(fmt::format("inserting thing '{}'", id));
  }
  return std::string(id);
}

Result<Thing> HotStore::Put(const NewThing& thing) {
  RETURN_IF_ERROR(ValidateNewThing(thing, options_.limits));
  std::lock_guard<std::mutex> lock(write_mu_);
  RETURN_IF_ERROR(CheckNamespaceSize(static_cast<int64_t>(thing.data.size())));
  int64_t now = clock_->NowMs();
  ASSIGN_OR_RETURN(std::string id, InsertThing(thing, now));
  BumpThingsGeneration();
  return Thing{std::move(id), thing.type, thing.data, thing.embedding, now, now};
}

Result<std::vector<std::string>> HotStore::WriteBatch(
    const std::vector<BatchItem>& items, const std::unordered_set<std::string>& external_ends) {
  int64_t bytes = 0;
  size_t new_things = 0;
  for (size_t item_idx = 0; item_idx < items.size(); ++item_idx) {
    Status st;
    if (const auto* thing = std::get_if<NewThing>(&items[item_idx].op)) {
      ++new_things;
      st = ValidateNewThing(*thing, options_.limits);
      bytes += static_cast<int64_t>(thing->data.size() + thing->type.size() + 64);
    } else {
      st = ValidateNewRelationship(std::get<NewRelationship>(items[item_idx].op), options_.limits);
      bytes += 96;
    }
    if (!st.ok()) return st.WithContext(fmt::format("item {}", item_idx));
  }
  std::vector<std::string> ids;
  ids.reserve(items.size());
  std::lock_guard<std::mutex> lock(write_mu_);
  RETURN_IF_ERROR(CheckNamespaceSize(bytes));
  // Relationships to external ends: foreign keys off for this transaction (a pragma that
  // only takes effect outside one), back on when it has ended either way.
  struct ForeignKeysOff {
    Database* db = nullptr;
    ~ForeignKeysOff() {
      if (db) (void)db->Exec("PRAGMA foreign_keys = ON");
    }
  } foreign_keys_off;
  if (!external_ends.empty()) {
    RETURN_IF_ERROR(writer_->Exec("PRAGMA foreign_keys = OFF"));
    foreign_keys_off.db = writer_.get();
  }
  ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*writer_));
  // A bulk load into an empty things table: its three secondary indexes are built once,
  // after the rows (schema.h DropThingsSecondaryIndexes); all inside this transaction.
  bool bulk = false;
  if (new_things >= kBulkLoadThings) {
    ASSIGN_OR_RETURN(int64_t any, writer_->QueryInt("SELECT EXISTS (SELECT 1 FROM things)"));
    if (any == 0) {
      RETURN_IF_ERROR(DropThingsSecondaryIndexes(*writer_));
      bulk = true;
    }
  }
  int64_t now = clock_->NowMs();
  for (size_t item_idx = 0; item_idx < items.size(); ++item_idx) {
    if (const auto* thing = std::get_if<NewThing>(&items[item_idx].op)) {
      auto id = InsertThing(*thing, now);
      if (!id.ok()) return id.status().WithContext(fmt::format("item {}", item_idx));
      ids.push_back(std::move(*id));
    } else {
      auto rel =
          InsertRelationship(std::get<NewRelationship>(items[item_idx].op), now, &external_ends);
      if (!rel.ok()) return rel.status().WithContext(fmt::format("item {}", item_idx));
      ids.push_back(std::move(rel->id));
    }
  }
  if (bulk) RETURN_IF_ERROR(CreateThingsSecondaryIndexes(*writer_));
  RETURN_IF_ERROR(txn.Commit());
  AfterBatch(items.size());
  return ids;
}

void HotStore::AfterBatch(size_t items) {
  graph_generation_.fetch_add(1, std::memory_order_release);
  BumpThingsGeneration();
  // Keep planner statistics roughly current without a caller having to run Optimize():
  // an approximate ANALYZE (analysis_limit) whenever the rows written since the last one
  // reach the count at that time. Without statistics the planner may drive a selective
  // JSON query from idx_things_type and scan a whole type.
  rows_since_analyze_ += items;
  if (rows_since_analyze_ >= 1000 && rows_since_analyze_ >= rows_at_analyze_) {
    if (writer_->Exec("ANALYZE").ok()) {
      rows_at_analyze_ += rows_since_analyze_;
      rows_since_analyze_ = 0;
    }
  }
}

Result<Thing> HotStore::GetOn(Database& db, std::string_view id) {
  ASSIGN_OR_RETURN(Statement stmt,
                   db.Cached("SELECT id, type, data, embedding, created_at, updated_at "
                             "FROM things WHERE id = ?1"));
  stmt.BindTextStatic(1, id);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::NotFound(fmt::format("thing '{}' does not exist", id));
  return ReadThingRow(stmt, 0);
}

Result<Thing> HotStore::Get(std::string_view id) {
  RETURN_IF_ERROR(ValidateName(id, "id", options_.limits.max_id_bytes));
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  return GetOn(*reader, id);
}

Result<Thing> HotStore::Update(std::string_view id, std::string_view data, bool merge,
                               std::optional<std::vector<float>> embedding) {
  RETURN_IF_ERROR(ValidateName(id, "id", options_.limits.max_id_bytes));
  NewThing check{std::string(id), "update", std::string(data), embedding};
  RETURN_IF_ERROR(ValidateNewThing(check, options_.limits));
  std::lock_guard<std::mutex> lock(write_mu_);
  RETURN_IF_ERROR(CheckNamespaceSize(static_cast<int64_t>(data.size())));
  ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*writer_));
  ASSIGN_OR_RETURN(
      Statement stmt,
      writer_->Cached(merge ? "UPDATE things SET data = json_patch(data, ?1), updated_at = ?2, "
                              "embedding = CASE WHEN ?4 THEN ?5 ELSE embedding END "
                              "WHERE id = ?3 RETURNING id, type, data, embedding, created_at, "
                              "updated_at"
                            : "UPDATE things SET data = ?1, updated_at = ?2, "
                              "embedding = CASE WHEN ?4 THEN ?5 ELSE embedding END "
                              "WHERE id = ?3 RETURNING id, type, data, embedding, created_at, "
                              "updated_at"));
  std::string blob = embedding ? EmbeddingToBlob(*embedding) : std::string();
  stmt.BindTextStatic(1, data).BindInt(2, clock_->NowMs()).BindTextStatic(3, id);
  stmt.BindInt(4, embedding ? 1 : 0).BindBlobStatic(5, blob);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Status::NotFound(fmt::format("thing '{}' does not exist", id));
  Thing thing = ReadThingRow(stmt, 0);
  stmt.Reset();
  int64_t row_bytes = static_cast<int64_t>(thing.data.size() + thing.id.size() + thing.type.size());
  if (row_bytes > options_.limits.max_row_bytes) {
    return Status::LimitExceeded(fmt::format("thing '{}' would be {} bytes; the row limit is {}",
                                             id, row_bytes, options_.limits.max_row_bytes));
  }
  RETURN_IF_ERROR(txn.Commit());
  BumpThingsGeneration();
  return thing;
}

Status HotStore::Delete(std::string_view id) {
  RETURN_IF_ERROR(ValidateName(id, "id", options_.limits.max_id_bytes));
  std::lock_guard<std::mutex> lock(write_mu_);
  ASSIGN_OR_RETURN(Statement stmt, writer_->Cached("DELETE FROM things WHERE id = ?1"));
  stmt.BindTextStatic(1, id);
  RETURN_IF_ERROR(stmt.Run());
  if (writer_->Changes() == 0) return Status::NotFound(fmt::format("thing '{}' does not exist", id));
  graph_generation_.fetch_add(1, std::memory_order_release);  // cascaded relationships
  BumpThingsGeneration();
  return Status::OK();
}

}  // namespace thingsdb::hot
