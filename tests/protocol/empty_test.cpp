#include <catch2/catch.hpp>

#include <string>

#include "protocol/empty.hpp"

using namespace ankisync::protocol;

TEST_CASE("argument-less methods accept {}", "[empty]") {
  const sync_method m = GENERATE(sync_method::chunk, sync_method::finish, sync_method::abort,
                                 sync_method::download);
  CHECK(decode_empty_request(m, "{}"));
  CHECK(decode_empty_request(m, " { }\n"));
  CHECK(encode_empty_request() == "{}");
}

TEST_CASE("chunk with {\"x\":1} is a bad request (B2)", "[empty]") {
  auto r = decode_empty_request(sync_method::chunk, R"({"x":1})");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK(r.error().message == "bad chunk body: x is not allowed (the body must be {})");
}

TEST_CASE("an empty payload is not {}", "[empty]") {
  const sync_method m = GENERATE(sync_method::chunk, sync_method::finish, sync_method::abort,
                                 sync_method::download);
  auto r = decode_empty_request(m, "");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK_THAT(r.error().message, Catch::StartsWith("bad " + std::string(to_string(m)) +
                                                  " body: invalid JSON"));
}

TEST_CASE("other non-{} bodies are bad requests", "[empty]") {
  const std::string body = GENERATE(std::string("null"), std::string("[]"), std::string("0"),
                                    std::string("\"{}\""), std::string("{}{}"),
                                    std::string(R"({"_pad":null})"));
  INFO(body);
  auto r = decode_empty_request(sync_method::finish, body);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK_THAT(r.error().message, Catch::StartsWith("bad finish body: "));
}

TEST_CASE("result-less methods answer null", "[empty]") {
  CHECK(encode_null_response() == "null");
  CHECK(decode_null_response(sync_method::abort, "null"));
  auto r = decode_null_response(sync_method::apply_graves, "{}");
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "bad applyGraves reply: payload is not null");
}
