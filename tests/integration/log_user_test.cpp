// The per-request log line names the user whose host key made the
// request, for media and collection requests alike, answered or refused.

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/media_support.hpp"
#include "tests/integration/sync_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;

namespace {

// The log line of the one request to `target`, once the server wrote it
// (it logs after answering).
std::string line_of(server_process& server, const std::string& target) {
  std::string found;
  eventually([&] {
    std::istringstream in(server.stderr_text());
    for (std::string line; std::getline(in, line);)
      if (line.find(" " + target + " ") != std::string::npos)
        found = line;
    return !found.empty();
  });
  return found;
}

} // namespace

TEST_CASE("a refused media request is logged with the user its host key names") {
  sync_fixture fx(seeding::never);
  media_raw raw(fx.server(), fx.host_key());
  // Unknown names cannot be downloaded: 409.
  auto r = raw.call(protocol::media_method::download_files, R"({"files":["nothing.jpg"]})");
  REQUIRE(r.status == 409);
  const auto line = line_of(fx.server(), "/msync/downloadFiles");
  INFO(line);
  CHECK(line.find("user=" + std::string(sync_user) + " ") != std::string::npos);
  CHECK(line.find("status=409") != std::string::npos);
}

TEST_CASE("a refused collection request is logged with the user its host key names") {
  sync_fixture fx(seeding::never);
  auto c = fx.server().sync_client();
  // A stateful method without a session: 409.
  auto r = c.call("chunk", "{}", fx.host_key(), "no-session");
  REQUIRE(r.has_value());
  REQUIRE(r->status == 409);
  const auto line = line_of(fx.server(), "/sync/chunk");
  INFO(line);
  CHECK(line.find("user=" + std::string(sync_user) + " ") != std::string::npos);
}

TEST_CASE("a request with an unknown host key is logged without a user") {
  sync_fixture fx(seeding::never);
  media_raw raw(fx.server(), "0000000000000000000000000000000000000000");
  auto r = raw.call(protocol::media_method::media_sanity, R"({"local":0})");
  REQUIRE(r.status == 403);
  const auto line = line_of(fx.server(), "/msync/mediaSanity");
  INFO(line);
  CHECK(line.find("user=- ") != std::string::npos);
}
