#include "actors/collection_actor.hpp"

#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <system_error>

#include "actors/payload_limits.hpp"
#include "actors/sync/row_convert.hpp"
#include "actors/temp_files.hpp"
#include "protocol/empty.hpp"
#include "protocol/payload.hpp"
#include "protocol/printable.hpp"
#include "protocol/version.hpp"
#include "protocol/body_file.hpp"
#include "protocol/zstd_file.hpp"
#include "storage/full_sync.hpp"
#include "storage/schema_downgrade.hpp"
#include "storage/users_db.hpp"

namespace ankisync::actors {
namespace {

using protocol::error_code;
using protocol::make_error;
using protocol::sync_method;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::unexpected<protocol::sync_error> error(error_code code, std::string message) {
  return std::unexpected(make_error(code, std::move(message)));
}

// Answers the official server gives a full upload, with status 200: the
// client shows any text other than OK to the user.
constexpr const char* upload_ok = "OK";
constexpr const char* upload_corrupt =
    "Your upload was corrupt. Please use Check Database, or restore from backup.";
constexpr const char* upload_too_large = "collection exceeds size limit";

// Shown by the client as it is, in place of OK.
std::string over_quota(std::uint64_t bytes) {
  return "Your collection is larger than the " + std::to_string(bytes >> 20) +
         " MB this server allows for your account; nothing was changed on the server. Remove "
         "notes you no longer need, or ask the server's operator for more room.";
}

// A full upload that found the disk full: the client shows an upload's
// answer as it is, so it gets the sentence; the log gets what failed.
blocking_result disk_full_answer(const protocol::sync_error& e) {
  spdlog::error("full upload not stored: {}", protocol::printable(e.message));
  blocking_result r;
  r.ok = true;
  r.value = protocol::disk_full_sentence;
  return r;
}

blocking_result job_failed(error_code code, std::string message) {
  blocking_result r;
  r.error = make_error(code, std::move(message));
  return r;
}

// The typed body net/ decoded for this method; a mismatch is a bug in the
// decoder, not the client's fault.
template <class T>
std::expected<const T*, protocol::sync_error> body_of(const protocol::sync_request& req) {
  if (const auto* body = std::get_if<T>(&req.body))
    return body;
  return error(error_code::server_error,
               "request body of " + std::string(protocol::to_string(req.method)) +
                   " was not decoded");
}

} // namespace

collection_actor::collection_actor(caf::actor_config& cfg,
                                   std::shared_ptr<metrics_registry> metrics,
                                   collection_config config)
    : metered_actor(cfg, std::move(metrics), "collection", config.user),
      config_(std::move(config)),
      media_store_(storage::media_folders{config_.folder}.content_store()) {
  remove_leftover_temp_files();
}

void collection_actor::remove_leftover_temp_files() {
  // A crash in the middle of a full sync leaves its temp file; nothing
  // else can own it, since only this actor writes this folder.
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(config_.folder, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.starts_with(upload_prefix) || name.starts_with(download_prefix)) {
      std::error_code ignored;
      std::filesystem::remove(it->path(), ignored);
    }
  }
  // Likewise a crash in the middle of a media upload leaves its staged
  // files; `ankisync check` would flag them until the next media sync.
  media_store_.clear_stage();
}

caf::behavior collection_actor::make_behavior() {
  return {
      [this](user_request_msg& msg) { on_request(msg); },
      [this](evict_msg) { on_evict(); },
      [this](session_check_msg) { on_session_check(); },
      [this](maintenance_msg& msg) { return on_maintenance(msg); },
  };
}

void collection_actor::on_exit() {
  answer_all_waiting(
      make_error(error_code::unavailable, "the server is stopping or the user's actor closed"));
  answer_all_tasks(
      make_error(error_code::unavailable, "the server is stopping or the user's actor closed"));
  if (session_)
    end_session("the server is stopping or the user's actor closed");
  col_.reset();
  media_.reset();
  metered_actor::on_exit();
}

void collection_actor::on_request(user_request_msg& msg) {
  if (config_.last_request)
    config_.last_request->store(std::chrono::steady_clock::now().time_since_epoch().count(),
                                std::memory_order_relaxed);
  // The gateway checked the key (and decoded a small body); a larger
  // body is decompressed here, under its method's cap, so it costs only
  // this user's actor. A body that does not decode leaves the session as
  // it was.
  if (auto decoded = protocol::decode_payload(msg.request, payload_limits(config_.profile));
      !decoded)
    return msg.reply(std::unexpected(std::move(decoded.error())));
  // The recorder, the only reader of the body as it arrived, has it.
  msg.request.wire_body = {};
  // Another device's request is a moment to notice a stalled session (the
  // registry's tick is the other).
  if (session_ && msg.request.session_key != session_->key &&
      (!waiting_.empty() || waits_for_session(msg.request, session_->key)) &&
      abandon_if_stalled())
    serve_waiting(); // those who waited longer go first
  if (!ready(msg.request))
    return wait_for_session(msg);
  handle(msg.request, std::move(msg.reply));
  // The request may have ended the session (finish, abort, a failed step).
  serve_waiting();
}

void collection_actor::handle(const protocol::sync_request& req, reply_channel reply) {
  if (req.family == protocol::request_family::media)
    return on_media(req, std::move(reply));
  if (req.method == sync_method::upload)
    return on_upload(req, std::move(reply));
  if (req.method == sync_method::download)
    return on_download(req, std::move(reply));
  auto body = dispatch(req);
  if (!body)
    return reply(std::unexpected(std::move(body.error())));
  reply(protocol::sync_reply{std::move(*body), config_.user, {}, 0});
}

void collection_actor::run_blocking(std::function<blocking_result()> job,
                                    std::function<void(blocking_result&)> then) {
  // `await` keeps every other message in the mailbox until the job ends;
  // requests that were waiting for a session stay queued until then too.
  blocking_ = true;
  auto done = [this, then](blocking_result& r) {
    blocking_ = false;
    then(r);
    serve_waiting();
  };
  request(config_.workers, caf::infinite, blocking_job_msg{std::move(job)})
      .await([done](blocking_result& r) { done(r); },
             [done](caf::error& e) {
               auto r = job_failed(error_code::server_error,
                                   "blocking job failed: " + caf::to_string(e));
               done(r);
             });
}

void collection_actor::on_upload(const protocol::sync_request& req, reply_channel reply) {
  // An upload replaces everything a running session would write.
  if (session_)
    end_session("a full upload replaces the collection");
  std::error_code ec;
  std::filesystem::create_directories(config_.folder, ec);
  const auto temp = temp_name(config_.folder, upload_prefix);
  const auto limit = config_.profile.max_uncompressed_bytes();
  const auto quota_bytes = quota().collection_bytes;
  // Decompressing and checking a large collection takes seconds: it runs
  // on the blocking pool while this actor waits, keeping this user's order.
  run_blocking(
      // The body copy keeps a legacy `data` part file alive (its owner)
      // until the job is done with it.
      [body = req.upload_body, encoding = req.upload_encoding, temp, limit, quota_bytes]() {
        auto remove_temp = [&] {
          std::error_code ignored;
          std::filesystem::remove(temp, ignored);
        };
        // zstd (v11), gzip or raw (legacy multipart, flag `c`).
        auto decoded =
            protocol::decode_body_to_file(encoding, body.bytes, body.file, temp.string(), limit);
        if (!decoded) {
          remove_temp();
          if (decoded.error().code == error_code::insufficient_storage)
            return disk_full_answer(decoded.error());
          blocking_result r;
          r.error = decoded.error();
          return r;
        }
        blocking_result r;
        r.ok = true;
        if (decoded->hit_limit || decoded->size >= limit) {
          remove_temp();
          r.value = upload_too_large;
          return r;
        }
        if (quota_bytes > 0 && decoded->size > quota_bytes) {
          remove_temp();
          spdlog::info("full upload of {} bytes refused: over the quota of {} bytes", decoded->size,
                       quota_bytes);
          r.value = over_quota(quota_bytes);
          return r;
        }
        if (auto valid = storage::validate_uploaded_collection(temp); !valid) {
          remove_temp();
          // Reading our own temp file back can fail on our disk: that is
          // no reason to tell the user their collection is corrupt.
          const auto code = valid.error().code;
          if (code == storage::storage_errc::io || code == storage::storage_errc::busy ||
              code == storage::storage_errc::disk_full) {
            auto failed = sync::storage_failure("checking the upload", valid.error(),
                                                error_code::server_error);
            if (failed.code == error_code::insufficient_storage)
              return disk_full_answer(failed);
            spdlog::error("full upload not stored: {}", protocol::printable(failed.message));
            return job_failed(failed.code, std::move(failed.message));
          }
          spdlog::info("uploaded collection rejected: {}", protocol::printable(valid.error().message));
          r.value = upload_corrupt;
          return r;
        }
        r.value = upload_ok;
        return r;
      },
      [this, reply, temp](blocking_result& r) {
        if (!r.ok)
          return reply(std::unexpected(r.error));
        if (r.value == upload_ok) {
          // Our connection must be closed before its file is replaced.
          col_.reset();
          committed_.reset();
          if (auto replaced =
                  storage::replace_collection_file(temp, config_.folder / "collection.anki2");
              !replaced) {
            std::error_code ignored;
            std::filesystem::remove(temp, ignored);
            auto failed =
                sync::storage_failure("storing the upload", replaced.error(), error_code::server_error);
            if (failed.code != error_code::insufficient_storage)
              return reply(std::unexpected(std::move(failed)));
            return reply(protocol::sync_reply{disk_full_answer(failed).value, config_.user, {}, 0});
          }
          // A device that decided on a normal sync before this must not
          // merge into the new file (serve_waiting).
          ++uploads_;
          registry().note_sync(config_.user);
        }
        reply(protocol::sync_reply{r.value, config_.user, {}, 0});
      });
}

void collection_actor::on_download(const protocol::sync_request& req, reply_channel reply) {
  if (session_)
    end_session("a full download was requested");
  auto col = open_collection();
  if (!col)
    return reply(std::unexpected(col.error()));
  // As upstream: the download counts as a change (usn + 1, mod = now), so
  // devices that were in sync see a new mod and run a normal sync next.
  auto& c = **col;
  auto bumped = [&]() -> storage::result<void> {
    auto row = c.read_col();
    if (!row)
      return std::unexpected(row.error());
    if (auto r = c.begin(); !r)
      return r;
    if (auto r = c.set_usn(row->usn + 1); !r)
      return r;
    if (auto r = c.set_mod(now_ms()); !r)
      return r;
    return c.commit();
  }();
  if (!bumped) {
    (void)c.rollback();
    return reply(
        error(error_code::server_error, "preparing the download: " + bumped.error().message));
  }
  refresh_committed_state();

  const auto snapshot = temp_name(config_.folder, download_prefix);
  run_blocking(
      [source = config_.folder / "collection.anki2", snapshot,
       legacy = !protocol::version::uses_zstd(req.version)]() {
        auto remove = [](const std::filesystem::path& p) {
          std::error_code ignored;
          std::filesystem::remove(p, ignored);
        };
        std::error_code ec;
        if (legacy) {
          // Legacy clients need schema 11, sent raw. Upstream rewrites the
          // stored file as schema 11 to do this; we convert a copy.
          if (auto r = storage::write_schema11_copy(source, snapshot); !r) {
            remove(snapshot);
            return job_failed(error_code::server_error, "schema-11 copy: " + r.error().message);
          }
          blocking_result r;
          r.ok = true;
          r.value = snapshot.string();
          r.size = std::filesystem::file_size(snapshot, ec);
          return r;
        }
        if (auto r = storage::snapshot_collection(source, snapshot); !r) {
          remove(snapshot);
          return job_failed(error_code::server_error, "snapshot: " + r.error().message);
        }
        const auto size = std::filesystem::file_size(snapshot, ec);
        const auto compressed = snapshot.string() + ".zst";
        auto packed = protocol::zstd_compress_file(snapshot.string(), compressed);
        remove(snapshot);
        if (!packed || ec) {
          remove(compressed);
          return job_failed(error_code::server_error, "compressing the download");
        }
        blocking_result r;
        r.ok = true;
        r.value = compressed;
        r.size = size;
        return r;
      },
      [this, reply](blocking_result& r) { reply(file_reply(r)); });
}

sync_outcome collection_actor::file_reply(const blocking_result& r) const {
  if (!r.ok)
    return std::unexpected(r.error);
  protocol::sync_reply reply;
  reply.user = config_.user;
  reply.body_file = r.value;
  reply.body_file_original_size = r.size;
  return reply;
}

collection_actor::result collection_actor::dispatch(const protocol::sync_request& req) {
  switch (req.method) {
  case sync_method::meta:
    return on_meta(req);
  case sync_method::start:
    return on_start(req);
  case sync_method::abort:
    return on_abort(req);
  case sync_method::apply_graves:
  case sync_method::apply_changes:
  case sync_method::chunk:
  case sync_method::apply_chunk:
  case sync_method::sanity_check:
  case sync_method::finish:
    return on_step(req);
  case sync_method::upload:
  case sync_method::download:
  case sync_method::host_key:
    break;
  }
  return error(error_code::server_error, "this method is not a collection method");
}

std::expected<storage::collection*, protocol::sync_error> collection_actor::open_collection() {
  if (col_)
    return &*col_;
  std::error_code ec;
  std::filesystem::create_directories(config_.folder, ec);
  if (ec)
    return error(error_code::server_error,
                 "cannot create " + config_.folder.string() + ": " + ec.message());
  storage::collection_options options;
  options.cache_kib = config_.profile.sqlite_cache_kib;
  options.mmap_bytes = config_.profile.sqlite_mmap_bytes;
  auto opened = storage::collection::open(config_.folder / "collection.anki2", options);
  if (!opened)
    return error(error_code::server_error, "cannot open the collection: " + opened.error().message);
  col_.emplace(std::move(*opened));
  refresh_committed_state();
  return &*col_;
}

void collection_actor::refresh_committed_state() {
  committed_.reset();
  if (!col_)
    return;
  if (auto state = sync::read_committed_state(*col_))
    committed_ = std::move(*state);
}

collection_actor::result collection_actor::on_meta(const protocol::sync_request& req) {
  auto body = body_of<protocol::meta_request>(req);
  if (!body)
    return std::unexpected(body.error());
  auto col = open_collection();
  if (!col)
    return std::unexpected(col.error());
  // Answered from the last commit, never from a running session's writes,
  // and without disturbing that session: the desktop client checks meta in
  // the background, and upstream's abort-on-meta breaks other devices'
  // syncs.
  if (!committed_)
    refresh_committed_state();
  if (!committed_)
    return error(error_code::server_error, "cannot read the collection's state");
  sync::meta_limits limits{config_.profile.max_uncompressed_bytes()};
  return sync::server_meta(**body, *committed_, media_usn(), limits, now_ms());
}

collection_actor::result collection_actor::on_start(const protocol::sync_request& req) {
  auto body = body_of<protocol::start_request>(req);
  if (!body)
    return std::unexpected(body.error());
  if (req.session_key.empty())
    return error(error_code::bad_request, "missing skey");
  // A new start always wins over a session in progress (upstream).
  if (session_)
    end_session("a new sync started");
  auto col = open_collection();
  if (!col)
    return std::unexpected(col.error());
  if (auto begun = (*col)->begin(); !begun)
    return error(error_code::server_error, "cannot begin the sync: " + begun.error().message);
  session_.emplace();
  session_->key = req.session_key;
  metrics().set_session(session_state::syncing);
  counters().sessions_started.add();
  auto reply = sync::server_start(**body, **col, *session_);
  if (!reply) {
    end_session("start failed");
    return reply;
  }
  // The stall time counts from the reply: the client's next request
  // comes after it, however long the step took here.
  session_->last_used = std::chrono::steady_clock::now();
  return reply;
}

collection_actor::result collection_actor::on_abort(const protocol::sync_request& req) {
  // Upstream aborts whatever runs. Another device's key leaves a running
  // sync alone instead; the answer is the same 200 either way.
  if (session_ && (req.session_key.empty() || req.session_key == session_->key))
    end_session("the client aborted");
  // A device that gave up waiting (its request timed out) takes back what
  // it left in line.
  drop_waiting_of(req.session_key);
  return protocol::encode_null_response();
}

collection_actor::result collection_actor::on_step(const protocol::sync_request& req) {
  if (req.session_key.empty())
    return error(error_code::bad_request, "missing skey");
  if (!session_)
    return error(error_code::conflict, "no active sync");
  if (session_->key != req.session_key)
    return error(error_code::conflict, "active sync with different key");
  if (session_->failed)
    return error(error_code::bad_request, "the sync failed its sanity check; start again");
  session_->last_used = std::chrono::steady_clock::now();
  auto reply = run_step(req, *session_);
  session_->last_used = std::chrono::steady_clock::now();
  if (!reply) {
    end_session(reply.error().message.c_str());
    return reply;
  }
  if (session_->failed) {
    // A failed sanity check: the client rolls back too and aborts. Its
    // next sync will be a full one.
    if (col_)
      (void)col_->rollback();
    metrics().set_session(session_state::none);
    return reply;
  }
  if (req.method == sync_method::finish) {
    counters().sessions_finished.add();
    registry().note_sync(config_.user);
    session_.reset();
    metrics().set_session(session_state::none);
    refresh_committed_state();
  }
  return reply;
}

collection_actor::result collection_actor::run_step(const protocol::sync_request& req,
                                                    sync::sync_session& session) {
  auto col = open_collection();
  if (!col)
    return std::unexpected(col.error());
  auto& c = **col;
  switch (req.method) {
  case sync_method::apply_graves:
    if (auto body = body_of<protocol::apply_graves_request>(req))
      return sync::server_apply_graves(**body, c, session);
    else
      return std::unexpected(body.error());
  case sync_method::apply_changes:
    if (auto body = body_of<protocol::apply_changes_request>(req))
      return sync::server_apply_changes(**body, c, session, now_ms());
    else
      return std::unexpected(body.error());
  case sync_method::chunk:
    return sync::server_chunk(c, session);
  case sync_method::apply_chunk:
    if (auto body = body_of<protocol::apply_chunk_request>(req))
      return sync::server_apply_chunk(**body, c, session);
    else
      return std::unexpected(body.error());
  case sync_method::sanity_check:
    if (auto body = body_of<protocol::sanity_request>(req))
      return sync::server_sanity_check(**body, c, session);
    else
      return std::unexpected(body.error());
  case sync_method::finish:
    return sync::server_finish(c, session, now_ms());
  default:
    return error(error_code::server_error, "not a session step");
  }
}

void collection_actor::end_session(const char* why) {
  if (!session_)
    return;
  spdlog::info("sync session of {} ended: {}", config_.user, protocol::printable(why));
  counters().sessions_aborted.add();
  if (col_)
    if (auto r = col_->rollback(); !r)
      spdlog::error("rolling back the sync of {}: {}", config_.user, r.error().message);
  session_.reset();
  metrics().set_session(session_state::none);
}

void collection_actor::on_session_check() {
  if (session_) {
    // Upstream keeps an abandoned session's write transaction open forever.
    if (std::chrono::steady_clock::now() - session_->last_used >=
        config_.profile.session_idle_timeout) {
      counters().sessions_timed_out.add();
      end_session("no request within the session idle time");
    }
    else if (!waiting_.empty() || !tasks_.empty())
      abandon_if_stalled();
  }
  serve_waiting();
}

user_quota collection_actor::quota() const {
  user_quota q{config_.profile.quota_collection_mb << 20, config_.profile.quota_media_mb << 20};
  if (config_.users_db_file.empty())
    return q;
  auto db = storage::users_db::open(config_.users_db_file);
  auto own = db ? db->quota_of(config_.user) : std::unexpected(db.error());
  if (!own) {
    spdlog::warn("quota of {}: {}; the profile's applies", config_.user, own.error().message);
    return q;
  }
  if (own->collection_mb)
    q.collection_bytes = static_cast<std::uint64_t>(*own->collection_mb) << 20;
  if (own->media_mb)
    q.media_bytes = static_cast<std::uint64_t>(*own->media_mb) << 20;
  return q;
}

void collection_actor::on_evict() {
  // Closing mid-session would throw away the client's work; the registry
  // asks again later. Waiting requests mean a session is open.
  if ((session_ && !session_->failed) || !waiting_.empty() || !tasks_.empty()) {
    caf::anon_send(caf::actor_cast<caf::actor>(current_sender()),
                   evict_refused_msg{config_.user});
    return;
  }
  quit();
}

} // namespace ankisync::actors
