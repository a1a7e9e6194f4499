#include "actors/gateway_actor.hpp"

#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include "actors/recording/recorder.hpp"
#include "protocol/payload.hpp"
#include "storage/unicode_text.hpp"

namespace ankisync::actors {
namespace {

using protocol::error_code;
using protocol::make_error;

sync_outcome failure(error_code code, std::string message) {
  return std::unexpected(make_error(code, std::move(message)));
}

// How often waiting logins are looked at while none finishes hashing.
constexpr auto login_tick = std::chrono::milliseconds(250);

} // namespace

gateway_actor::gateway_actor(caf::actor_config& cfg, std::shared_ptr<metrics_registry> metrics,
                             gateway_config config)
    : metered(cfg, std::move(metrics), "gateway"), config_(std::move(config)),
      users_db_watch_(config_.users_db_file.parent_path(),
                      {config_.users_db_file.filename().string(),
                       config_.users_db_file.filename().string() + "-wal"}),
      gate_(config_.logins) {}

// The gateway and the registry hold each other's handles, and CAF frees an
// actor only when its last handle goes: kept past the stop, the two would
// keep each other (and the worker pool the registry holds) alive for good.
void gateway_actor::on_exit() {
  config_.registry = registry_iface{};
  collections_.clear();
  metered::on_exit();
}

gateway_actor::behavior_type gateway_actor::make_behavior() {
  return {
      [this](sync_request_msg& msg) { on_request(msg); },
      [this](const login_done_msg& msg) { on_login_done(msg); },
      [this](login_tick_msg) {
        login_tick_armed_ = false;
        admit_logins();
      },
      [this](start_copied_msg& msg) { on_start_copied(msg); },
      [this](const evict_user_msg& msg) { on_evict_user(msg); },
      [this](const user_gone_msg& msg) { on_user_gone(msg); },
  };
}

void gateway_actor::on_request(sync_request_msg& msg) {
  auto& req = msg.request;
  if (req.family == protocol::request_family::sync &&
      req.method == protocol::sync_method::host_key) {
    // A login's body is its credentials, capped at a few KiB; it has no
    // key to check first.
    if (auto decoded = protocol::decode_payload(req, config_.payload); !decoded)
      return msg.reply(std::unexpected(std::move(decoded.error())));
    return on_login(req, std::move(msg.reply));
  }

  auto user = user_for(req.host_key);
  if (!user)
    return msg.reply(failure(error_code::server_error, "users database: " + user.error()));
  if (!*user)
    return msg.reply(failure(error_code::auth_failed, "invalid host key"));
  // From here on the log line can say whose request it was, failed or not.
  msg.reply = msg.reply.naming(**user);
  // Only now is the body decompressed (protocol/payload.hpp), so a
  // stranger's never is. A small one (a few KiB at most: meta, chunk, ...)
  // here, which keeps the user's actor free for the work itself; a larger
  // one by the user's actor, so that it costs only its sender, never the
  // door.
  if (protocol::payload_class_of(req) == protocol::payload_class::tiny)
    if (auto decoded = protocol::decode_payload(req, config_.payload); !decoded)
      return msg.reply(std::unexpected(std::move(decoded.error())));
  if (config_.recorder && config_.recorder->is_recording(**user))
    return admit_recorded(**user, recorded_request{std::move(req), std::move(msg.reply)});
  route(user_request_msg{std::move(**user), std::move(req), std::move(msg.reply)});
}

void gateway_actor::route(user_request_msg&& msg) {
  if (auto it = collections_.find(msg.user); it != collections_.end()) {
    send(it->second, std::move(msg));
    return;
  }
  // Behind the first one, a user's requests wait for the same handle, so
  // none overtakes another.
  auto [waiting, first] = finding_.try_emplace(msg.user);
  waiting->second.push_back(std::move(msg));
  if (!first)
    return;
  const auto user = waiting->first;
  request(config_.registry, caf::infinite, find_user_msg{user})
      .then([this, user](collection_iface& handle) { on_found(user, std::move(handle)); },
            [this, user](caf::error& err) {
              auto waiting = finding_.extract(user);
              if (waiting.empty())
                return;
              for (auto& m : waiting.mapped())
                m.reply(failure(error_code::server_error,
                                "no collection actor for the user: " + caf::to_string(err)));
            });
}

void gateway_actor::on_found(const std::string& user, collection_iface handle) {
  auto waiting = finding_.extract(user);
  collections_[user] = handle;
  if (waiting.empty())
    return;
  for (auto& m : waiting.mapped())
    send(handle, std::move(m));
}

void gateway_actor::on_evict_user(const evict_user_msg& msg) {
  if (auto it = collections_.find(msg.user); it != collections_.end() && it->second == msg.handle)
    collections_.erase(it);
  // Sent as the registry, which hears a refusal; behind every request this
  // gateway sent before, so the actor has answered them all when it goes.
  caf::send_as(config_.registry, msg.handle, evict_msg{});
}

void gateway_actor::on_user_gone(const user_gone_msg& msg) {
  if (auto it = collections_.find(msg.user); it != collections_.end() && it->second == msg.handle)
    collections_.erase(it);
}

void gateway_actor::on_login(protocol::sync_request& req, reply_channel reply) {
  auto* body = std::get_if<protocol::host_key_request>(&req.body);
  if (!body)
    return reply(failure(error_code::bad_request, "hostKey needs a {\"u\",\"p\"} body"));
  // Names are stored in NFC (storage/username.hpp): the recorder, the log
  // line, the failure budgets and the users database then see the one
  // spelling of this user.
  body->username = storage::to_nfc(body->username);
  if (config_.recorder && config_.recorder->is_recording(body->username)) {
    auto user = body->username;
    return admit_recorded(user, recorded_request{std::move(req), std::move(reply)});
  }
  start_login(req, std::move(reply), 0);
}

void gateway_actor::start_login(const protocol::sync_request& req, reply_channel reply,
                                std::uint64_t record_ticket) {
  const auto* body = std::get_if<protocol::host_key_request>(&req.body);
  const auto ticket = ++next_ticket_;
  logins_.emplace(ticket, pending_login{std::move(reply), req.client_ip, body->username,
                                        body->password, record_ticket});
  gate_.arrive(ticket, req.client_ip, body->username, std::chrono::steady_clock::now());
  admit_logins();
}

void gateway_actor::admit_logins() {
  for (const auto& d : gate_.next(std::chrono::steady_clock::now())) {
    auto it = logins_.find(d.id);
    if (it == logins_.end())
      continue;
    switch (d.what) {
    case login_gate::verdict::hash:
      hash_login(d.id, it->second);
      break;
    case login_gate::verdict::throttle:
      counters().login(protocol::login_result::throttled).add();
      answer_login(d.id, failure(error_code::too_many_requests,
                                 "too many failed logins, try again in a minute"));
      break;
    case login_gate::verdict::too_late:
      answer_login(d.id, failure(error_code::unavailable,
                                 "too many logins at once, try again in a moment"));
      break;
    }
  }
  // Waiting logins are looked at again on a tick too, so one whose wait
  // runs out while every hashing slot is taken still gets its answer.
  if (gate_.waiting() > 0 && !login_tick_armed_) {
    login_tick_armed_ = true;
    delayed_send(this, login_tick, login_tick_msg{});
  }
}

void gateway_actor::hash_login(std::uint64_t ticket, pending_login& login) {
  // Hashing takes a good fraction of a second by design; it runs on the
  // blocking pool so other users' requests keep flowing meanwhile.
  config_.pool->submit([file = config_.users_db_file, user = login.user,
                        password = std::exchange(login.password, {}), ticket,
                        gateway = caf::actor_cast<gateway_iface>(this)] {
    login_done_msg done;
    done.ticket = ticket;
    auto db = storage::users_db::open(file);
    if (!db) {
      done.failure = db.error().message;
    } else if (auto key = db->login(user, password); !key) {
      done.failure = key.error().message;
    } else if (*key) {
      done.ok = true;
      done.host_key = std::move(**key);
    }
    caf::anon_send(gateway, std::move(done));
  });
}

void gateway_actor::answer_login(std::uint64_t ticket, sync_outcome result) {
  auto it = logins_.find(ticket);
  if (it == logins_.end())
    return;
  auto pending = std::move(it->second);
  logins_.erase(it);
  if (pending.record_ticket != 0)
    config_.recorder->on_response(pending.record_ticket, result);
  pending.reply(std::move(result));
}

void gateway_actor::on_login_done(const login_done_msg& msg) {
  auto it = logins_.find(msg.ticket);
  if (it == logins_.end())
    return;
  // A server fault (users.db unreadable) is neither result: it shows as
  // a 5xx in the request counts, and spends no failure budget.
  const bool wrong = msg.failure.empty() && !msg.ok;
  gate_.done(msg.ticket, wrong, std::chrono::steady_clock::now());
  if (!msg.failure.empty()) {
    answer_login(msg.ticket, failure(error_code::server_error, "login failed: " + msg.failure));
  } else if (wrong) {
    counters().login(protocol::login_result::failed).add();
    answer_login(msg.ticket, failure(error_code::auth_failed, "wrong username or password"));
  } else {
    counters().login(protocol::login_result::ok).add();
    protocol::sync_reply reply;
    reply.body = protocol::encode_host_key_response(msg.host_key);
    reply.user = it->second.user;
    answer_login(msg.ticket, std::move(reply));
  }
  admit_logins();
}

std::expected<std::optional<std::string>, std::string>
gateway_actor::user_for(const std::string& host_key) {
  if (!db_) {
    auto opened = storage::users_db::open(config_.users_db_file);
    if (!opened)
      return std::unexpected(opened.error().message);
    db_.emplace(std::move(*opened));
  }
  // Logins (on pool threads) and `ankisync user ...` (another process)
  // write through other connections; the watch tells us when. The read
  // is short (one row per device) and happens only after a change, so it
  // is done here rather than behind a hop to the blocking pool, which
  // would let a request through on a key revoked a moment before.
  if (users_db_watch_.changed() || !host_keys_loaded_) {
    auto keys = db_->host_keys();
    if (!keys)
      return std::unexpected(keys.error().message);
    host_keys_ = std::move(*keys);
    host_keys_loaded_ = true;
  }
  auto user = host_keys_.user_of(host_key);
  if (!user)
    return std::optional<std::string>{};
  return std::optional<std::string>{std::string(*user)};
}

} // namespace ankisync::actors
