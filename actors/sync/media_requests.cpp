#include "actors/sync/media_requests.hpp"

#include <cstdio>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "actors/sync/row_convert.hpp"
#include "protocol/body_file.hpp"
#include "protocol/media_json.hpp"
#include "protocol/media_zip.hpp"
#include "protocol/zstd_file.hpp"

namespace ankisync::actors::media {
namespace {

using protocol::error_code;
using protocol::make_error;

std::unexpected<protocol::sync_error> server_failed(std::string_view what,
                                                    const storage::storage_error& e) {
  return std::unexpected(sync::storage_failure(std::string(what), e, error_code::server_error));
}

void remove_quietly(const std::filesystem::path& p) {
  std::error_code ignored;
  std::filesystem::remove(p, ignored);
}

// Staged files of an upload that did not get applied.
void remove_staged(const std::vector<protocol::upload_zip_entry>& entries) {
  for (const auto& e : entries)
    if (!e.staged.empty())
      remove_quietly(e.staged);
}

// A plain file for legacy replies, written a piece at a time.
class raw_file_writer {
public:
  static std::expected<raw_file_writer, protocol::sync_error> create(const std::filesystem::path& p) {
    std::FILE* f = std::fopen(p.c_str(), "wb");
    if (!f)
      return std::unexpected(make_error(error_code::server_error, "cannot create " + p.filename().string()));
    return raw_file_writer(f);
  }
  raw_file_writer(raw_file_writer&& o) noexcept : f_(std::exchange(o.f_, nullptr)) {}
  ~raw_file_writer() {
    if (f_)
      std::fclose(f_);
  }
  std::expected<void, protocol::sync_error> write(std::string_view piece) {
    if (std::fwrite(piece.data(), 1, piece.size(), f_) != piece.size())
      return std::unexpected(make_error(error_code::server_error, "writing the download zip"));
    return {};
  }
  std::expected<void, protocol::sync_error> finish() {
    const bool ok = std::fclose(std::exchange(f_, nullptr)) == 0;
    if (!ok)
      return std::unexpected(make_error(error_code::server_error, "writing the download zip"));
    return {};
  }

private:
  explicit raw_file_writer(std::FILE* f) : f_(f) {}
  std::FILE* f_ = nullptr;
};

} // namespace

reply begin(std::string_view payload, std::string_view host_key, storage::media_db& db) {
  auto client_version = protocol::decode_media_begin(payload);
  if (!client_version)
    return std::unexpected(client_version.error());
  auto totals = db.totals();
  if (!totals)
    return server_failed("reading the media database", totals.error());
  return protocol::encode_media_begin_reply(totals->last_usn, host_key);
}

reply changes(std::string_view payload, storage::media_db& db) {
  auto last_usn = protocol::decode_media_changes(payload);
  if (!last_usn)
    return std::unexpected(last_usn.error());
  auto rows = db.changes_since(*last_usn, protocol::media_changes_page);
  if (!rows)
    return server_failed("reading media changes", rows.error());
  std::vector<protocol::media_change_entry> out;
  out.reserve(rows->size());
  for (auto& r : *rows)
    out.push_back({std::move(r.fname), r.usn,
                   r.sha1_raw.empty() ? std::string() : storage::sha1_hex(r.sha1_raw)});
  return protocol::encode_media_changes_reply(out);
}

reply sanity(std::string_view payload, storage::media_db& db) {
  auto local = protocol::decode_media_sanity(payload);
  if (!local)
    return std::unexpected(local.error());
  auto totals = db.totals();
  if (!totals)
    return server_failed("reading the media database", totals.error());
  return protocol::encode_media_sanity_reply(totals->total_nonempty_files ==
                                             static_cast<std::int64_t>(*local));
}

// Whether `changes` would bring the media over `quota`: they grow it (an
// upload that only shrinks it always goes through, even over a quota
// lowered since), and its total once each name's new size replaces its
// old one is over.
static storage::result<bool> over_quota(storage::media_db& db,
                                        const std::vector<storage::media_upload_change>& changes,
                                        std::uint64_t quota) {
  auto totals = db.totals();
  if (!totals)
    return std::unexpected(totals.error());
  std::int64_t bytes = totals->total_bytes;
  for (const auto& c : changes) {
    auto live = db.live_file(c.fname);
    if (!live)
      return std::unexpected(live.error());
    if (*live)
      bytes -= (*live)->size;
    if (!c.deletion)
      bytes += c.size;
  }
  return bytes > totals->total_bytes && bytes > static_cast<std::int64_t>(quota);
}

std::expected<upload_reply, protocol::sync_error> upload(const upload_request& req, storage::media_db& db, const storage::media_store& store,
             std::int64_t now_s) {
  struct zip_guard {
    std::filesystem::path path;
    ~zip_guard() { remove_quietly(path); }
  } guard{req.temp_zip};

  auto decoded = protocol::decode_body_to_file(req.encoding, req.body.bytes, req.body.file,
                                               req.temp_zip.string(), req.limit);
  if (!decoded)
    return std::unexpected(decoded.error());
  // Upstream truncates an oversized body and then fails on the broken zip;
  // saying why is kinder.
  if (decoded->hit_limit)
    return std::unexpected(make_error(error_code::bad_request, "media upload exceeds the size limit"));

  // Members are written straight into the content store under temp
  // names, so that adopting them is a rename within one folder.
  auto entries = protocol::extract_upload_zip(
      req.temp_zip, protocol::staging_place{store.folder(), storage::media_store::temp_prefix});
  if (!entries)
    return std::unexpected(entries.error());

  std::vector<storage::media_upload_change> changes;
  changes.reserve(entries->size());
  for (const auto& e : *entries)
    changes.push_back({e.fname, e.deletion, e.sha1_raw, static_cast<std::int64_t>(e.size),
                       e.staged, e.file.get()});
  if (req.quota_bytes > 0) {
    auto over = over_quota(db, changes, req.quota_bytes);
    if (!over) {
      remove_staged(*entries);
      return server_failed("reading the media database", over.error());
    }
    if (*over) {
      remove_staged(*entries);
      return std::unexpected(make_error(
          error_code::bad_request,
          "Your media would take more than the " + std::to_string(req.quota_bytes >> 20) +
              " MB this server allows for your account; these files were not stored. Remove "
              "media you no longer need (Tools > Check Media), or ask the server's operator for "
              "more room."));
    }
  }
  auto outcome = db.apply_upload(changes, store, now_s);
  if (!outcome) {
    remove_staged(*entries);
    return server_failed("storing the media upload", outcome.error());
  }
  std::uint64_t stored = 0;
  for (const auto& e : *entries)
    stored += e.deletion ? 0 : 1;
  return upload_reply{protocol::encode_upload_changes_reply(outcome->processed, outcome->last_usn),
                      stored};
}

std::expected<download_reply, protocol::sync_error>
download(std::string_view payload, storage::media_db& db, const storage::media_store& store,
         const std::filesystem::path& out, bool zstd) {
  auto names = protocol::decode_download_files(payload);
  if (!names)
    return std::unexpected(names.error());

  // Request order, stopping after the file that crosses the target size:
  // the client asks again for the rest.
  std::vector<protocol::download_zip_file> files;
  std::vector<std::string> sha1s;
  std::uint64_t total = 0;
  for (const auto& name : *names) {
    auto live = db.live_file(name);
    if (!live)
      return server_failed("reading the media database", live.error());
    if (!*live)
      return std::unexpected(make_error(error_code::conflict, "no such media file: " + name));
    files.push_back({name, store.path_of((*live)->sha1_raw)});
    total += static_cast<std::uint64_t>((*live)->size);
    if (total > protocol::media_zip_target_bytes)
      break;
  }

  std::expected<std::uint64_t, protocol::sync_error> written;
  std::expected<void, protocol::sync_error> closed;
  if (zstd) {
    auto writer = protocol::zstd_file_writer::create(out.string());
    if (!writer)
      return std::unexpected(writer.error());
    written = protocol::write_download_zip(files, [&](std::string_view piece) { return writer->write(piece); });
    if (written) {
      auto finished = writer->finish();
      if (!finished)
        closed = std::unexpected(finished.error());
    }
  } else {
    auto writer = raw_file_writer::create(out);
    if (!writer)
      return std::unexpected(writer.error());
    written = protocol::write_download_zip(files, [&](std::string_view piece) { return writer->write(piece); });
    if (written)
      closed = writer->finish();
  }
  if (!written || !closed) {
    remove_quietly(out);
    auto error = !written ? written.error() : closed.error();
    if (error.code == error_code::conflict) {
      // The database says the file exists but its content is gone: forget
      // it without a deletion record, so the client stops asking.
      for (const auto& f : files)
        if (!std::filesystem::exists(f.source))
          (void)db.forget(f.fname);
    }
    return std::unexpected(std::move(error));
  }
  return download_reply{out, *written, files.size()};
}

} // namespace ankisync::actors::media
