#include "tests/integration/sync_support.hpp"

#include <stdexcept>

#include "protocol/meta.hpp"
#include "tests/integration/test_support.hpp"

namespace ankisync::integration {
namespace fs = std::filesystem;

namespace {

server_options sync_server_options(std::vector<std::string> extra_args) {
  server_options o;
  o.env = {{"SYNC_USER1", std::string(sync_user) + ":" + sync_password}};
  // The recording tests switch recording on, which takes the admin token.
  o.args = {"--admin-token", admin_test_token};
  o.args.insert(o.args.end(), extra_args.begin(), extra_args.end());
  return o;
}

template <class T>
T must(storage::result<T> r, const std::string& what) {
  if (!r)
    throw std::runtime_error(what + ": " + r.error().message);
  return std::move(*r);
}

} // namespace

sync_fixture::sync_fixture(seeding s, std::vector<std::string> extra_args)
    : server_(sync_server_options(std::move(extra_args))) {
  if (s == seeding::now)
    make_seed();
}

std::string sync_fixture::host_key() const { return user_pass_host_key; }

fs::path sync_fixture::server_file() const {
  return server_.data_dir() / sync_user / "collection.anki2";
}

const fs::path& sync_fixture::seed() const {
  if (!seed_)
    throw std::logic_error("this sync_fixture was made without a seed");
  return *seed_;
}

void sync_fixture::make_seed() {
  // The server creates the user's collection on first use.
  auto client = connect();
  auto meta = client.call("meta", protocol::encode_meta_request({11, "seed"}), host_key());
  if (!meta || meta->status != 200)
    throw std::runtime_error("seeding: meta failed");
  // A stopped server has checkpointed its log: the file alone is whole.
  auto stopped = server_.stop();
  if (!stopped.clean())
    throw std::runtime_error("seeding: the server did not stop cleanly: " + stopped.describe());
  seed_ = temp_.path() / "seed.anki2";
  fs::copy_file(server_file(), *seed_);
  const fs::path wal = server_file().string() + "-wal";
  if (fs::exists(wal))
    fs::copy_file(wal, seed_->string() + "-wal");
  server_.start();
}

client::device sync_fixture::seeded_device(const std::string& name) {
  auto d = must(client::device::copy_of(seed(), temp_.path() / name), "device " + name);
  d.set_host_key(host_key());
  return d;
}

client::device sync_fixture::fresh_device(const std::string& name) {
  auto d = must(client::device::create(temp_.path() / name), "device " + name);
  d.set_host_key(host_key());
  return d;
}

} // namespace ankisync::integration
