#include <catch2/catch.hpp>

#include <string>

#include "storage/username.hpp"

using namespace ankisync::storage;
using namespace std::string_literals;

TEST_CASE("ordinary names are valid") {
  for (std::string name : {"alice", "Bob Smith", "a", "a.b", "user_1-2", "ünïcødé",
                           "日本語", "emoji😀", "x y.z"}) {
    INFO(name);
    CHECK(username_problem(name).empty());
    CHECK(is_valid_username(name));
  }
  CHECK(is_valid_username(std::string(64, 'a')));
  // 64 bytes made of 2-byte characters counts bytes, not characters.
  std::string accents;
  for (int i = 0; i < 32; ++i) accents += "é";
  CHECK(is_valid_username(accents));
}

TEST_CASE("names unsafe as a folder name are refused with a reason") {
  std::string too_long_utf8;
  for (int i = 0; i < 33; ++i) too_long_utf8 += "é";
  const std::string bad[] = {
      "",
      std::string(65, 'a'),
      too_long_utf8,
      ".",
      "..",
      "a/b",
      "/abs",
      "a\\b",
      "user:pass",
      "a\0b"s,
      "tab\there",
      "new\nline",
      "del\x7f",
      "c1\xc2\x85",         // U+0085, a C1 control
      " lead",
      "trail ",
      ".hidden",
      "trail.",
      "\xc3",               // truncated sequence
      "\xe6\x97",
      "\x80",               // lone continuation byte
      "\xc0\xaf",           // overlong '/'
      "\xe0\x80\xaf",       // overlong '/'
      "\xed\xa0\x80",       // UTF-16 surrogate
      "\xf4\x90\x80\x80",   // past U+10FFFF
      "\xff",
  };
  for (const auto& name : bad) {
    INFO(name);
    CHECK_FALSE(username_problem(name).empty());
    CHECK_FALSE(is_valid_username(name));
  }
}

TEST_CASE("the reason names the rule that was broken") {
  CHECK(username_problem("").find("empty") != std::string::npos);
  CHECK(username_problem("a:b").find(":") != std::string::npos);
  CHECK(username_problem("\xff").find("UTF-8") != std::string::npos);
  CHECK(username_problem(std::string(65, 'a')).find("64") != std::string::npos);
}

TEST_CASE("names that would collide with the users database file are refused") {
  using ankisync::storage::is_valid_username;
  CHECK_FALSE(is_valid_username("users.db"));
  CHECK_FALSE(is_valid_username("users.db-wal"));
  CHECK(is_valid_username("users"));
}

TEST_CASE("bidi controls and other format characters are refused: lists and logs would show "
          "the name reordered or hidden") {
  const std::string bad[] = {
      "evil\xe2\x80\xae" "gnp.exe", // U+202E right-to-left override
      "a\xe2\x81\xa6" "b",          // U+2066 left-to-right isolate
      "a\xe2\x80\x8e" "b",          // U+200E left-to-right mark
      "zero\xe2\x80\x8bwidth",      // U+200B zero width space
      "\xef\xbb\xbf" "bom",         // U+FEFF
      "a\xe2\x80\xa8" "b",          // U+2028 line separator
  };
  for (const auto& name : bad) {
    INFO(name);
    CHECK_FALSE(username_problem(name).empty());
  }
  CHECK(username_problem("evil\xe2\x80\xae" "gnp").find("format") != std::string::npos);
}

TEST_CASE("canonical_username composes to NFC so both spellings name one user") {
  const std::string nfc = "Jos\xc3\xa9";   // é as one code point
  const std::string nfd = "Jose\xcc\x81";  // e + U+0301 combining acute
  auto a = canonical_username(nfc);
  auto b = canonical_username(nfd);
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(*a == nfc);
  CHECK(*b == nfc);
  CHECK(canonical_username("alice").value() == "alice");
}

TEST_CASE("canonical_username refuses what username_problem refuses with its reason") {
  auto bidi = canonical_username("a\xe2\x80\xae" "b");
  REQUIRE_FALSE(bidi.has_value());
  CHECK(bidi.error() == username_problem("a\xe2\x80\xae" "b"));
  CHECK_FALSE(canonical_username("a/b").has_value());
  CHECK_FALSE(canonical_username("").has_value());
  CHECK_FALSE(canonical_username("\xff").has_value());
}
