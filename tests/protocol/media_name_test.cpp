#include <catch2/catch.hpp>

#include <string>

#include "protocol/media_name.hpp"

using namespace ankisync::protocol;
using namespace std::string_literals;

namespace {

bool accepted(std::string_view name) { return check_media_name(name).has_value(); }

} // namespace

TEST_CASE("ordinary media names are accepted", "[media_name]") {
  CHECK(accepted("a.jpg"));
  CHECK(accepted("paste-1234abcd.png"));
  CHECK(accepted("with space & (brackets).mp3"));
  CHECK(accepted("\xe6\x97\xa5\xe6\x9c\xac.jpg")); // 日本.jpg
  CHECK(accepted(".hidden"));
  CHECK(accepted("..."));
}

TEST_CASE("a name is accepted in NFC and refused in NFD", "[media_name]") {
  const std::string nfc = "\xc3\xa9.jpg";  // é precomposed
  const std::string nfd = "e\xcc\x81.jpg"; // e + combining acute
  CHECK(accepted(nfc));
  auto r = check_media_name(nfd);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK_THAT(r.error().message, Catch::Contains("NFC"));
}

TEST_CASE("a name of 255 bytes is accepted, 256 is refused", "[media_name]") {
  CHECK(accepted(std::string(251, 'a') + ".jpg"));
  auto r = check_media_name(std::string(252, 'a') + ".jpg");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  // Multi-byte characters count by their bytes.
  std::string two_byte;
  for (int i = 0; i < 128; ++i)
    two_byte += "\xc3\xa9";
  CHECK_FALSE(accepted(two_byte)); // 256 bytes, 128 characters
}

TEST_CASE("path separators, dot names, empty names and NUL are refused", "[media_name]") {
  for (const std::string& bad : {"a/b.jpg"s, "/etc/passwd"s, "a\\b.jpg"s, "..\\x"s, "../x"s, ".."s,
                                "."s, ""s, "a\0b"s}) {
    INFO(bad);
    auto r = check_media_name(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == error_code::bad_request);
  }
}

TEST_CASE("names that are not UTF-8 are refused", "[media_name]") {
  for (const std::string& bad : {"\xff.jpg"s, "\xc3.jpg"s, "\xc0\xaf.jpg"s /* overlong '/' */,
                                "\xed\xa0\x80.jpg"s /* surrogate */, "\xf4\x90\x80\x80"s}) {
    auto r = check_media_name(bad);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("UTF-8"));
  }
}

TEST_CASE("to_nfc composes decomposed text and leaves NFC alone", "[media_name]") {
  CHECK(to_nfc("e\xcc\x81.jpg") == "\xc3\xa9.jpg");
  CHECK(to_nfc("\xc3\xa9.jpg") == "\xc3\xa9.jpg");
  CHECK(to_nfc("plain.txt") == "plain.txt");
  CHECK(to_nfc("") == "");
  CHECK(to_nfc("\xff") == "");
  CHECK(accepted(to_nfc("A\xcc\x8a.png"))); // Å
}
