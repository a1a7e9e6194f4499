#include "actors/collection_actor.hpp"

#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <system_error>

#include "actors/overloaded.hpp"
#include "actors/payload_limits.hpp"
#include "actors/sync/row_convert.hpp"
#include "actors/temp_files.hpp"
#include "protocol/empty.hpp"
#include "protocol/payload.hpp"
#include "protocol/printable.hpp"
#include "protocol/version.hpp"
#include "storage/full_sync.hpp"
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

} // namespace

collection_actor::collection_actor(caf::actor_config& cfg,
                                   std::shared_ptr<metrics_registry> metrics,
                                   collection_config config)
    : metered(cfg, std::move(metrics), "collection", config.user),
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

collection_actor::behavior_type collection_actor::make_behavior() {
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
  metered::on_exit();
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
  auto answer = [&](result body) {
    if (!body)
      return reply(std::unexpected(std::move(body.error())));
    reply(protocol::sync_reply{std::move(*body), config_.user, {}, 0});
  };
  // One handler per method, by the type of its body: a method added to
  // protocol::request_body without one here does not compile.
  std::visit(overloaded{
                 [&](const protocol::meta_request& body) { answer(on_meta(body)); },
                 [&](const protocol::start_request& body) { answer(on_start(req, body)); },
                 [&](const protocol::abort_request&) { answer(on_abort(req)); },
                 [&](const protocol::apply_graves_request&) { answer(on_step(req)); },
                 [&](const protocol::apply_changes_request&) { answer(on_step(req)); },
                 [&](const protocol::chunk_request&) { answer(on_step(req)); },
                 [&](const protocol::apply_chunk_request&) { answer(on_step(req)); },
                 [&](const protocol::sanity_request&) { answer(on_step(req)); },
                 [&](const protocol::finish_request&) { answer(on_step(req)); },
                 [&](const protocol::upload_request&) { on_upload(req, std::move(reply)); },
                 [&](const protocol::download_request&) { on_download(req, std::move(reply)); },
                 // The gateway answers logins; a body still undecoded
                 // never reaches this actor.
                 [&](const protocol::host_key_request&) {
                   answer(error(error_code::server_error, "a login reached a user's actor"));
                 },
                 [&](const std::monostate&) {
                   answer(error(error_code::server_error,
                                "request body of " + std::string(protocol::to_string(req.method)) +
                                    " was not decoded"));
                 },
             },
             req.body);
}

void collection_actor::run_blocking_job(
    std::function<void()> job, std::function<void(std::optional<protocol::sync_error>)> then) {
  // `await` keeps every other message in the mailbox until the job ends;
  // requests that were waiting for a session stay queued until then too.
  blocking_ = true;
  auto done = [this, then](std::optional<protocol::sync_error> failed) {
    blocking_ = false;
    then(std::move(failed));
    serve_waiting();
  };
  blocking_job_msg msg{[job = std::move(job)] {
    job();
    blocking_result r;
    r.ok = true;
    return r;
  }};
  request(config_.workers, caf::infinite, std::move(msg))
      .await(
          [done](blocking_result& r) {
            done(r.ok ? std::nullopt : std::optional<protocol::sync_error>(std::move(r.error)));
          },
          [done](caf::error& e) {
            done(make_error(error_code::server_error, "blocking job failed: " + caf::to_string(e)));
          });
}

void collection_actor::on_upload(const protocol::sync_request& req, reply_channel reply) {
  // An upload replaces everything a running session would write.
  if (session_)
    end_session("a full upload replaces the collection");
  std::error_code ec;
  std::filesystem::create_directories(config_.folder, ec);
  sync::upload_job job{req.upload_body, req.upload_encoding,
                       temp_name(config_.folder, upload_prefix),
                       config_.profile.max_uncompressed_bytes(), quota().collection_bytes};
  // Decompressing and checking a large collection takes seconds: it runs
  // on the blocking pool while this actor waits, keeping this user's order.
  run_blocking<sync::checked_upload>(
      [job] { return sync::check_upload(job); },
      [this, reply, temp = job.temp, quota_bytes = job.quota_bytes](
          std::expected<sync::checked_upload, protocol::sync_error> checked) {
        if (!checked)
          return reply(std::unexpected(std::move(checked.error())));
        auto verdict = checked->verdict;
        if (verdict == sync::upload_verdict::accepted) {
          // Our connection must be closed before its file is replaced.
          col_.reset();
          committed_.reset();
          if (auto replaced =
                  storage::replace_collection_file(temp, config_.folder / "collection.anki2");
              !replaced) {
            std::error_code ignored;
            std::filesystem::remove(temp, ignored);
            auto failed = sync::storage_failure("storing the upload", replaced.error(),
                                                error_code::server_error);
            if (failed.code != error_code::insufficient_storage)
              return reply(std::unexpected(std::move(failed)));
            spdlog::error("full upload not stored: {}", protocol::printable(failed.message));
            verdict = sync::upload_verdict::disk_full;
          } else {
            // A device that decided on a normal sync before this must not
            // merge into the new file (serve_waiting).
            ++uploads_;
            registry().note_sync(config_.user);
          }
        }
        reply(protocol::sync_reply{sync::upload_answer(verdict, quota_bytes), config_.user, {}, 0});
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

  run_blocking<sync::prepared_file>(
      [source = config_.folder / "collection.anki2",
       snapshot = temp_name(config_.folder, download_prefix),
       legacy = !protocol::version::uses_zstd(req.version)] {
        return sync::prepare_download(source, snapshot, legacy);
      },
      [this, reply](std::expected<sync::prepared_file, protocol::sync_error> r) {
        if (!r)
          return reply(std::unexpected(std::move(r.error())));
        reply(file_reply(r->file, r->original_size));
      });
}

sync_outcome collection_actor::file_reply(const std::filesystem::path& file,
                                          std::uint64_t original_size) const {
  protocol::sync_reply reply;
  reply.user = config_.user;
  reply.body_file = file.string();
  reply.body_file_original_size = original_size;
  return reply;
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

collection_actor::result collection_actor::on_meta(const protocol::meta_request& body) {
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
  return sync::server_meta(body, *committed_, media_usn(), limits, now_ms());
}

collection_actor::result collection_actor::on_start(const protocol::sync_request& req,
                                                    const protocol::start_request& body) {
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
  auto reply = sync::server_start(body, **col, *session_);
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
  if (std::holds_alternative<protocol::finish_request>(req.body)) {
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
  auto not_a_step = [&] { return error(error_code::server_error, "not a session step"); };
  return std::visit(
      overloaded{
          [&](const protocol::apply_graves_request& body) -> result {
            return sync::server_apply_graves(body, c, session);
          },
          [&](const protocol::apply_changes_request& body) -> result {
            return sync::server_apply_changes(body, c, session, now_ms());
          },
          [&](const protocol::chunk_request&) -> result { return sync::server_chunk(c, session); },
          [&](const protocol::apply_chunk_request& body) -> result {
            return sync::server_apply_chunk(body, c, session);
          },
          [&](const protocol::sanity_request& body) -> result {
            return sync::server_sanity_check(body, c, session);
          },
          [&](const protocol::finish_request&) -> result {
            return sync::server_finish(c, session, now_ms());
          },
          [&](const protocol::meta_request&) -> result { return not_a_step(); },
          [&](const protocol::start_request&) -> result { return not_a_step(); },
          [&](const protocol::abort_request&) -> result { return not_a_step(); },
          [&](const protocol::upload_request&) -> result { return not_a_step(); },
          [&](const protocol::download_request&) -> result { return not_a_step(); },
          [&](const protocol::host_key_request&) -> result { return not_a_step(); },
          [&](const std::monostate&) -> result { return not_a_step(); },
      },
      req.body);
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
    caf::anon_send(caf::actor_cast<registry_iface>(current_sender()),
                   evict_refused_msg{config_.user});
    return;
  }
  quit();
}

} // namespace ankisync::actors
