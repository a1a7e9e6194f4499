#include "tools/chaos/fleet.hpp"

#include <cstdio>
#include <stdexcept>

#include "storage/collection.hpp"
#include "storage/password_hash.hpp"

namespace ankisync::chaos {
namespace fs = std::filesystem;

namespace {
constexpr const char* password = "pw";
// A real PBKDF2 hash, cheap enough for a thousand users.
constexpr std::uint32_t rounds = 100;
} // namespace

fleet::fleet(const fs::path& work, std::size_t count)
    : work_(work), template_(work / "template.anki2") {
  {
    // Closing the only connection folds the log into the file.
    auto col = storage::collection::open(template_);
    if (!col)
      throw std::runtime_error("template collection: " + col.error().message);
  }
  for (const char* suffix : {"-wal", "-shm"})
    fs::remove(template_.string() + suffix);
  const std::string phc = storage::hash_password(password, rounds);
  if (phc.empty())
    throw std::runtime_error("cannot hash the users' password");
  for (std::size_t i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "u%04zu", i);
    const std::string env = std::string(name) + ":" + phc;
    users_.push_back({name, storage::derive_env_host_key(env)});
    env_values_.push_back(env);
  }
}

integration::server_options fleet::server_options(integration::env_list extra_env,
                                                  std::vector<std::string> args) const {
  integration::server_options o;
  for (std::size_t i = 0; i < env_values_.size(); ++i)
    o.env.emplace_back("SYNC_USER" + std::to_string(i + 1), env_values_[i]);
  o.env.emplace_back("PASSWORDS_HASHED", "1");
  o.env.insert(o.env.end(), extra_env.begin(), extra_env.end());
  o.args = std::move(args);
  o.ready_timeout = std::chrono::seconds(120);
  o.prepare = [this](const fs::path& data) {
    for (const auto& u : users_) {
      fs::create_directories(data / u.name);
      fs::copy_file(template_, data / u.name / "collection.anki2");
    }
  };
  return o;
}

client::device fleet::device(std::size_t i, int slot) const {
  const auto& u = users_.at(i);
  auto d = client::device::copy_of(template_, work_ / "devices" / u.name / std::to_string(slot));
  if (!d)
    throw std::runtime_error("device of " + u.name + ": " + d.error().message);
  d->set_host_key(u.host_key);
  auto col = d->collection().read_col();
  if (!col || !d->collection().set_ls(col->mod))
    throw std::runtime_error("device of " + u.name + ": cannot read its col");
  return std::move(*d);
}

} // namespace ankisync::chaos
