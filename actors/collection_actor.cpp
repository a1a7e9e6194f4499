#include "actors/collection_actor.hpp"

#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <system_error>

#include "protocol/empty.hpp"

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
      config_(std::move(config)) {}

caf::behavior collection_actor::make_behavior() {
  return {
      [this](user_request_msg& msg) { return on_request(msg); },
      [this](evict_msg) { on_evict(); },
      [this](const session_timeout_msg& msg) { on_session_timeout(msg.generation); },
  };
}

void collection_actor::on_exit() {
  if (session_)
    end_session("the server is stopping or the user's actor closed");
  col_.reset();
  metered_actor::on_exit();
}

sync_result_msg collection_actor::on_request(user_request_msg& msg) {
  const auto& req = msg.request;
  if (req.family == protocol::request_family::media)
    return {error(error_code::server_error, "media sync is not implemented yet")};
  auto body = dispatch(req);
  if (!body)
    return {std::unexpected(std::move(body.error()))};
  return {protocol::sync_reply{std::move(*body), config_.user}};
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
    return error(error_code::server_error, "full sync is not implemented yet");
  case sync_method::host_key:
    break;
  }
  return error(error_code::server_error, "hostKey reached a collection actor");
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
  return sync::server_meta(**body, *committed_, 0, limits, now_ms());
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
  ++session_generation_;
  metrics().set_session(session_state::syncing);
  auto reply = sync::server_start(**body, **col, *session_);
  if (!reply) {
    end_session("start failed");
    return reply;
  }
  delayed_send(this, config_.profile.session_idle_timeout,
               session_timeout_msg{session_generation_});
  return reply;
}

collection_actor::result collection_actor::on_abort(const protocol::sync_request& req) {
  // Upstream aborts whatever runs. Another device's key leaves a running
  // sync alone instead; the answer is the same 200 either way.
  if (session_ && (req.session_key.empty() || req.session_key == session_->key))
    end_session("the client aborted");
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
  spdlog::info("sync session of {} ended: {}", config_.user, why);
  if (col_)
    if (auto r = col_->rollback(); !r)
      spdlog::error("rolling back the sync of {}: {}", config_.user, r.error().message);
  session_.reset();
  metrics().set_session(session_state::none);
}

void collection_actor::on_session_timeout(std::uint64_t generation) {
  if (!session_ || generation != session_generation_)
    return;
  const auto idle = std::chrono::steady_clock::now() - session_->last_used;
  const auto limit = config_.profile.session_idle_timeout;
  if (idle >= limit) {
    // Upstream keeps an abandoned session's write transaction open forever.
    end_session("no request within the session idle time");
    return;
  }
  delayed_send(this, std::chrono::duration_cast<std::chrono::milliseconds>(limit - idle),
               session_timeout_msg{generation});
}

void collection_actor::on_evict() {
  // Closing mid-session would throw away the client's work; the registry
  // asks again later.
  if (session_ && !session_->failed) {
    caf::anon_send(caf::actor_cast<caf::actor>(current_sender()),
                   evict_refused_msg{config_.user});
    return;
  }
  quit();
}

} // namespace ankisync::actors
