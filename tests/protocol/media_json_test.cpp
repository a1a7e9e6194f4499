#include <catch2/catch.hpp>

#include <string>

#include "protocol/media_json.hpp"

using namespace ankisync::protocol;

TEST_CASE("begin reads the client version and refuses an empty one", "[media_json]") {
  auto v = decode_media_begin(R"({"v":"anki,25.02 (abc),linux","extra":1})");
  REQUIRE(v);
  CHECK(*v == "anki,25.02 (abc),linux");

  for (const char* bad : {"{}", R"({"v":""})"}) {
    auto r = decode_media_begin(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == error_code::bad_request);
    CHECK_THAT(r.error().message, Catch::Contains("missing client version"));
  }
  CHECK_FALSE(decode_media_begin(R"({"v":5})"));
  CHECK_FALSE(decode_media_begin("not json"));
}

TEST_CASE("mediaChanges needs an integer lastUsn", "[media_json]") {
  auto usn = decode_media_changes(R"({"lastUsn":42,"unknown":"x"})");
  REQUIRE(usn);
  CHECK(*usn == 42);
  for (const char* bad : {"{}", R"({"lastUsn":"1"})", R"({"lastUsn":1.5})", "[]", ""}) {
    INFO(bad);
    auto r = decode_media_changes(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == error_code::bad_request);
  }
}

TEST_CASE("downloadFiles takes up to 25 names", "[media_json]") {
  std::vector<std::string> names;
  for (int i = 0; i < 25; ++i)
    names.push_back("f" + std::to_string(i) + ".jpg");
  auto ok = decode_download_files(encode_download_files(names));
  REQUIRE(ok);
  CHECK(*ok == names);
  CHECK(decode_download_files(R"({"files":[]})")->empty());

  names.push_back("one-too-many.jpg");
  auto r = decode_download_files(encode_download_files(names));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK_FALSE(decode_download_files(R"({"files":[1]})"));
  CHECK_FALSE(decode_download_files(R"({"names":[]})"));
}

TEST_CASE("mediaSanity reads the local count", "[media_json]") {
  CHECK(*decode_media_sanity(encode_media_sanity(7)) == 7);
  CHECK_FALSE(decode_media_sanity(R"({"local":-1})"));
  CHECK_FALSE(decode_media_sanity("{}"));
}

TEST_CASE("replies are wrapped in data with an empty err", "[media_json]") {
  CHECK(encode_media_begin_reply(7, "b261") == R"({"data":{"usn":7,"sk":"b261"},"err":""})");
  CHECK(encode_media_changes_reply({{"a.jpg", 5, "3f78"}, {"old \"x\".png", 6, ""}}) ==
        R"({"data":[["a.jpg",5,"3f78"],["old \"x\".png",6,""]],"err":""})");
  CHECK(encode_media_changes_reply({}) == R"({"data":[],"err":""})");
  CHECK(encode_upload_changes_reply(2, 9) == R"({"data":[2,9],"err":""})");
  CHECK(encode_media_sanity_reply(true) == R"({"data":"OK","err":""})");
  CHECK(encode_media_sanity_reply(false) == R"({"data":"mediaSanity","err":""})");
}

TEST_CASE("the client reads back what the server writes", "[media_json]") {
  CHECK(*decode_media_begin(encode_media_begin("c")) == "c");
  CHECK(*decode_media_changes(encode_media_changes(-1)) == -1);

  auto begin = decode_media_begin_reply(encode_media_begin_reply(3, "key"));
  REQUIRE(begin);
  CHECK(begin->usn == 3);
  CHECK(begin->sk == "key");

  auto changes = decode_media_changes_reply(
      encode_media_changes_reply({{"a.jpg", 1, "aa"}, {"b.jpg", 2, ""}}));
  REQUIRE(changes);
  REQUIRE(changes->size() == 2);
  CHECK((*changes)[1].fname == "b.jpg");
  CHECK((*changes)[1].usn == 2);
  CHECK((*changes)[1].sha1_hex.empty());

  auto upload = decode_upload_changes_reply(encode_upload_changes_reply(4, 10));
  REQUIRE(upload);
  CHECK(upload->processed == 4);
  CHECK(upload->usn == 10);

  CHECK(*decode_media_sanity_reply(encode_media_sanity_reply(true)) == true);
  CHECK(*decode_media_sanity_reply(encode_media_sanity_reply(false)) == false);
}

TEST_CASE("a reply without data is an error carrying err", "[media_json]") {
  auto r = decode_media_changes_reply(R"({"err":"quota exceeded"})");
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("quota exceeded"));

  auto malformed = decode_upload_changes_reply(R"({"data":[1],"err":""})");
  REQUIRE_FALSE(malformed);
  CHECK(malformed.error().code == error_code::bad_request);
  CHECK_FALSE(decode_media_sanity_reply(R"({"data":"maybe","err":""})"));
  CHECK_FALSE(decode_media_begin_reply("{}"));
  // `err` may be missing when data is there (serde default).
  CHECK(decode_media_sanity_reply(R"({"data":"OK"})"));
}
