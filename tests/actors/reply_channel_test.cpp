#include <catch2/catch.hpp>

#include <optional>
#include <vector>

#include "actors/reply_channel.hpp"

using namespace ankisync;
using actors::reply_channel;
using actors::sync_outcome;

namespace {

protocol::sync_reply body(std::string text) {
  protocol::sync_reply r;
  r.body = std::move(text);
  return r;
}

} // namespace

TEST_CASE("a reply channel delivers the first answer only, from any copy") {
  std::vector<sync_outcome> got;
  {
    reply_channel a([&](sync_outcome o) { got.push_back(std::move(o)); });
    reply_channel b = a;
    b(body("first"));
    a(body("second"));
  }
  REQUIRE(got.size() == 1);
  REQUIRE(got[0].has_value());
  CHECK(got[0]->body == "first");
}

TEST_CASE("a reply channel dropped unanswered answers 500, or what it was told to") {
  std::optional<sync_outcome> got;
  { reply_channel lost([&](sync_outcome o) { got = std::move(o); }); }
  REQUIRE(got.has_value());
  REQUIRE_FALSE(got->has_value());
  CHECK(got->error().code == protocol::error_code::server_error);

  got.reset();
  {
    reply_channel stopping([&](sync_outcome o) { got = std::move(o); }, []() -> sync_outcome {
      return std::unexpected(
          protocol::make_error(protocol::error_code::unavailable, "the server is stopping"));
    });
  }
  REQUIRE(got.has_value());
  CHECK(got->error().code == protocol::error_code::unavailable);
}

TEST_CASE("a tapped channel shows the answer to the tap, then delivers it") {
  std::vector<std::string> order;
  reply_channel inner([&](sync_outcome o) { order.push_back("deliver " + o->body); });
  auto outer = inner.tapped([&](const sync_outcome& o) { order.push_back("tap " + o->body); });
  outer(body("x"));
  outer(body("y"));
  CHECK(order == std::vector<std::string>{"tap x", "deliver x"});
}
