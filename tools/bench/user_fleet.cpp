#include "tools/bench/user_fleet.hpp"

#include <cstdio>

#include "storage/collection.hpp"
#include "storage/password_hash.hpp"
#include "tools/bench/scenario_support.hpp"

namespace ankisync::bench {
namespace fs = std::filesystem;

namespace {
constexpr const char* fleet_password = "pw";
// Enough to be a real PBKDF2 hash, few enough that logins cost nothing.
constexpr std::uint32_t fleet_rounds = 100;
} // namespace

user_fleet::user_fleet(const fs::path& work, std::size_t count)
    : work_(work), template_(work / "fleet-template.anki2") {
  {
    // Closing the only connection folds the WAL into the file.
    auto col = must(storage::collection::open(template_), "template collection");
  }
  for (const char* suffix : {"-wal", "-shm"})
    fs::remove(template_.string() + suffix);
  const std::string phc = storage::hash_password(fleet_password, fleet_rounds);
  if (phc.empty())
    throw std::runtime_error("cannot hash the fleet's password");
  for (std::size_t i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "u%05zu", i);
    const std::string env = std::string(name) + ":" + phc;
    users_.push_back({name, storage::derive_env_host_key(env)});
    env_values_.push_back(env);
  }
}

server_runner_options user_fleet::server_options(server_runner_options base) const {
  base.users = env_values_;
  base.passwords_hashed = true;
  base.prepare = [this](const fs::path& data) {
    for (const auto& u : users_) {
      fs::create_directories(data / u.name);
      fs::copy_file(template_, data / u.name / "collection.anki2");
    }
  };
  return base;
}

client::device user_fleet::device(std::size_t i, const std::string& folder) const {
  const auto& u = users_.at(i);
  auto d = must(client::device::copy_of(template_, work_ / folder / u.name), "device " + u.name);
  d.set_host_key(u.host_key);
  auto col = must(d.collection().read_col(), "read col");
  must(d.collection().set_ls(col.mod), "set ls");
  exec_sql(d.collection().handle(), "PRAGMA synchronous=OFF");
  return d;
}

void user_fleet::check_login(const target& t) const {
  if (users_.empty())
    return;
  const std::string key = login(t, users_[0].name, fleet_password);
  if (key != users_[0].host_key)
    throw std::runtime_error("the server's host key for an env user is not the one derived here");
}

} // namespace ankisync::bench
