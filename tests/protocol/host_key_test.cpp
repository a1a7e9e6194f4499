#include <catch2/catch.hpp>

#include <string>

#include "protocol/host_key.hpp"

using namespace ankisync::protocol;

TEST_CASE("hostKey request decodes u and p", "[host_key]") {
  auto r = decode_host_key_request(R"({"u":"alice@example.com","p":"s3cret"})");
  REQUIRE(r);
  CHECK(r->username == "alice@example.com");
  CHECK(r->password == "s3cret");
}

TEST_CASE("hostKey request ignores unknown keys", "[host_key]") {
  auto r = decode_host_key_request(R"({"p":"pw","extra":[1,2],"u":"bob"})");
  REQUIRE(r);
  CHECK(r->username == "bob");
  CHECK(r->password == "pw");
}

TEST_CASE("hostKey request round trips, escapes included", "[host_key]") {
  const host_key_request in{"us\"er\\ü", "pa ss\n\t{}"};
  const std::string text = encode_host_key_request(in);
  auto out = decode_host_key_request(text);
  REQUIRE(out);
  CHECK(out->username == in.username);
  CHECK(out->password == in.password);
}

TEST_CASE("hostKey request is compact JSON", "[host_key]") {
  CHECK(encode_host_key_request({"a", "b"}) == R"({"u":"a","p":"b"})");
}

TEST_CASE("bad hostKey requests are bad requests saying why", "[host_key]") {
  struct bad_case {
    std::string body;
    std::string says;
  };
  const bad_case c = GENERATE(values<bad_case>({
      {R"({"u":"a"})", "missing \"p\""},
      {R"({"p":"b"})", "missing \"u\""},
      {R"({"u":"a","p":5})", "\"p\" is not a string"},
      {R"({"u":null,"p":"b"})", "\"u\" is not a string"},
      {R"(["a","b"])", "not a JSON object"},
      {R"("u")", "not a JSON object"},
      {R"({"u":"a","p":"b")", "invalid JSON"},
      {"", "invalid JSON"},
  }));
  INFO(c.body);
  auto r = decode_host_key_request(c.body);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK_THAT(r.error().message, Catch::Contains(c.says));
}

TEST_CASE("hostKey response encodes and decodes the key", "[host_key]") {
  CHECK(encode_host_key_response("abc") == R"({"key":"abc"})");
  auto key = decode_host_key_response(encode_host_key_response("0123456789abcdef"));
  REQUIRE(key);
  CHECK(*key == "0123456789abcdef");
}

TEST_CASE("bad hostKey responses are rejected", "[host_key]") {
  const std::string body = GENERATE(std::string(R"({"k":"abc"})"), std::string(R"({"key":1})"),
                                    std::string("[]"), std::string("nope"));
  INFO(body);
  auto key = decode_host_key_response(body);
  REQUIRE_FALSE(key);
  CHECK(key.error().code == error_code::bad_request);
}
