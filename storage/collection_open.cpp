// Opening, creating and closing a collection; its session transaction.

#include <sqlite3.h>

#include <chrono>
#include <system_error>

#include "storage/collection.hpp"
#include "storage/collection_connection.hpp"
#include "storage/collection_schema.hpp"
#include "storage/sqlite_stmt.hpp"
#include "storage/unicase.hpp"

namespace ankisync::storage {

namespace {

std::int64_t clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

result<std::optional<std::string>> query_text(sqlite3* db, std::string_view sql) {
  auto stmt = sqlite_stmt::prepare(db, sql);
  if (!stmt) return std::unexpected(stmt.error());
  auto row = stmt->step();
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<std::string>();
  return stmt->optional_text(0);
}

std::string_view synchronous_pragma(synchronous_mode mode) {
  switch (mode) {
  case synchronous_mode::off: return "pragma synchronous = off";
  case synchronous_mode::full: return "pragma synchronous = full";
  case synchronous_mode::normal: break;
  }
  return "pragma synchronous = normal";
}

result<void> configure(sqlite3* db, const collection_options& options) {
  sqlite3_extended_result_codes(db, 1);
  // Before anything reads the schema: name indexes use it.
  if (auto r = register_unicase(db); !r) return r;
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));

  // page_size only takes effect on a new, empty file (as upstream sets it).
  std::string pragmas = "pragma page_size = 4096; pragma cache_size = " +
                        std::to_string(-options.cache_kib) +
                        "; pragma mmap_size = " + std::to_string(options.mmap_bytes) +
                        // Statement journals (every INSERT OR REPLACE writes one) would
                        // otherwise go to a temp file once they spill: a write syscall
                        // per page per row while a chunk is applied.
                        "; pragma temp_store = memory;";
  if (auto r = sqlite_exec(db, pragmas); !r) return r;

  // Unlike upstream, no locking_mode = exclusive: other processes may read.
  auto mode = query_text(db, "pragma journal_mode = wal");
  if (!mode) return error_of(mode);
  if (*mode != std::optional<std::string>("wal"))
    return fail(storage_errc::io, "collection: could not switch to WAL journal mode");
  return sqlite_exec(db, synchronous_pragma(options.synchronous));
}

result<bool> has_col_table(sqlite3* db) {
  auto found = query_text(db, "select name from sqlite_master where type = 'table' and name = 'col'");
  if (!found) return error_of(found);
  return found->has_value();
}

result<void> create_if_needed(sqlite3* db, const collection_options& options) {
  auto exists = has_col_table(db);
  if (!exists) return error_of(exists);
  if (*exists) return {};
  if (!options.create_if_missing)
    return fail(storage_errc::corrupt, "not an Anki collection: it has no col table");

  auto tx = sqlite_tx::begin(db);
  if (!tx) return error_of(tx);
  // Again under the write lock: another process may have created it.
  exists = has_col_table(db);
  if (!exists) return error_of(exists);
  if (*exists) return {};
  if (auto r = create_collection(db, options.now_ms != 0 ? options.now_ms : clock_ms()); !r)
    return r;
  return tx->commit();
}

// Refuses what upstream refuses (collection-schema.md §0) and what we do
// not upgrade yet.
result<void> check_version(sqlite3* db) {
  auto ver = query_text(db, "select ver from col");
  if (!ver) return error_of(ver);
  if (!ver->has_value()) return fail(storage_errc::corrupt, "collection has no col row");
  long long v = 0;
  try {
    v = std::stoll(**ver);
  } catch (...) {
    return fail(storage_errc::corrupt, "collection version is not a number: " + **ver);
  }
  if (v == 18) return {};
  if (v < 11) return fail(storage_errc::corrupt, "collection schema " + std::to_string(v) + " is too old");
  if (v > 18 || v == 12 || v == 13)
    return fail(storage_errc::corrupt, "collection schema " + std::to_string(v) + " is too new");
  return fail(storage_errc::invalid, "schema " + std::to_string(v) + " needs upgrade to 18");
}

result<bool> table_has_column(sqlite3* db, std::string_view table, std::string_view column) {
  auto stmt = sqlite_stmt::prepare(db, "select 1 from pragma_table_info(?) where name = ?");
  if (!stmt) return std::unexpected(stmt.error());
  if (auto r = stmt->bind_all(table, column); !r) return std::unexpected(r.error());
  auto row = stmt->step();
  if (!row) return error_of(row);
  return *row;
}

result<collection_layout> detect_layout(sqlite3* db) {
  collection_layout layout;
  auto collapsed = table_has_column(db, "tags", "collapsed");
  if (!collapsed) return error_of(collapsed);
  layout.tags_have_collapsed = *collapsed;
  // pragma_table_info's pk column is non-zero for key columns.
  auto keyed = query_text(db, "select count(*) from pragma_table_info('graves') where pk > 0");
  if (!keyed) return error_of(keyed);
  layout.graves_keyed = keyed->value_or("0") == "2";
  return layout;
}

} // namespace

collection::connection::~connection() {
  tx.reset(); // rolls back an unfinished session
  stmts.clear();
  sqlite3_close_v2(db);
}

collection::collection(std::unique_ptr<connection> c) : c_(std::move(c)) {}
collection::collection(collection&&) noexcept = default;
collection& collection::operator=(collection&&) noexcept = default;
collection::~collection() = default;

result<collection> collection::open(const std::filesystem::path& file,
                                    const collection_options& options) {
  return guarded([&]() -> result<collection> {
    // NOMUTEX: one thread at a time uses a collection (its actor), so the
    // per-call connection mutex would be pure cost.
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                (options.create_if_missing ? SQLITE_OPEN_CREATE : 0);
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
    // From here the connection owns the handle, also on failure.
    auto c = std::make_unique<connection>(file, db);
    if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db, rc, "open " + file.string()));

    if (auto r = configure(db, options); !r) return error_of(r);
    if (auto r = create_if_needed(db, options); !r) return error_of(r);
    if (auto r = check_version(db); !r) return error_of(r);
    if (options.check_integrity) {
      auto answer = query_text(db, "pragma integrity_check");
      if (!answer) return error_of(answer);
      if (answer->value_or("") != "ok")
        return fail(storage_errc::corrupt, "integrity check failed: " + answer->value_or(""));
    }
    auto layout = detect_layout(db);
    if (!layout) return error_of(layout);
    c->layout = *layout;
    return collection(std::move(c));
  });
}

const std::filesystem::path& collection::path() const noexcept { return c_->path; }

sqlite3* collection::handle() const noexcept { return c_->db; }

result<void> collection::begin() {
  return guarded([&]() -> result<void> {
    if (c_->tx) return fail(storage_errc::invalid, "collection: a transaction is already open");
    auto tx = sqlite_tx::begin(c_->db);
    if (!tx) return error_of(tx);
    c_->tx.emplace(std::move(*tx));
    return {};
  });
}

result<void> collection::commit() {
  return guarded([&]() -> result<void> {
    if (!c_->tx) return fail(storage_errc::invalid, "collection: no transaction to commit");
    // A failed COMMIT leaves the transaction to rollback(), which the
    // caller's error path runs.
    if (auto r = c_->tx->commit(); !r) return r;
    c_->tx.reset();
    return {};
  });
}

result<void> collection::rollback() {
  return guarded([&]() -> result<void> {
    if (!c_->tx) return {};
    c_->tx.reset();
    // sqlite_tx rolls back in its destructor and cannot report; check that
    // the connection really is back in autocommit.
    if (sqlite3_get_autocommit(c_->db) == 0) return sqlite_exec(c_->db, "rollback");
    return {};
  });
}

bool collection::in_transaction() const noexcept { return c_->tx.has_value(); }

result<std::string> collection::integrity_check() {
  return guarded([&]() -> result<std::string> {
    auto stmt = sqlite_stmt::prepare(c_->db, "pragma integrity_check");
    if (!stmt) return error_of(stmt);
    std::string answer;
    while (true) {
      auto row = stmt->step();
      if (!row) return error_of(row);
      if (!*row) break;
      if (!answer.empty()) answer += '\n';
      answer += stmt->text(0);
    }
    return answer;
  });
}

result<std::uint64_t> collection::file_size() const {
  return guarded([&]() -> result<std::uint64_t> {
    std::error_code ec;
    auto size = std::filesystem::file_size(c_->path, ec);
    if (ec) return fail(storage_errc::io, "size of " + c_->path.string() + ": " + ec.message());
    return static_cast<std::uint64_t>(size);
  });
}

} // namespace ankisync::storage
