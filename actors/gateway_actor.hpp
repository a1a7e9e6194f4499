#pragma once

#include <caf/actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/result.hpp>

#include <chrono>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/blocking_pool.hpp"
#include "actors/login_gate.hpp"
#include "actors/messages.hpp"
#include "actors/metered_actor.hpp"
#include "storage/file_watch.hpp"
#include "storage/users_db.hpp"

namespace ankisync::actors {

namespace recording {
class recorder;
}

struct gateway_config {
  std::filesystem::path users_db_file;
  registry_iface registry;
  blocking_pool* pool = nullptr;
  // Failure budgets, hashing slots and the wait bound of logins.
  login_gate_limits logins;
  // Caps of a login's decompressed body (actors/payload_limits.hpp).
  protocol::envelope_limits payload;
  // Sees the requests and answers of recorded users; may be null. Outlives
  // the actor system.
  recording::recorder* recorder = nullptr;
};

// The door of the actor world: logs users in (hashing on the blocking
// pool, in the order and within the budgets of login_gate.hpp), turns host keys into usernames from an in-memory index, and sends
// each authenticated request straight to the user's collection actor,
// whose handle it keeps; the registry is asked only for a user it has no
// handle of (first request, after an eviction), and that user's requests
// wait here meanwhile, in order. Answers go from the collection actor to
// the connection through the request's reply channel.
//
// The index is re-read only when users.db or its WAL changed (a file
// watch: one non-blocking read per request, no SQL), which is also how
// `ankisync user ...` in another process takes effect at once.
//
// A recorded user's stream starts with a copy of their folder, made on
// the blocking pool; that user's requests wait here meanwhile, in arrival
// order, while every other user's go on (gateway_recorded.cpp).
class gateway_actor : public metered<gateway_iface::base> {
public:
  gateway_actor(caf::actor_config& cfg, std::shared_ptr<metrics_registry> metrics,
                gateway_config config);

  behavior_type make_behavior() override;
  void on_exit() override;

private:
  void on_request(sync_request_msg& msg);
  void on_login(protocol::sync_request& req, reply_channel reply);
  // Hashes on the blocking pool; `record_ticket` 0: not recorded.
  void start_login(const protocol::sync_request& req, reply_channel reply,
                   std::uint64_t record_ticket);
  void on_login_done(const login_done_msg& msg);
  // Acts on the login gate's decisions: hashes, 429s, 503s.
  void admit_logins();

  // To the user's collection actor, or behind the lookup of its handle.
  void route(user_request_msg&& msg);
  void on_found(const std::string& user, collection_iface handle);
  void on_evict_user(const evict_user_msg& msg);
  void on_user_gone(const user_gone_msg& msg);

  // A request (a login too) of a user who is being recorded.
  struct recorded_request {
    protocol::sync_request request;
    reply_channel reply;
  };
  // Records and hands on `r`, or holds it behind a stream start of `user`.
  void admit_recorded(const std::string& user, recorded_request&& r);
  void hand_on(const std::string& user, recorded_request&& r, std::uint64_t ticket);
  void on_start_copied(start_copied_msg& msg);

  // Username for a host key; reloads the index when users.db changed.
  std::expected<std::optional<std::string>, std::string> user_for(const std::string& host_key);

  struct pending_login {
    reply_channel reply;
    std::string ip;
    std::string user;
    std::string password; // until it is handed to the hashing job
    std::uint64_t record_ticket = 0; // 0: not recorded
  };
  void hash_login(std::uint64_t ticket, pending_login& login);
  void answer_login(std::uint64_t ticket, sync_outcome result);

  gateway_config config_;
  std::optional<storage::users_db> db_;
  storage::file_watch users_db_watch_;
  bool host_keys_loaded_ = false;
  storage::host_key_index host_keys_;
  // Collection actors by user, and the requests of users being looked up.
  std::unordered_map<std::string, collection_iface> collections_;
  std::unordered_map<std::string, std::vector<user_request_msg>> finding_;
  std::uint64_t next_ticket_ = 0;
  std::unordered_map<std::uint64_t, pending_login> logins_;
  login_gate gate_;
  bool login_tick_armed_ = false;
  // Users whose stream start is being copied, with their requests since.
  std::unordered_map<std::string, std::deque<recorded_request>> held_;
};

} // namespace ankisync::actors
