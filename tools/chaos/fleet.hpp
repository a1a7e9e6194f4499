#pragma once

// The users of a campaign (tools/client/env_fleet.hpp) as the integration
// harness starts them.

#include <filesystem>
#include <string>
#include <vector>

#include "tests/integration/server_process.hpp"
#include "tools/client/env_fleet.hpp"

namespace ankisync::chaos {

// Server options naming the fleet's users and placing their collections.
integration::server_options fleet_server_options(const client::env_fleet& fleet,
                                                 integration::env_list extra_env,
                                                 std::vector<std::string> args);

// <data>/<name>/collection.anki2
inline std::filesystem::path user_collection(const std::filesystem::path& data_dir,
                                             const client::fleet_user& user) {
  return data_dir / user.name / "collection.anki2";
}

} // namespace ankisync::chaos
