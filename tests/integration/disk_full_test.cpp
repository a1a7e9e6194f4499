// A full disk (docs/backup.md, "Disk full"): a sync, full upload or
// media upload whose write finds no room answers a sentence the client
// shows, leaves the collection and media as they were with no temp files
// behind, and the server goes on serving. The room runs out for real: the
// running server gets a file-size limit (RLIMIT_FSIZE), so its writes
// past 1 MB fail with EFBIG as they would with ENOSPC on a full disk.

#include <catch2/catch.hpp>

#include <sys/resource.h>

#include "protocol/meta.hpp"
#include "tests/integration/collection_state.hpp"
#include "tests/integration/media_support.hpp"
#include "tests/integration/sync_support.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
namespace fs = std::filesystem;

namespace {

constexpr rlim_t room = 1 << 20;
// Compresses to a few KB on the wire, so only the server's own write of
// it is too large.
const std::string big_field(1536 * 1024, 'x');

void limit_file_size(const server_process& server) {
  const rlimit limit{room, room};
  REQUIRE(::prlimit(server.pid(), RLIMIT_FSIZE, &limit, nullptr) == 0);
}


bool says_disk_full(const std::string& message) {
  return message.find("run out of disk space") != std::string::npos;
}

// A small normal sync of another device still goes through.
void small_sync_works(sync_fixture& fx, const std::string& name) {
  auto d = fx.seeded_device(name);
  REQUIRE(d.add_note({"small", "note"}).has_value());
  auto c = fx.connect();
  auto r = d.sync(c);
  INFO(text(r));
  CHECK(r.has_value());
}

// Another user, added while the disk is full, logs in and syncs.
void other_user_served(sync_fixture& fx) {
  auto added = fx.server().cli({"user", "add", "other", "--password", "secret"});
  INFO(added.out << added.err);
  REQUIRE(added.status.clean());
  auto c = fx.connect();
  auto login = c.login("other", "secret");
  REQUIRE(login.has_value());
  REQUIRE(login->status == 200);
  auto meta = c.call("meta", protocol::encode_meta_request({11, "other"}), login->host_key);
  REQUIRE(meta.has_value());
  CHECK(meta->status == 200);
}

} // namespace

TEST_CASE("a sync whose commit finds the disk full changes nothing and says so", "[disk_full]") {
  sync_fixture fx;
  auto d = fx.seeded_device("phone");
  REQUIRE(d.add_note({big_field, "back"}).has_value());
  const auto before = collection_state(fx.server_file());
  const auto files = user_folder_files(fx.server(), sync_user);
  limit_file_size(fx.server());

  auto c = fx.connect();
  auto r = d.sync(c);
  REQUIRE_FALSE(r.has_value());
  INFO(text(r));
  CHECK(r.error().status == 507);
  CHECK(says_disk_full(r.error().message));
  CHECK(collection_state(fx.server_file()) == before);
  CHECK(user_folder_files(fx.server(), sync_user) == files);
  small_sync_works(fx, "tablet");
  other_user_served(fx);
}

TEST_CASE("a full upload that finds the disk full keeps the old collection and says so",
          "[disk_full]") {
  sync_fixture fx;
  auto d = fx.fresh_device("big");
  REQUIRE(d.add_note({big_field, "back"}).has_value());
  const auto before = collection_state(fx.server_file());
  const auto files = user_folder_files(fx.server(), sync_user);
  limit_file_size(fx.server());

  auto c = fx.connect();
  auto r = d.full_upload(c);
  REQUIRE_FALSE(r.has_value());
  INFO(r.error().message);
  CHECK(says_disk_full(r.error().message));
  CHECK(collection_state(fx.server_file()) == before);
  CHECK(user_folder_files(fx.server(), sync_user) == files);
  small_sync_works(fx, "tablet");
  other_user_served(fx);
}

TEST_CASE("a media upload that finds the disk full stores nothing and says so", "[disk_full]") {
  sync_fixture fx;
  auto d = fx.seeded_device("phone");
  REQUIRE(d.add_media("small.jpg", "small").has_value());
  auto c = fx.connect();
  REQUIRE(d.media_sync(c).has_value());
  const auto before = snapshot_media(fx.server(), sync_user, fx.host_key());
  REQUIRE(before.files.size() == 1);
  limit_file_size(fx.server());

  REQUIRE(d.add_media("big.jpg", big_field).has_value());
  auto refused = d.media_sync(c);
  REQUIRE_FALSE(refused.has_value());
  INFO(client::describe(refused.error()));
  CHECK(says_disk_full(client::describe(refused.error())));
  CHECK(snapshot_media(fx.server(), sync_user, fx.host_key()) == before);
  small_sync_works(fx, "tablet");
  other_user_served(fx);
}
