#include "tools/client/env_fleet.hpp"

#include <cstdio>
#include <stdexcept>

#include "storage/collection.hpp"
#include "storage/password_hash.hpp"

namespace ankisync::client {
namespace fs = std::filesystem;

namespace {
// Enough to be a real PBKDF2 hash, few enough that logins cost nothing.
constexpr std::uint32_t fleet_rounds = 100;
} // namespace

env_fleet::env_fleet(const fs::path& work, std::size_t count)
    : template_(work / "fleet-template.anki2") {
  {
    // Closing the only connection folds the WAL into the file.
    auto col = storage::collection::open(template_);
    if (!col)
      throw std::runtime_error("template collection: " + col.error().message);
  }
  for (const char* suffix : {"-wal", "-shm"})
    fs::remove(template_.string() + suffix);
  const std::string phc = storage::hash_password(password, fleet_rounds);
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

void env_fleet::place_collections(const fs::path& data_dir) const {
  for (const auto& u : users_) {
    fs::create_directories(data_dir / u.name);
    fs::copy_file(template_, data_dir / u.name / "collection.anki2");
  }
}

device env_fleet::make_device(std::size_t i, const fs::path& folder) const {
  const auto& u = users_.at(i);
  auto d = device::copy_of(template_, folder);
  if (!d)
    throw std::runtime_error("device of " + u.name + ": " + d.error().message);
  d->set_host_key(u.host_key);
  auto col = d->collection().read_col();
  if (!col || !d->collection().set_ls(col->mod))
    throw std::runtime_error("device of " + u.name + ": cannot set its last sync");
  return std::move(*d);
}

} // namespace ankisync::client
