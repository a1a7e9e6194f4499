#pragma once

// The users of a campaign and their devices: one template collection
// copied into each user's data folder before the server starts (so every
// device of a user shares its scm and syncs normally from the first call),
// env users with a PBKDF2 hash of few rounds (PASSWORDS_HASHED: a
// thousand users start and log in cheaply) and host keys derived here.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/integration/server_process.hpp"
#include "tools/client/device.hpp"

namespace ankisync::chaos {

struct fleet_user {
  std::string name;
  std::string host_key;
};

class fleet {
public:
  fleet(const std::filesystem::path& work, std::size_t users);

  const std::vector<fleet_user>& users() const { return users_; }
  // Server options naming these users and placing their collections.
  integration::server_options server_options(integration::env_list extra_env,
                                             std::vector<std::string> args) const;
  // Device `slot` of user `i`, a copy of the template, at
  // <work>/devices/<name>/<slot>.
  client::device device(std::size_t i, int slot) const;
  std::filesystem::path collection(const std::filesystem::path& data_dir, std::size_t i) const {
    return data_dir / users_.at(i).name / "collection.anki2";
  }

private:
  std::filesystem::path work_;
  std::filesystem::path template_;
  std::vector<fleet_user> users_;
  std::vector<std::string> env_values_;
};

} // namespace ankisync::chaos
