#include <catch2/catch.hpp>

#include "storage/deck_name.hpp"

using namespace ankisync::storage;

TEST_CASE("deck names use U+001F between levels in native form", "[deck_name]") {
  CHECK(native_deck_name("Default") == "Default");
  CHECK(native_deck_name("Parent::Child::Leaf") == "Parent\x1f" "Child\x1f" "Leaf");
  CHECK(human_deck_name("Parent\x1f" "Child") == "Parent::Child");
}

TEST_CASE("deck name levels are trimmed, cleaned and never empty", "[deck_name]") {
  CHECK(native_deck_name("  A  ::  B ") == "A\x1f" "B");
  CHECK(native_deck_name("A::::B") == "A\x1f" "blank\x1f" "B");
  CHECK(native_deck_name("::A:") == "blank\x1f" "A");
  CHECK(native_deck_name("a\tb\x01") == "ab");
  CHECK(native_deck_name("A:::B") == "A\x1f" "B"); // "A", ":B" -> ':' trimmed
  CHECK(native_deck_name("") == "blank");
  // U+3000 is white space too.
  CHECK(native_deck_name("\xe3\x80\x80X\xe3\x80\x80") == "X");
}

TEST_CASE("deck names are NFC-normalised", "[deck_name]") {
  // "e" + combining acute -> "é"
  CHECK(native_deck_name("Caf\x65\xcc\x81") == "Caf\xc3\xa9");
}
