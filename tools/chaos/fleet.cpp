#include "tools/chaos/fleet.hpp"

namespace ankisync::chaos {

integration::server_options fleet_server_options(const client::env_fleet& fleet,
                                                 integration::env_list extra_env,
                                                 std::vector<std::string> args) {
  integration::server_options o;
  for (std::size_t i = 0; i < fleet.env_values().size(); ++i)
    o.env.emplace_back("SYNC_USER" + std::to_string(i + 1), fleet.env_values()[i]);
  o.env.emplace_back("PASSWORDS_HASHED", "1");
  o.env.insert(o.env.end(), extra_env.begin(), extra_env.end());
  o.args = std::move(args);
  // A thousand users take a while to read and hash-check at start.
  o.ready_timeout = std::chrono::seconds(120);
  o.prepare = [&fleet](const std::filesystem::path& data) { fleet.place_collections(data); };
  return o;
}

} // namespace ankisync::chaos
