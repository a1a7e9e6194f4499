#include "actors/collection_actor.hpp"

#include <caf/send.hpp>

#include <system_error>

namespace ankisync::actors {
namespace {

using protocol::error_code;
using protocol::make_error;

} // namespace

collection_actor::collection_actor(caf::actor_config& cfg,
                                   std::shared_ptr<metrics_registry> metrics,
                                   collection_config config)
    : metered_actor(cfg, std::move(metrics), "collection", config.user),
      config_(std::move(config)) {
  std::error_code ec;
  std::filesystem::create_directories(config_.folder, ec);
  if (ec)
    folder_error_ = "cannot create " + config_.folder.string() + ": " + ec.message();
}

caf::behavior collection_actor::make_behavior() {
  return {
      [this](user_request_msg& msg) { return on_request(msg); },
      [this](evict_msg) { on_evict(); },
  };
}

sync_result_msg collection_actor::on_request(user_request_msg& msg) {
  if (!folder_error_.empty())
    return {std::unexpected(make_error(error_code::server_error, folder_error_))};
  const auto& req = msg.request;
  std::string name = req.family == protocol::request_family::sync
                         ? std::string(protocol::to_string(req.method))
                         : std::string(protocol::to_string(req.media));
  return {std::unexpected(make_error(error_code::server_error,
                                     "method " + name + " is not implemented yet"))};
}

void collection_actor::on_evict() {
  // Closing mid-session would throw away the client's work; the registry
  // asks again later.
  if (session_open()) {
    caf::anon_send(caf::actor_cast<caf::actor>(current_sender()),
                   evict_refused_msg{config_.user});
    return;
  }
  quit();
}

} // namespace ankisync::actors
