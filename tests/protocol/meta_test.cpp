#include <catch2/catch.hpp>

#include <climits>
#include <string>

#include "protocol/meta.hpp"

using namespace ankisync::protocol;

TEST_CASE("a meta request reads v and cv", "[meta]") {
  auto r = decode_meta_request(R"({"v":11,"cv":"anki,25.02 (abc1234),linux"})");
  REQUIRE(r);
  CHECK(r->v == 11);
  CHECK(r->cv == "anki,25.02 (abc1234),linux");
}

TEST_CASE("a meta request ignores unknown keys", "[meta]") {
  auto r = decode_meta_request(R"({"cv":"x","future":[1,2],"v":10})");
  REQUIRE(r);
  CHECK(r->v == 10);
}

TEST_CASE("any integer v is passed on for the caller to answer 501", "[meta]") {
  struct c {
    std::string v;
    int expected;
  };
  const c k = GENERATE(values<c>({{"0", 0},
                                  {"7", 7},
                                  {"12", 12},
                                  {"-1", -1},
                                  {"300", 300},
                                  {"99999999999", INT_MAX},
                                  {"-99999999999", INT_MIN},
                                  {"18446744073709551615", INT_MAX}}));
  auto r = decode_meta_request(R"({"v":)" + k.v + R"(,"cv":"x"})");
  REQUIRE(r);
  CHECK(r->v == k.expected);
}

TEST_CASE("malformed meta requests are bad requests naming the key", "[meta]") {
  struct c {
    std::string body;
    std::string says;
  };
  const c k = GENERATE(values<c>({
      {R"({"cv":"x"})", "v is missing"},
      {R"({"v":11})", "cv is missing"},
      {R"({"v":11.0,"cv":"x"})", "v is a non-integer number"},
      {R"({"v":"11","cv":"x"})", "v is a string"},
      {R"({"v":11,"cv":3})", "cv is an integer, expected a string"},
      {R"({"v":11,"cv":null})", "cv is null"},
      {R"([11,"x"])", "payload is an array, expected an object"},
      {"", "invalid JSON"},
      {"{", "invalid JSON"},
  }));
  INFO(k.body);
  auto r = decode_meta_request(k.body);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK_THAT(r.error().message, Catch::StartsWith("bad meta body: "));
  CHECK_THAT(r.error().message, Catch::Contains(k.says));
}

TEST_CASE("a meta request round trips", "[meta]") {
  const meta_request in{8, "ankidesktop,2.1.15,\"win\""};
  CHECK(encode_meta_request(in) == R"({"v":8,"cv":"ankidesktop,2.1.15,\"win\""})");
  auto out = decode_meta_request(encode_meta_request(in));
  REQUIRE(out);
  CHECK(out->v == 8);
  CHECK(out->cv == in.cv);
}

TEST_CASE("the meta response is encoded exactly as upstream", "[meta]") {
  meta_response m;
  m.mod = 1724312345678;
  m.scm = 1724000000000;
  m.usn = 57;
  m.ts = 1724312400;
  m.msg = "";
  m.cont = true;
  m.host_num = 0;
  m.empty = false;
  m.media_usn = 12;
  CHECK(encode_meta_response(m) ==
        R"({"mod":1724312345678,"scm":1724000000000,"usn":57,"ts":1724312400,"msg":"",)"
        R"("cont":true,"hostNum":0,"empty":false,"media_usn":12})");
}

TEST_CASE("a meta response round trips", "[meta]") {
  meta_response m{-5, 9, -1, 1, "Your client does not support the v2 scheduler", false, 3, true,
                  2147483647};
  auto out = decode_meta_response(encode_meta_response(m));
  REQUIRE(out);
  CHECK(out->mod == -5);
  CHECK(out->scm == 9);
  CHECK(out->usn == -1);
  CHECK(out->ts == 1);
  CHECK(out->msg == m.msg);
  CHECK_FALSE(out->cont);
  CHECK(out->host_num == 3);
  CHECK(out->empty);
  CHECK(out->media_usn == 2147483647);
}

TEST_CASE("a meta response may omit empty but not media_usn", "[meta]") {
  auto ok = decode_meta_response(
      R"({"mod":1,"scm":2,"usn":3,"ts":4,"msg":"","cont":true,"hostNum":0,"media_usn":0})");
  REQUIRE(ok);
  CHECK_FALSE(ok->empty);

  auto bad = decode_meta_response(
      R"({"mod":1,"scm":2,"usn":3,"ts":4,"msg":"","cont":true,"hostNum":0,"empty":true})");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "bad meta reply: media_usn is missing");
}

TEST_CASE("meta response fields are typed strictly", "[meta]") {
  const std::string body = GENERATE(
      std::string(R"({"mod":1,"scm":2,"usn":2147483648,"ts":4,"msg":"","cont":true,"hostNum":0,"media_usn":0})"),
      std::string(R"({"mod":1,"scm":2,"usn":3,"ts":4,"msg":"","cont":1,"hostNum":0,"media_usn":0})"),
      std::string(R"({"mod":1,"scm":2,"usn":3,"ts":4,"msg":"","cont":true,"hostNum":-1,"media_usn":0})"),
      std::string(R"({"mod":1.5,"scm":2,"usn":3,"ts":4,"msg":"","cont":true,"hostNum":0,"media_usn":0})"));
  INFO(body);
  auto r = decode_meta_response(body);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
}
