#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "storage/note_fields.hpp"

using namespace ankisync::storage;

TEST_CASE("checksums match Anki's") {
  // rslib/src/notes/mod.rs test_field_checksum.
  CHECK(checksum_of_stripped("test") == 2840236005u);
  CHECK(checksum_of_stripped("今日") == 1464653051u);
  // HTML is stripped first, media names kept.
  CHECK(compute_checksum("<b>test</b>") == 2840236005u);
  CHECK(compute_checksum(R"(<img src="a.jpg">)") == checksum_of_stripped(" a.jpg "));
  // SHA-1("") = da39a3ee...
  CHECK(compute_checksum("") == 0xda39a3eeu);
}

TEST_CASE("the sort field is the chosen field without HTML") {
  std::vector<std::string> fields = {"<b>Front</b>", "Back &amp; more", "<img src=\"c.png\">"};
  CHECK(compute_sort_field(fields, 0) == "Front");
  CHECK(compute_sort_field(fields, 1) == "Back & more");
  CHECK(compute_sort_field(fields, 2) == " c.png ");
  // A sort index past the fields (a broken notetype) gives "".
  CHECK(compute_sort_field(fields, 7) == "");
  // No trimming: spaces around the text stay.
  CHECK(compute_sort_field({" x "}, 0) == " x ");
}

TEST_CASE("control characters other than newline and tab are removed") {
  CHECK(strip_control_chars("a\x01" "b\x7f" "c\n\td\x1f") == "abc\n\td");
  CHECK(strip_control_chars("é😀") == "é😀");
}

TEST_CASE("fields split on U+001F") {
  CHECK(split_fields("a\x1f" "b\x1f") == std::vector<std::string>{"a", "b", ""});
  CHECK(split_fields("") == std::vector<std::string>{""});
  CHECK(join_fields({"a", "", "c"}) == "a\x1f\x1f" "c");
}

TEST_CASE("note tags are re-spaced, not normalised") {
  CHECK(join_note_tags(split_note_tags("  a  B\u3000c ")) == " a B c ");
  CHECK(join_note_tags(split_note_tags("")) == "");
  CHECK(join_note_tags(split_note_tags("   ")) == "");
  CHECK(split_note_tags(" x::y  Z ") == std::vector<std::string>{"x::y", "Z"});
}
