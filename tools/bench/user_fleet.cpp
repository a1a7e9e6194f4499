#include "tools/bench/user_fleet.hpp"

#include "tools/bench/scenario_support.hpp"

namespace ankisync::bench {
namespace fs = std::filesystem;

user_fleet::user_fleet(const fs::path& work, std::size_t count) : work_(work), fleet_(work, count) {}

server_runner_options user_fleet::server_options(server_runner_options base) const {
  base.users = fleet_.env_values();
  base.passwords_hashed = true;
  base.prepare = [this](const fs::path& data) { fleet_.place_collections(data); };
  return base;
}

client::device user_fleet::device(std::size_t i, const std::string& folder) const {
  auto d = fleet_.make_device(i, work_ / folder / fleet_.users().at(i).name);
  exec_sql(d.collection().handle(), "PRAGMA synchronous=OFF");
  return d;
}

void user_fleet::check_login(const target& t) const {
  if (users().empty())
    return;
  const std::string key = login(t, users()[0].name, client::env_fleet::password);
  if (key != users()[0].host_key)
    throw std::runtime_error("the server's host key for an env user is not the one derived here");
}

} // namespace ankisync::bench
