#include <catch2/catch.hpp>

#include <string>

#include "protocol/printable.hpp"

using ankisync::protocol::printable;
using namespace std::string_literals;

TEST_CASE("printable text is kept as it is, backslashes and non-ASCII letters included") {
  for (std::string s : {"", "alice", "a b.jpg", "C:\\dir", "ünïcødé", "日本語", "emoji😀",
                        "Jose\xcc\x81"}) {
    INFO(s);
    CHECK(printable(s) == s);
  }
}

TEST_CASE("line breaks, tabs and other C0 controls are escaped") {
  CHECK(printable("a\nb") == "a\\nb");
  CHECK(printable("a\r\nb") == "a\\r\\nb");
  CHECK(printable("a\tb") == "a\\tb");
  CHECK(printable("bell\x07") == "bell\\x07");
  CHECK(printable("\x1b[31mred") == "\\x1B[31mred");
  CHECK(printable("nul\0x"s) == "nul\\x00x");
  CHECK(printable("del\x7f") == "del\\x7F");
}

TEST_CASE("C1 controls, bidi controls, zero-width characters and separators are escaped") {
  CHECK(printable("c1\xc2\x85") == "c1\\u{0085}");
  CHECK(printable("evil\xe2\x80\xae" "gpj.exe") == "evil\\u{202E}gpj.exe");
  CHECK(printable("a\xe2\x81\xa6" "b") == "a\\u{2066}b");
  CHECK(printable("zero\xe2\x80\x8bwidth") == "zero\\u{200B}width");
  CHECK(printable("\xef\xbb\xbf" "bom") == "\\u{FEFF}bom");
  CHECK(printable("a\xe2\x80\xa8" "b") == "a\\u{2028}b");
  CHECK(printable("tag\xf3\xa0\x80\x81") == "tag\\u{E0001}");
}

TEST_CASE("bytes that are not UTF-8 are escaped one by one") {
  CHECK(printable("\xff") == "\\xFF");
  CHECK(printable("a\xc3") == "a\\xC3");
  CHECK(printable("\xc0\xaf") == "\\xC0\\xAF");
  CHECK(printable("\xed\xa0\x80") == "\\xED\\xA0\\x80");
}

TEST_CASE("escaping twice changes nothing") {
  for (std::string s : {"a\nb", "evil\xe2\x80\xae", "\xff\x01", "plain"}) {
    INFO(s);
    CHECK(printable(printable(s)) == printable(s));
  }
}
