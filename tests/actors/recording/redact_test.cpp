#include <catch2/catch.hpp>

#include "actors/recording/redact.hpp"
#include "protocol/host_key.hpp"
#include "protocol/media_json.hpp"

using namespace ankisync;
using namespace ankisync::actors::recording;

namespace {

protocol::sync_request sync_call(protocol::sync_method m) {
  protocol::sync_request r;
  r.family = protocol::request_family::sync;
  r.method = m;
  return r;
}

protocol::sync_request media_call(protocol::media_method m) {
  protocol::sync_request r;
  r.family = protocol::request_family::media;
  r.media = m;
  return r;
}

} // namespace

TEST_CASE("a hostKey request keeps its user name and loses its password") {
  auto r = sync_call(protocol::sync_method::host_key);
  r.body = protocol::host_key_request{"alice", "secret"};
  const auto kept = redacted_request_body(r);
  CHECK(kept.find("secret") == std::string::npos);
  auto decoded = protocol::decode_host_key_request(kept);
  REQUIRE(decoded.has_value());
  CHECK(decoded->username == "alice");
  CHECK(decoded->password == redacted);
}

TEST_CASE("hostKey's key and media begin's sk are redacted, other replies kept") {
  const auto login = sync_call(protocol::sync_method::host_key);
  CHECK(redacted_reply_body(secret_in_reply(login), protocol::encode_host_key_response("k3y")) ==
        R"({"key":"<redacted>"})");

  const auto begin = media_call(protocol::media_method::begin);
  const auto kept =
      redacted_reply_body(secret_in_reply(begin), protocol::encode_media_begin_reply(7, "k3y"));
  CHECK(kept.find("k3y") == std::string::npos);
  auto decoded = protocol::decode_media_begin_reply(kept);
  REQUIRE(decoded.has_value());
  CHECK(decoded->usn == 7);
  CHECK(decoded->sk == redacted);
  CHECK(redacted_reply_body(reply_secret::media_begin, "not json") == redacted);

  const auto meta = sync_call(protocol::sync_method::meta);
  CHECK(secret_in_reply(meta) == reply_secret::none);
  CHECK(redacted_reply_body(secret_in_reply(meta), R"({"usn":5})") == R"({"usn":5})");
}

TEST_CASE("a session key that is the host key is redacted, a client's own is kept") {
  auto r = media_call(protocol::media_method::upload_changes);
  r.host_key = "k3y";
  r.session_key = "k3y";
  CHECK(redacted_session_key(r) == redacted);
  r.session_key = "abc123";
  CHECK(redacted_session_key(r) == "abc123");
  r.session_key.clear();
  r.host_key.clear();
  CHECK(redacted_session_key(r).empty());
}
