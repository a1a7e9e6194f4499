// Client strings that reach the log or an error reason (media names,
// client versions, paths) have their control and bidi characters escaped,
// so a client cannot forge a log line or hide text from the operator.

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/media_support.hpp"
#include "tests/integration/sync_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;

namespace {

// A line an attacker would like to see in the operator's log.
constexpr const char* forged = "2026-01-01T00:00:00.000 info [sync] 127.0.0.1 POST forged";

std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find(needle) != std::string::npos)
      out.push_back(line);
  return out;
}

// Waits for the request's log line (the server logs after answering).
std::string log_once(server_process& server, const std::string& target) {
  std::string log;
  eventually([&] {
    log = server.stderr_text();
    return !lines_with(log, target).empty();
  });
  return log;
}

} // namespace

TEST_CASE("a media name with a newline is escaped in the 400 reason and in the one log line") {
  sync_fixture fx(seeding::never);
  media_raw raw(fx.server(), fx.host_key());
  // The slash makes the name bad, so the reason quotes it.
  auto r = raw.upload(upload_zip({{std::string("a\n") + forged + "/x.jpg", std::string("x")}}));
  INFO("body: " << r.body);
  CHECK(r.status == 400);
  CHECK(r.body.find(std::string("a\\n") + forged) != std::string::npos);
  CHECK(r.body.find('\n') == std::string::npos);

  const auto log = log_once(fx.server(), "/msync/uploadChanges");
  INFO("log:\n" << log);
  const auto lines = lines_with(log, "/msync/uploadChanges");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find(std::string("a\\n") + forged) != std::string::npos);
  // The forged text appears on the request's own line only.
  CHECK(lines_with(log, "POST forged").size() == 1);
}

TEST_CASE("a client version with control and bidi characters is escaped in the reason and the log") {
  sync_fixture fx(seeding::never);
  auto c = fx.server().sync_client();
  // Version 7 is too old: the reason names the client that sent it.
  const std::string body = std::string(R"({"v":7,"cv":"evil\r\n)") + forged + R"(\u202e\u0007"})";
  auto r = c.call("meta", body, fx.host_key());
  REQUIRE(r.has_value());
  INFO("body: " << r->body);
  CHECK(r->status == 501);
  CHECK(r->body.find(std::string("evil\\r\\n") + forged + "\\u{202E}\\x07") != std::string::npos);
  CHECK(r->body.find('\n') == std::string::npos);
  CHECK(r->body.find("\xe2\x80\xae") == std::string::npos);

  const auto log = log_once(fx.server(), "/sync/meta");
  INFO("log:\n" << log);
  const auto lines = lines_with(log, "/sync/meta");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find(std::string("evil\\r\\n") + forged) != std::string::npos);
  CHECK(lines_with(log, "POST forged").size() == 1);
  CHECK(log.find('\r') == std::string::npos);
  CHECK(log.find("\xe2\x80\xae") == std::string::npos);
}
