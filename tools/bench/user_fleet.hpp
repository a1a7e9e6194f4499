#pragma once

// Many users for one server (tools/client/env_fleet.hpp), as the bench
// starts them: their server options and devices whose local writes are
// not made durable.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "tools/bench/scenario.hpp"
#include "tools/client/device.hpp"
#include "tools/client/env_fleet.hpp"

namespace ankisync::bench {

using client::fleet_user;

class user_fleet {
public:
  // Makes the template collection under `work`.
  user_fleet(const std::filesystem::path& work, std::size_t count);

  const std::vector<fleet_user>& users() const { return fleet_.users(); }
  // The server options with these users and their collections.
  server_runner_options server_options(server_runner_options base) const;
  // A device holding user `i`'s collection, at <work>/<folder>/<name>,
  // its last sync set to the collection's mod: the first sync finds no
  // changes. Local writes are not made durable.
  client::device device(std::size_t i, const std::string& folder) const;
  // Checks a real login gives the host key computed here.
  void check_login(const target& t) const;

private:
  std::filesystem::path work_;
  client::env_fleet fleet_;
};

} // namespace ankisync::bench
