// A device's lifecycle: its file, its account and its syncs. The edits are
// in device_edits.cpp.

#include "tools/client/device.hpp"

#include <algorithm>
#include <system_error>

namespace ankisync::client {
namespace fs = std::filesystem;

namespace {

constexpr const char* collection_name = "collection.anki2";

storage::result<void> copy_bytes(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec)
    return storage::fail(storage::storage_errc::io,
                         "copy " + from.string() + " to " + to.string() + ": " + ec.message());
  return {};
}

} // namespace

device::device(fs::path file, storage::collection col, device_options options)
    : file_(std::move(file)), col_(std::move(col)), options_(std::move(options)) {}

edit_result<device> device::create(const fs::path& folder, device_options options) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec)
    return storage::fail(storage::storage_errc::io,
                         "create " + folder.string() + ": " + ec.message());
  auto file = folder / collection_name;
  storage::collection_options opts;
  opts.now_ms = options.clock();
  auto col = storage::collection::open(file, opts);
  if (!col)
    return std::unexpected(col.error());
  return device(std::move(file), std::move(*col), std::move(options));
}

edit_result<device> device::copy_of(const fs::path& source_file, const fs::path& folder,
                                    device_options options) {
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec)
    return storage::fail(storage::storage_errc::io,
                         "create " + folder.string() + ": " + ec.message());
  auto file = folder / collection_name;
  // A stale -wal or -shm beside the copy would be applied to it.
  for (const char* suffix : {"-wal", "-shm"})
    fs::remove(fs::path(file.string() + suffix), ec);
  if (auto r = copy_bytes(source_file, file); !r)
    return std::unexpected(r.error());
  // Committed pages may still sit in the source's log; the copy needs them.
  const fs::path wal = source_file.string() + "-wal";
  if (fs::exists(wal, ec))
    if (auto r = copy_bytes(wal, file.string() + "-wal"); !r)
      return std::unexpected(r.error());
  storage::collection_options opts;
  opts.create_if_missing = false;
  auto col = storage::collection::open(file, opts);
  if (!col)
    return std::unexpected(col.error());
  return device(std::move(file), std::move(*col), std::move(options));
}

std::expected<void, sync_failure> device::login(sync_client& client, std::string_view user,
                                                std::string_view password) {
  auto reply = client.login(user, password);
  if (!reply)
    return std::unexpected(sync_failure{sync_failure_kind::transport,
                                        protocol::sync_method::host_key, 0, reply.error(), {}, {}});
  if (!reply->ok())
    return std::unexpected(sync_failure{sync_failure_kind::http_status,
                                        protocol::sync_method::host_key, reply->status,
                                        reply->body, {}, {}});
  host_key_ = reply->host_key;
  return {};
}

sync_result device::sync(sync_client& client, sync_hooks hooks) {
  sync_channel channel(client, host_key_, std::move(hooks));
  normal_sync_options options;
  options.client_version = options_.client_version;
  options.clock = options_.clock;
  return run_normal_sync(col_, channel, options);
}

edit_result<void> device::transact(const std::function<edit_result<void>()>& edit) {
  if (auto r = col_.begin(); !r)
    return r;
  auto done = edit();
  if (done)
    done = touch_collection();
  if (done)
    done = col_.commit();
  if (!done)
    (void)col_.rollback();
  return done;
}

edit_result<void> device::touch_collection() {
  auto row = col_.read_col();
  if (!row)
    return std::unexpected(row.error());
  // Strictly increasing: a change within the ms of the last sync's finish
  // (which set mod) would otherwise look like "no changes" to meta.
  return col_.set_mod(std::max(now_ms(), row->mod + 1));
}

} // namespace ankisync::client
