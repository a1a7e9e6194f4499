#pragma once

// Many users for one server, cheap to set up: each gets a copy of one
// fresh collection in its data folder before the server starts (so its
// devices share the scm and sync normally from the first call), a PHC
// password hash of few rounds (PASSWORDS_HASHED, so starting and logging in
// do not spend 600,000 PBKDF2 rounds per user) and the host key the server
// derives for an env user, computed here instead of a thousand logins.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "tools/bench/scenario.hpp"
#include "tools/client/device.hpp"

namespace ankisync::bench {

struct fleet_user {
  std::string name;
  std::string host_key;
};

class user_fleet {
public:
  // Makes the template collection under `work`.
  user_fleet(const std::filesystem::path& work, std::size_t count);

  const std::vector<fleet_user>& users() const { return users_; }
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
  std::filesystem::path template_;
  std::vector<fleet_user> users_;
  std::vector<std::string> env_values_;
};

} // namespace ankisync::bench
