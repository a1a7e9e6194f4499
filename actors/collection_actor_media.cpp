// The collection actor's half for /msync: the user's media database and
// content store sit beside the collection, owned by the same actor, so a
// user's media transfers and collection syncs never interleave.

#include "actors/collection_actor.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <system_error>

#include "actors/sync/media_requests.hpp"
#include "actors/temp_files.hpp"
#include "protocol/version.hpp"

namespace ankisync::actors {
namespace {

using protocol::error_code;
using protocol::make_error;
using protocol::media_method;

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

sync_outcome reply_of(media::reply r, const std::string& user) {
  if (!r)
    return std::unexpected(std::move(r.error()));
  return protocol::sync_reply{std::move(*r), user, {}, 0};
}

} // namespace

std::expected<storage::media_db*, protocol::sync_error> collection_actor::open_media() {
  if (media_)
    return media_.get();
  if (auto prepared = media_store_.prepare(); !prepared)
    return std::unexpected(make_error(error_code::server_error,
                                      "cannot create the media folders: " + prepared.error().message));
  const storage::media_folders folders{config_.folder};
  auto opened = storage::media_db::open(folders.db());
  if (!opened)
    return std::unexpected(make_error(error_code::server_error,
                                      "cannot open the media database: " + opened.error().message));
  // A media.db the official server (or an older ankisync) wrote names
  // files kept by name; they move into the content store before anything
  // is served from it, and nothing is cleaned up until they have.
  auto moved = storage::move_media_into_store(*opened, folders);
  if (!moved)
    return std::unexpected(make_error(
        error_code::server_error, "cannot take over the media folder: " + moved.error().message));
  if (!moved->had_nothing_to_do) {
    spdlog::info("media of {}: took over {} of {} files kept by name ({} bytes) into {}",
                 config_.user, moved->moved + moved->already_there, moved->total,
                 moved->moved_bytes, folders.store().filename().string());
    for (const auto& problem : moved->problems)
      spdlog::warn("media of {}: {}", config_.user, problem);
  }
  media_ = std::make_shared<storage::media_db>(std::move(*opened));
  // Only this actor writes here: whatever is staged, half-written or
  // unreferenced now was left by a crash or a refused upload.
  media_store_.clear_stage();
  if (const auto removed = media_store_.remove_temp_files(); removed > 0)
    spdlog::info("media of {}: removed {} unfinished contents", config_.user, removed);
  if (auto cleaned = media_->remove_unreferenced(media_store_); !cleaned)
    spdlog::warn("media of {}: cleaning the content store: {}", config_.user,
                 cleaned.error().message);
  else {
    if (cleaned->removed > 0)
      spdlog::info("media of {}: removed {} unreferenced contents", config_.user, cleaned->removed);
    if (cleaned->left_alone > 0)
      spdlog::warn("media of {}: {} files in {} were not written by ankisync; left alone",
                   config_.user, cleaned->left_alone, folders.store().filename().string());
  }
  return media_.get();
}

std::int64_t collection_actor::media_usn() {
  // A user who never synced media has usn 0; a database that cannot be
  // read must not stop collection syncs, so it reads as 0 too (the media
  // calls themselves then report the error). A user without media gets no
  // media database just for asking.
  std::error_code ec;
  if (!media_ && !std::filesystem::exists(storage::media_folders{config_.folder}.db(), ec))
    return 0;
  auto db = open_media();
  if (!db) {
    spdlog::error("media of {}: {}", config_.user, db.error().message);
    return 0;
  }
  auto totals = (*db)->totals();
  if (!totals) {
    spdlog::error("media of {}: {}", config_.user, totals.error().message);
    return 0;
  }
  registry().note_media(config_.user, totals->total_bytes, totals->total_nonempty_files);
  return totals->last_usn;
}

void collection_actor::on_media(const protocol::sync_request& req, reply_channel reply) {
  auto db = open_media();
  if (!db)
    return reply(std::unexpected(db.error()));
  switch (req.media) {
  case media_method::begin:
    return reply(reply_of(media::begin(req.payload, req.host_key, **db), config_.user));
  case media_method::media_changes:
    return reply(reply_of(media::changes(req.payload, **db), config_.user));
  case media_method::media_sanity:
    return reply(reply_of(media::sanity(req.payload, **db), config_.user));
  case media_method::upload_changes:
    return on_media_upload(req, std::move(reply));
  case media_method::download_files:
    return on_media_download(req, std::move(reply));
  }
  reply(std::unexpected(make_error(error_code::server_error, "unknown media method")));
}

void collection_actor::on_media_upload(const protocol::sync_request& req, reply_channel reply) {
  media::upload_request upload;
  // The body copy keeps a legacy `data` part file alive until the job ends.
  upload.body = req.upload_body;
  upload.encoding = req.upload_encoding;
  upload.temp_zip = temp_name(media_store_.stage_folder(), upload_prefix);
  upload.limit = config_.profile.max_uncompressed_bytes();
  upload.quota_bytes = quota().media_bytes;
  // Decoding, checking and writing up to 25 files takes a while: it runs
  // on the blocking pool, and this actor takes no other message meanwhile.
  run_blocking<media::upload_reply>(
      [upload = std::move(upload), db = media_, store = media_store_] {
        return media::upload(upload, *db, store, now_s());
      },
      [this, reply](std::expected<media::upload_reply, protocol::sync_error> r) {
        if (!r)
          return reply(std::unexpected(std::move(r.error())));
        counters().media_files_uploaded.add(r->files_stored);
        reply(protocol::sync_reply{std::move(r->body), config_.user, {}, 0});
      });
}

void collection_actor::on_media_download(const protocol::sync_request& req, reply_channel reply) {
  run_blocking<media::download_reply>(
      [payload = req.payload, db = media_, store = media_store_,
       out = temp_name(config_.folder, download_prefix),
       zstd = protocol::version::uses_zstd(req.version)] {
        return media::download(payload, *db, store, out, zstd);
      },
      [this, reply](std::expected<media::download_reply, protocol::sync_error> r) {
        if (!r)
          return reply(std::unexpected(std::move(r.error())));
        counters().media_files_downloaded.add(r->files);
        reply(file_reply(r->file, r->original_size));
      });
}

} // namespace ankisync::actors
