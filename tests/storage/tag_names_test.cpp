#include <catch2/catch.hpp>

#include "storage/tag_names.hpp"

using namespace ankisync::storage;

TEST_CASE("tag names are normalised per component") {
  // rslib/src/tags/register.rs expectations.
  CHECK(normalize_tag_name("\uFA47") == "\u6F22"); // NFC of a compatibility ideograph
  CHECK(normalize_tag_name("") == "blank");
  CHECK(normalize_tag_name("::") == "blank::blank");
  CHECK(normalize_tag_name("foo::") == "foo::blank");
  CHECK(normalize_tag_name("foo") == "foo");
  // Separators and ASCII controls vanish, Unicode white space is trimmed.
  CHECK(normalize_tag_name("a b") == "ab");
  CHECK(normalize_tag_name("a\u3000b\tc") == "abc");
  CHECK(normalize_tag_name("\u00A0x\u2003::y") == "x::y");
  CHECK(normalize_tag_name("e\u0301") == "\u00E9");
  // "::" splits left to right, so a third colon starts the next component.
  CHECK(normalize_tag_name("a:::b") == "a:::b");
  CHECK(normalize_tag_name("Parent:: Child ") == "Parent::Child");
}

TEST_CASE("the parent of a tag is everything before the last separator") {
  CHECK(parent_tag_name("a::b::c") == "a::b");
  CHECK(parent_tag_name("a") == std::nullopt);
}
