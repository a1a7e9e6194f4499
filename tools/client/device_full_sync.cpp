// A device's full upload and download, as the official client runs them
// (upstream rslib sync/collection/{upload,download}.rs).

#include <fstream>
#include <iterator>
#include <sqlite3.h>
#include <system_error>

#include "storage/schema_downgrade.hpp"
#include "storage/schema_upgrade.hpp"
#include "tools/client/device.hpp"

namespace ankisync::client {
namespace fs = std::filesystem;

namespace {

sync_failure local_failure(protocol::sync_method m, std::string message) {
  return sync_failure{sync_failure_kind::local, m, 0, std::move(message), {}, {}};
}

std::expected<void, std::string> exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "sqlite error";
    sqlite3_free(err);
    return std::unexpected(sql + ": " + msg);
  }
  return {};
}

std::expected<std::string, std::string> slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in)
    return std::unexpected("cannot read " + p.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void remove_with_logs(const fs::path& p) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    fs::remove(fs::path(p.string() + suffix), ec);
}

} // namespace

std::expected<void, sync_failure> device::full_upload(sync_client& client) {
  using protocol::sync_method;
  // before_upload: one transaction, then a compact copy of the file.
  const std::int64_t now = now_ms();
  sqlite3* db = col_.handle();
  std::string prep = "begin; delete from graves;";
  for (const char* table :
       {"notes", "cards", "revlog", "tags", "deck_config", "decks", "notetypes", "config"})
    prep += std::string("update ") + table + " set usn = 0 where usn = -1;";
  prep += "update col set usn = usn + 1, mod = " + std::to_string(now) +
          ", scm = " + std::to_string(now) + ", ls = " + std::to_string(now) + "; commit;";
  if (auto r = exec(db, prep); !r) {
    (void)exec(db, "rollback");
    return std::unexpected(local_failure(sync_method::upload, r.error()));
  }
  const fs::path copy = file_.string() + ".upload-copy";
  remove_with_logs(copy);
  std::string quoted;
  for (char c : copy.string()) {
    quoted += c;
    if (c == '\'')
      quoted += '\'';
  }
  if (auto r = exec(db, "vacuum into '" + quoted + "'"); !r)
    return std::unexpected(local_failure(sync_method::upload, r.error()));
  fs::path to_send = copy;
  const fs::path legacy_copy = file_.string() + ".upload-11";
  if (client.legacy()) {
    // Legacy clients upload schema 11, as they keep their files.
    remove_with_logs(legacy_copy);
    if (auto r = storage::write_schema11_copy(copy, legacy_copy); !r) {
      remove_with_logs(copy);
      return std::unexpected(local_failure(sync_method::upload, r.error().message));
    }
    to_send = legacy_copy;
  }
  auto bytes = slurp(to_send);
  remove_with_logs(copy);
  remove_with_logs(legacy_copy);
  if (!bytes)
    return std::unexpected(local_failure(sync_method::upload, bytes.error()));

  auto reply = client.call("upload", *bytes, host_key_, new_session_key());
  if (!reply)
    return std::unexpected(
        sync_failure{sync_failure_kind::transport, sync_method::upload, 0, reply.error(), {}, {}});
  if (!reply->ok() || reply->body != "OK")
    return std::unexpected(sync_failure{sync_failure_kind::http_status, sync_method::upload,
                                        reply->status, reply->body, {}, {}});
  return {};
}

std::expected<void, sync_failure> device::full_download(sync_client& client) {
  using protocol::sync_method;
  auto reply = client.call("download", "{}", host_key_, new_session_key());
  if (!reply)
    return std::unexpected(sync_failure{sync_failure_kind::transport, sync_method::download, 0,
                                        reply.error(), {}, {}});
  if (!reply->ok())
    return std::unexpected(sync_failure{sync_failure_kind::http_status, sync_method::download,
                                        reply->status, reply->body, {}, {}});
  const fs::path temp = file_.string() + ".download";
  remove_with_logs(temp);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(reply->body.data(), static_cast<std::streamsize>(reply->body.size()));
    if (!out.flush())
      return std::unexpected(local_failure(sync_method::download, "cannot write " + temp.string()));
  }
  if (client.legacy()) {
    // A legacy download is schema 11.
    if (auto r = storage::upgrade_to_schema18(temp); !r) {
      remove_with_logs(temp);
      return std::unexpected(local_failure(sync_method::download,
                                           "upgrading the download: " + r.error().message));
    }
  }
  {
    storage::collection_options opts;
    opts.create_if_missing = false;
    auto checked = storage::collection::open(temp, opts);
    if (!checked) {
      remove_with_logs(temp);
      return std::unexpected(local_failure(sync_method::download,
                                           "downloaded file does not open: " +
                                               checked.error().message));
    }
    auto integrity = checked->integrity_check();
    if (!integrity || *integrity != "ok") {
      remove_with_logs(temp);
      return std::unexpected(local_failure(
          sync_method::download,
          "downloaded file fails the integrity check: " +
              (integrity ? *integrity : integrity.error().message)));
    }
  } // closed: its log is checkpointed into the file
  {
    // Close ours before its file is replaced, so its log goes too.
    storage::collection old = std::move(col_);
  }
  std::error_code ec;
  for (const char* suffix : {"-wal", "-shm"})
    fs::remove(fs::path(file_.string() + suffix), ec);
  fs::rename(temp, file_, ec);
  storage::collection_options opts;
  opts.create_if_missing = false;
  if (ec) {
    remove_with_logs(temp);
    // Keep using our own file.
    if (auto old = storage::collection::open(file_, opts))
      col_ = std::move(*old);
    return std::unexpected(local_failure(sync_method::download,
                                         "rename " + temp.string() + ": " + ec.message()));
  }
  remove_with_logs(temp);
  auto reopened = storage::collection::open(file_, opts);
  if (!reopened)
    return std::unexpected(local_failure(sync_method::download,
                                         "reopen after download: " + reopened.error().message));
  col_ = std::move(*reopened);
  return {};
}

} // namespace ankisync::client
