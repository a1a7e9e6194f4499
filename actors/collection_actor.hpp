#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "actors/messages.hpp"
#include "actors/metered_actor.hpp"
#include "profiles/profile.hpp"

namespace ankisync::actors {

struct collection_config {
  std::string user;
  std::filesystem::path folder; // <data>/<user>
  profiles::profile profile;
};

// Owns one user's folder: the collection file and (later) media. Only this
// actor touches those files, and it takes one message at a time, so that
// user's syncs and media transfers are serialized without locks.
class collection_actor : public metered_actor {
public:
  collection_actor(caf::actor_config& cfg, std::shared_ptr<metrics_registry> metrics,
                   collection_config config);

  caf::behavior make_behavior() override;

private:
  sync_result_msg on_request(user_request_msg& msg);
  void on_evict();
  bool session_open() const { return false; }

  collection_config config_;
  std::string folder_error_; // set when the user's folder could not be made
};

} // namespace ankisync::actors
