#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "protocol/log_json.hpp"

using namespace ankisync::protocol;
namespace json = boost::json;

TEST_CASE("a request log object round-trips client strings with quotes, newlines and bad UTF-8") {
  request_log_fields f;
  f.listener = "sync";
  f.client_ip = "127.0.0.1";
  f.method = "POST";
  f.uri = "/sync/meta";
  f.user = "al\"ice\n";
  f.client_version = "anki,2.1.66 \"x\"\nforged line";
  f.session = "abc";
  f.elapsed_ms = 1.5;
  f.status = 409;
  f.bytes_in = 10;
  f.bytes_out = 20;
  f.reason = "no \xff active sync";
  const auto text = encode_request_log(f);
  CHECK(text.find('\n') == std::string::npos);
  const auto v = json::parse(text);
  CHECK(v.at("msg") == "request");
  CHECK(v.at("user") == "al\"ice\n");
  CHECK(v.at("client_version") == "anki,2.1.66 \"x\"\nforged line");
  CHECK(v.at("session") == "abc");
  CHECK(v.at("status").as_int64() == 409);
  CHECK(v.at("elapsed_ms").as_double() == 1.5);
  CHECK(v.at("reason") == "no \xEF\xBF\xBD active sync");
  CHECK(!v.as_object().contains("cut"));
}

TEST_CASE("empty fields stay out of the request object") {
  request_log_fields f;
  f.method = "GET";
  f.uri = "/health";
  f.status = 200;
  const auto v = json::parse(encode_request_log(f)).as_object();
  for (auto key : {"user", "client_version", "session", "reason"})
    CHECK(!v.contains(key));
}

TEST_CASE("a log line puts time and level before the message or the request's fields") {
  const auto plain = json::parse(encode_log_line("T", "info", "hello \"you\"")).as_object();
  CHECK(plain.at("ts") == "T");
  CHECK(plain.at("level") == "info");
  CHECK(plain.at("msg") == "hello \"you\"");

  request_log_fields f;
  f.uri = "/x";
  const auto merged =
      json::parse(encode_log_line_with("T", "warning", encode_request_log(f))).as_object();
  CHECK(merged.at("ts") == "T");
  CHECK(merged.at("level") == "warning");
  CHECK(merged.at("uri") == "/x");
  CHECK(merged.at("msg") == "request");
}

TEST_CASE("valid_utf8 keeps UTF-8 and replaces everything else") {
  CHECK(valid_utf8("h\xc3\xa9llo \xe6\x97\xa5") == "h\xc3\xa9llo \xe6\x97\xa5");
  CHECK(valid_utf8("\xc0\xaf") == "\xEF\xBF\xBD\xEF\xBF\xBD");      // overlong
  CHECK(valid_utf8("\xed\xa0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); // surrogate
  CHECK(valid_utf8("a\xe6\x97") == "a\xEF\xBF\xBD\xEF\xBF\xBD");    // truncated
}
