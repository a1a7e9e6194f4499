// ANKISYNC_LOG_FORMAT=json: every line the server writes to stderr is one
// JSON object, request lines carry their fields, and client strings come
// back byte for byte however they try to break the line.

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <sstream>

#include "protocol/meta.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
namespace json = boost::json;

namespace {

std::vector<json::object> json_lines(const std::string& text) {
  std::vector<json::object> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    INFO("line: " << line);
    json::error_code ec;
    auto v = json::parse(line, ec);
    REQUIRE(!ec);
    REQUIRE(v.is_object());
    auto& o = v.as_object();
    REQUIRE(o.contains("ts"));
    REQUIRE(o.at("ts").is_string());
    REQUIRE(o.contains("level"));
    REQUIRE(o.at("level").is_string());
    REQUIRE(o.contains("msg"));
    REQUIRE(o.at("msg").is_string());
    out.push_back(std::move(o));
  }
  return out;
}

// The string under `key`, or "<absent>".
std::string text_of(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string("<absent>");
}

const json::object* request_line(const std::vector<json::object>& lines, std::string_view uri) {
  for (const auto& o : lines)
    if (text_of(o, "msg") == "request" && text_of(o, "uri") == uri)
      return &o;
  return nullptr;
}

} // namespace

TEST_CASE("with ANKISYNC_LOG_FORMAT=json every stderr line is a JSON object and request lines carry their fields") {
  server_process server(server_options{
      {{"SYNC_USER1", "mia:secret"}, {"ANKISYNC_LOG_FORMAT", "json"}}, {}});
  // A client version that would end a text line and start a forged one.
  const std::string sneaky = "anki,2.1.66 \"quoted\",linux\n{\"msg\":\"forged\"}";
  client::sync_client_options o;
  o.client_version = sneaky;
  client::sync_client client("127.0.0.1", server.port(), o);
  auto login = client.login("mia", "secret");
  REQUIRE(login.has_value());
  REQUIRE(login->ok());
  auto meta = client.call("meta", protocol::encode_meta_request({11, sneaky}), login->host_key);
  REQUIRE(meta.has_value());
  auto chunk = client.call("chunk", "{}", login->host_key, "session-7");
  REQUIRE(chunk.has_value());
  CHECK(chunk->status == 409);
  REQUIRE(server.stop().code == 0);

  const auto err = server.stderr_text();
  INFO("stderr:\n" << err);
  const auto lines = json_lines(err);
  REQUIRE(lines.size() >= 4);
  // Lines that are not requests are there too, in the same shape.
  CHECK(std::any_of(lines.begin(), lines.end(), [](const json::object& o) {
    return o.at("msg").as_string().starts_with("listening on");
  }));
  for (const auto& o : lines)
    CHECK(text_of(o, "msg") != "forged");

  const auto* m = request_line(lines, "/sync/meta");
  REQUIRE(m != nullptr);
  CHECK(text_of(*m, "listener") == "sync");
  CHECK(text_of(*m, "client_ip") == "127.0.0.1");
  CHECK(text_of(*m, "method") == "POST");
  CHECK(text_of(*m, "user") == "mia");
  CHECK(text_of(*m, "client_version") == sneaky);
  CHECK(m->at("status").as_int64() == 200);
  CHECK(m->at("elapsed_ms").is_number());
  CHECK(m->at("bytes_in").as_int64() > 0);
  CHECK(m->at("bytes_out").as_int64() > 0);
  CHECK(text_of(*m, "level") == "info");
  CHECK(!m->contains("reason"));

  const auto* c = request_line(lines, "/sync/chunk");
  REQUIRE(c != nullptr);
  CHECK(c->at("status").as_int64() == 409);
  CHECK(text_of(*c, "session") == "session-7");
  CHECK(text_of(*c, "client_version") == sneaky);
  REQUIRE(c->contains("reason"));
  CHECK(c->at("reason").as_string().size() > 0);
}

TEST_CASE("without ANKISYNC_LOG_FORMAT the log stays text, escaping client strings") {
  server_process server(server_options{{{"SYNC_USER1", "mia:secret"}}, {}});
  client::sync_client_options o;
  o.client_version = "anki\nforged";
  client::sync_client client("127.0.0.1", server.port(), o);
  auto chunk = client.call("chunk", "{}", "no-such-key", "s");
  REQUIRE(chunk.has_value());
  CHECK(chunk->status == 403);
  REQUIRE(server.stop().code == 0);
  const auto err = server.stderr_text();
  INFO(err);
  CHECK(err.find("[sync] 127.0.0.1 POST /sync/chunk user=- status=403") != std::string::npos);
  CHECK(err.find("{\"") == std::string::npos);
}
