#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>

#include "protocol/recent_errors.hpp"

using namespace ankisync::protocol;

namespace {

error_entry entry(int status, std::string uri) {
  error_entry e;
  e.time_ms = 1000 + status;
  e.status = status;
  e.method = "POST";
  e.uri = std::move(uri);
  e.user = "alice";
  e.reason = "why " + std::to_string(status);
  return e;
}

} // namespace

TEST_CASE("recent_errors lists the newest first and keeps only the last ones") {
  recent_errors r;
  CHECK(r.list().empty());
  CHECK(r.total() == 0);
  r.add(entry(409, "/sync/chunk"));
  r.add(entry(413, "/sync/upload"));
  auto list = r.list();
  REQUIRE(list.size() == 2);
  CHECK(list[0].status == 413);
  CHECK(list[1].status == 409);

  for (std::size_t i = 0; i < recent_errors::capacity + 7; ++i)
    r.add(entry(500, "/sync/n" + std::to_string(i)));
  list = r.list();
  REQUIRE(list.size() == recent_errors::capacity);
  CHECK(r.total() == recent_errors::capacity + 9);
  CHECK(list.front().uri == "/sync/n" + std::to_string(recent_errors::capacity + 6));
  CHECK(list.back().uri == "/sync/n7");
}

TEST_CASE("recent_errors cuts long client texts and its JSON stays valid UTF-8") {
  recent_errors r;
  auto e = entry(400, std::string(1000, 'u'));
  // A reason cut inside a two-byte character, and bytes that are not UTF-8.
  e.reason = std::string(recent_errors::max_text - 1, 'r') + "\xc3\xa9";
  e.user = "bad\xff";
  r.add(std::move(e));
  const auto list = r.list();
  REQUIRE(list.size() == 1);
  CHECK(list[0].uri.size() == recent_errors::max_text);
  CHECK(list[0].reason.size() == recent_errors::max_text);

  const auto doc = boost::json::parse(encode_recent_errors(list, r.total()));
  CHECK(doc.at("total").to_number<std::uint64_t>() == 1);
  const auto& first = doc.at("errors").as_array().at(0);
  CHECK(first.at("status").as_int64() == 400);
  CHECK(first.at("user").as_string() == "bad\xef\xbf\xbd");
  CHECK(first.at("reason").as_string().ends_with("\xef\xbf\xbd"));
}
