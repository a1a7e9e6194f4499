// Which names the reference client gives media files (upstream
// normalize_filename, as far as the client follows it).

#include <catch2/catch.hpp>

#include "tools/client/media_names.hpp"

using namespace ankisync::client;

TEST_CASE("normalised names are kept as they are") {
  for (const char* name : {"a.jpg", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.png", "with space.mp3",
                           "\xc3\xa9.jpg", "con_.jpg"})
    CHECK(normalize_media_name(name) == name);
}

TEST_CASE("names are made NFC and lose the characters Windows cannot store") {
  CHECK(normalize_media_name("e\xcc\x81.jpg") == "\xc3\xa9.jpg");
  CHECK(normalize_media_name("a/b:c?.jpg") == "abc.jpg");
  CHECK(normalize_media_name("tab\t.jpg") == "tab.jpg");
  CHECK(normalize_media_name("nb\xc2\xa0sp.jpg") == "nb sp.jpg");
  CHECK(normalize_media_name("con.jpg") == "con_.jpg");
  CHECK(normalize_media_name("LPT1") == "LPT1_");
  CHECK(normalize_media_name("trailing.") == "trailing._");
  CHECK(normalize_media_name("trailing ") == "trailing _");
  CHECK(normalize_media_name("???") == "");
  CHECK(normalize_media_name("\xff.jpg") == "");
}

TEST_CASE("long names are cut to 120 bytes on a character boundary, keeping the extension") {
  std::string stem;
  for (int i = 0; i < 100; ++i)
    stem += "\xc3\xa9"; // 200 bytes
  const auto out = normalize_media_name(stem + ".jpeg");
  CHECK(out.size() <= 120);
  CHECK(out.ends_with(".jpeg"));
  CHECK(normalize_media_name(out) == out);
}

TEST_CASE("thumbs.db and .ds_store are never synced") {
  CHECK(is_nonsyncable_media_name("Thumbs.db"));
  CHECK(is_nonsyncable_media_name(".DS_Store"));
  CHECK_FALSE(is_nonsyncable_media_name("thumbs.db.jpg"));
}
