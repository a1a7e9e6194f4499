#include <catch2/catch.hpp>

#include <string>

#include "protocol/finish.hpp"

using namespace ankisync::protocol;

TEST_CASE("finish answers a bare integer", "[finish]") {
  CHECK(encode_finish_response(1724312401234) == "1724312401234");
  CHECK(encode_finish_response(0) == "0");
  CHECK(encode_finish_response(-1) == "-1");
}

TEST_CASE("a finish reply decodes to the ms timestamp", "[finish]") {
  auto r = decode_finish_response("1724312401234");
  REQUIRE(r);
  CHECK(*r == 1724312401234);
}

TEST_CASE("a finish reply that is not an integer is refused", "[finish]") {
  const std::string body = GENERATE(std::string("1.5"), std::string("\"1\""), std::string("null"),
                                    std::string("{}"), std::string(""));
  INFO(body);
  auto r = decode_finish_response(body);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK_THAT(r.error().message, Catch::StartsWith("bad finish reply: "));
}
