// Media requests no well-behaved client sends (protocol-media.md §4.3,
// §4.4, D4-D8): each is refused with its status, and the server's media
// (usn, change list, content store) is exactly as before.

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/integration/media_support.hpp"
#include "tests/integration/sync_support.hpp"
#include "tools/client/media_folder.hpp"

using namespace ankisync;
using namespace ankisync::integration;
namespace fs = std::filesystem;

namespace {

struct bad_upload {
  const char* what;
  std::string zip;
};

std::vector<bad_upload> bad_uploads() {
  const upload_entry ok{"fine.jpg", std::string("fine")};
  std::vector<upload_entry> too_many;
  for (int i = 0; i < 26; ++i)
    too_many.push_back({"n" + std::to_string(i), "x" + std::to_string(i)});
  const std::string whole = upload_zip({ok, {"second.jpg", std::string(5000, 's')}});
  return {
      {"26 entries", upload_zip(too_many)},
      {"a name of 256 bytes", upload_zip({ok, {std::string(256, 'n'), std::string("x")}})},
      {"an NFD name", upload_zip({ok, {"e\xcc\x81.jpg", std::string("x")}})},
      {"a name with a slash", upload_zip({ok, {"a/b", std::string("x")}})},
      {"a name climbing out", upload_zip({ok, {"../x", std::string("x")}})},
      {"a name that is '..'", upload_zip({ok, {"..", std::string("x")}})},
      {"an empty name", upload_zip({ok, {"", std::string("x")}})},
      {"a zero-byte member", upload_zip({ok, {"zero.jpg", std::string()}})},
      {"a member missing", make_zip({{"0", "fine"}, {"_meta", R"([["fine.jpg","0"],["b","1"]])"}})},
      {"no _meta", make_zip({{"0", "fine"}})},
      {"_meta not JSON", make_zip({{"0", "fine"}, {"_meta", "[[\"fine.jpg\","}})},
      {"a truncated zip", whole.substr(0, whole.size() / 2)},
      {"a zip cut before its directory", whole.substr(0, whole.size() - 30)},
      {"not a zip", std::string("this is not a zip file at all")},
  };
}

} // namespace

TEST_CASE("bad upload zips get 400 and change nothing on the server", "[media]") {
  const auto envelope = GENERATE(media_envelope::v11, media_envelope::legacy_python);
  INFO("envelope: " << to_string(envelope));
  sync_fixture fx(seeding::never);
  media_raw raw(fx.server(), fx.host_key(), envelope);
  REQUIRE(raw.upload_ok(upload_zip({{"kept.jpg", std::string("kept")},
                                    {"gone.jpg", std::string("gone")}}))
              .usn == 2);
  REQUIRE(raw.upload_ok(upload_zip({{"gone.jpg", std::nullopt}})).usn == 3);
  const auto before = snapshot_media(fx.server(), sync_user, fx.host_key());
  REQUIRE(before.files.size() == 1); // kept.jpg's content

  for (const auto& bad : bad_uploads()) {
    INFO(bad.what);
    auto r = raw.upload(bad.zip);
    INFO("body: " << r.body);
    CHECK(r.status == 400);
    media_state after;
    const bool same = eventually([&] {
      after = snapshot_media(fx.server(), sync_user, fx.host_key());
      return after == before;
    });
    CHECK(same);
    CHECK(after.usn == before.usn);
    CHECK(after.changes == before.changes);
    CHECK(after.files == before.files);
    CHECK(after.user_files == before.user_files);
  }
  // The user's folder holds nothing named after a client's file.
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(fx.server().data_dir(), ec)) {
    const auto name = e.path().filename().string();
    CHECK(name != "x");
    CHECK(name != "fine.jpg");
  }
  CHECK(raw.sanity(1));
}

TEST_CASE("D6-D7: downloadFiles refuses 26 names with 400, deleted and unknown names with 409",
          "[media]") {
  sync_fixture fx(seeding::never);
  media_raw raw(fx.server(), fx.host_key());
  REQUIRE(raw.upload_ok(upload_zip({{"live.jpg", std::string("live")},
                                    {"dead.jpg", std::string("dead")}}))
              .processed == 2);
  REQUIRE(raw.upload_ok(upload_zip({{"dead.jpg", std::nullopt}})).processed == 1);
  const auto before = snapshot_media(fx.server(), sync_user, fx.host_key());

  std::vector<std::string> names(26, "live.jpg");
  CHECK(raw.download(names).status == 400);
  CHECK(raw.download({"dead.jpg"}).status == 409);
  CHECK(raw.download({"unknown.jpg"}).status == 409);
  CHECK(raw.download({"live.jpg", "unknown.jpg"}).status == 409);
  CHECK(raw.download({"LIVE.jpg"}).status == 409); // names are exact, case-sensitive
  CHECK(raw.download({"live.jpg"}).status == 200);
  CHECK(snapshot_media(fx.server(), sync_user, fx.host_key()) == before);

  // Over legacy too, with sk.
  media_raw legacy(fx.server(), fx.host_key(), media_envelope::legacy_rust);
  CHECK(legacy.download({"dead.jpg"}).status == 409);
  CHECK(legacy.download({"live.jpg"}).status == 200);
}

TEST_CASE("D8: a live row whose content vanished is forgotten with 409, usn unchanged",
          "[media]") {
  sync_fixture fx(seeding::never);
  media_raw raw(fx.server(), fx.host_key());
  REQUIRE(raw.upload_ok(upload_zip({{"a.jpg", std::string("aaa")},
                                    {"b.jpg", std::string("bbb")}}))
              .usn == 2);
  fs::remove(fx.server().data_dir() / sync_user / "media-store" / client::sha1_hex_of("bbb"));
  CHECK(raw.download({"b.jpg"}).status == 409);
  CHECK(raw.usn() == 2);
  auto rows = raw.all_changes();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].fname == "a.jpg");
  CHECK(raw.sanity(1));
  // Uploading it again brings it back as a new change.
  auto again = raw.upload_ok(upload_zip({{"b.jpg", std::string("bbb")}}));
  CHECK(again.usn == 3);
  CHECK(raw.download({"b.jpg"}).status == 200);
}
