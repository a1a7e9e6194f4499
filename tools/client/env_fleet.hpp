#pragma once

// Many users for one server, cheap to set up, for the bench and the chaos
// campaigns: one fresh collection made here and copied into each user's
// data folder before the server starts (so a user's devices share its scm
// and sync normally from the first call), env users with a PBKDF2 hash of
// few rounds (given with PASSWORDS_HASHED, so starting and logging in do
// not spend 600,000 rounds per user) and the host keys the server derives
// for env users, computed here instead of a login per user.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "tools/client/device.hpp"

namespace ankisync::client {

struct fleet_user {
  std::string name;
  std::string host_key;
};

class env_fleet {
public:
  // Every user's password.
  static constexpr const char* password = "pw";

  // Makes the template collection under `work`. Names are u00000, u00001...
  env_fleet(const std::filesystem::path& work, std::size_t count);

  const std::vector<fleet_user>& users() const { return users_; }
  // The SYNC_USERn values in order ("name:<PHC>"), for PASSWORDS_HASHED.
  const std::vector<std::string>& env_values() const { return env_values_; }
  // Copies the template into <data>/<name>/collection.anki2 for each user.
  void place_collections(const std::filesystem::path& data_dir) const;
  // A device of user `i` at `folder`, a copy of the template with the
  // user's host key, its last sync set to the collection's mod: the first
  // sync finds no changes.
  device make_device(std::size_t i, const std::filesystem::path& folder) const;

private:
  std::filesystem::path template_;
  std::vector<fleet_user> users_;
  std::vector<std::string> env_values_;
};

} // namespace ankisync::client
