// Per-user quotas (docs/backup.md, "Quotas"): an upload or media change
// over the user's limit is refused with a sentence the client shows, and
// nothing is written; `ankisync user set` takes effect while the server
// runs.

#include <catch2/catch.hpp>

#include "tests/integration/collection_state.hpp"
#include "tests/integration/media_support.hpp"
#include "tests/integration/sync_support.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
using client::sync_outcome_kind;
namespace fs = std::filesystem;

namespace {

bool succeeded(const command_result& r) { return r.status.exited && r.status.code == 0; }

void set_quota(const server_process& server, const char* flag, const char* mb) {
  auto r = server.cli({"user", "set", sync_user, flag, mb});
  INFO(r.out << r.err);
  REQUIRE(succeeded(r));
}

} // namespace

TEST_CASE("a full upload over the user's collection quota is refused and changes nothing",
          "[quota]") {
  sync_fixture fx;
  set_quota(fx.server(), "--max-collection-mb", "1");
  auto d = fx.fresh_device("big");
  REQUIRE(d.add_note({std::string(1500 * 1024, 'x'), "back"}).has_value());
  const auto before = collection_state(fx.server_file());
  auto c = fx.connect();
  auto r = d.full_upload(c);
  REQUIRE_FALSE(r.has_value());
  INFO(r.error().message);
  CHECK(r.error().message.find("larger than the 1 MB this server allows") != std::string::npos);
  CHECK(collection_state(fx.server_file()) == before);

  // No limit for this user: the same upload goes through.
  set_quota(fx.server(), "--max-collection-mb", "0");
  CHECK(d.full_upload(c).has_value());
}

TEST_CASE("a media upload over the user's media quota is refused and stores nothing",
          "[quota]") {
  sync_fixture fx;
  set_quota(fx.server(), "--max-media-mb", "1");
  auto d = fx.seeded_device("phone");
  REQUIRE(d.add_media("one.jpg", "1" + noise(700 * 1024)).has_value());
  REQUIRE(d.add_media("two.jpg", "2" + noise(700 * 1024)).has_value());
  auto c = fx.connect();
  auto refused = d.media_sync(c);
  REQUIRE_FALSE(refused.has_value());
  INFO(client::describe(refused.error()));
  CHECK(client::describe(refused.error()).find("1 MB this server allows") != std::string::npos);
  CHECK(media_store_files(fx.server(), sync_user).empty());

  set_quota(fx.server(), "--max-media-mb", "2");
  auto stored = d.media_sync(c);
  INFO((stored ? std::string() : client::describe(stored.error())));
  CHECK(stored.has_value());
  CHECK(media_store_files(fx.server(), sync_user).size() == 2);
}
