#include <catch2/catch.hpp>

#include <string>

#include "storage/unicode_text.hpp"
#include "storage/utf8.hpp"

using namespace ankisync::storage;

TEST_CASE("NFC composes and leaves composed text alone") {
  CHECK(to_nfc("e\u0301") == "\u00E9");
  CHECK(to_nfc("\u00E9") == "\u00E9");
  CHECK(to_nfc("\uFA47") == "\u6F22");        // a singleton decomposition
  CHECK(to_nfc("\u00A0") == "\u00A0");        // compatibility forms stay (not NFKC)
  CHECK(to_nfc("\u1100\u1161") == "\uAC00");  // Hangul jamo compose
  CHECK(to_nfc("plain ascii") == "plain ascii");
  CHECK(to_nfc("bad \xFF utf8 e\xCC\x81") == "bad \xFF utf8 e\xCC\x81"); // untouched
}

TEST_CASE("trimming removes Unicode White_Space only") {
  CHECK(trim_white_space(" \t\u00A0x y\u3000\u2029") == "x y");
  CHECK(trim_white_space("\u200Bx") == "\u200Bx"); // ZERO WIDTH SPACE is not White_Space
  CHECK(trim_white_space("   ") == "");
  CHECK(trim_white_space("") == "");
}

TEST_CASE("regex word characters are Rust's \\w") {
  CHECK(is_regex_word_char('a'));
  CHECK(is_regex_word_char('_'));
  CHECK(is_regex_word_char('7'));
  CHECK_FALSE(is_regex_word_char('-'));
  CHECK(is_regex_word_char(U'é'));
  CHECK(is_regex_word_char(0x0301)); // a combining mark
  CHECK(is_regex_word_char(0x200D)); // Join_Control
  CHECK(is_regex_word_char(0x0663)); // ARABIC-INDIC DIGIT THREE
  CHECK_FALSE(is_regex_word_char(0x00A0));
  CHECK_FALSE(is_regex_word_char(0x2003));
}

TEST_CASE("UTF-8 decoding substitutes like from_utf8_lossy") {
  auto decode = [](std::string_view s) {
    std::u32string out;
    for (std::size_t pos = 0; pos < s.size();) out += utf8_next_lossy(s, pos);
    return out;
  };
  CHECK(decode("a\u00E9\u20AC\U0001F600") == U"a\u00E9\u20AC\U0001F600");
  CHECK(decode("\xF0\x9F\x98") == U"\uFFFD");             // truncated 4-byte sequence
  CHECK(decode("\xE0\x80\x80") == U"\uFFFD\uFFFD\uFFFD"); // overlong
  CHECK(decode("\xF4\x90\x80\x80") == U"\uFFFD\uFFFD\uFFFD\uFFFD"); // above U+10FFFF
  CHECK(utf8_valid("\uFFFD ok"));
  CHECK_FALSE(utf8_valid("\xC3"));
  std::string s;
  utf8_append(s, 0x1F600);
  CHECK(s == "\U0001F600");
  CHECK(utf8_prev_lossy(s, s.size()) == 0x1F600);
}
