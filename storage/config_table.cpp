// The `config` table: collection settings, JSON values stored as blobs.

#include "storage/collection.hpp"
#include "storage/collection_connection.hpp"

namespace ankisync::storage {

namespace {

config_entry read_entry(const cached_stmt& stmt) {
  config_entry e;
  e.key = stmt.text(0);
  e.usn = static_cast<std::int32_t>(stmt.int64(1));
  e.mtime_secs = stmt.int64(2);
  e.value = stmt.bytes(3); // files written as TEXT read the same
  return e;
}

result<void> insert_entry(stmt_cache& stmts, const config_entry& e) {
  auto stmt = stmts.get("insert or replace into config (KEY, usn, mtime_secs, val) values (?, ?, ?, ?)");
  if (!stmt) return error_of(stmt);
  if (auto r = bind_all(*stmt, e.key, e.usn, e.mtime_secs); !r) return r;
  // A blob, never text: upstream reads val as a blob and fails on text.
  if (auto r = stmt->bind_blob(4, e.value); !r) return r;
  return stmt->run();
}

} // namespace

result<std::vector<config_entry>> collection::all_config() {
  return guarded([&]() -> result<std::vector<config_entry>> {
    auto stmt = c_->stmts.get("select KEY, usn, mtime_secs, val from config order by KEY");
    if (!stmt) return error_of(stmt);
    std::vector<config_entry> out;
    while (true) {
      auto row = stmt->step();
      if (!row) return error_of(row);
      if (!*row) return out;
      out.push_back(read_entry(*stmt));
    }
  });
}

result<std::optional<config_entry>> collection::get_config(std::string_view key) {
  return guarded([&]() -> result<std::optional<config_entry>> {
    auto stmt = c_->stmts.get("select KEY, usn, mtime_secs, val from config where KEY = ?");
    if (!stmt) return error_of(stmt);
    if (auto r = stmt->bind_text(1, key); !r) return error_of(r);
    auto row = stmt->step();
    if (!row) return error_of(row);
    if (!*row) return std::optional<config_entry>();
    return std::optional<config_entry>(read_entry(*stmt));
  });
}

result<void> collection::set_config(const config_entry& entry) {
  return guarded([&] { return insert_entry(c_->stmts, entry); });
}

result<void> collection::replace_config(const std::vector<config_entry>& entries) {
  return guarded([&]() -> result<void> {
    if (auto r = exec_cached(c_->stmts, "delete from config"); !r) return r;
    for (const auto& e : entries)
      if (auto r = insert_entry(c_->stmts, e); !r) return r;
    return {};
  });
}

result<void> collection::clear_config_usns() {
  return guarded([&] { return exec_cached(c_->stmts, "update config set usn = 0 where usn != 0"); });
}

} // namespace ankisync::storage
