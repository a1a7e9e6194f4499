#include "actors/sync/media_requests.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "protocol/media_json.hpp"
#include "protocol/media_zip.hpp"
#include "tests/storage/temp_dir.hpp"

using namespace ankisync;
namespace media = ankisync::actors::media;

namespace {

struct user_media {
  storage::test::temp_dir dir;
  storage::media_store store{dir / "media", dir / ".media-stage"};
  storage::media_db db = open_db();

  storage::media_db open_db() {
    REQUIRE(store.prepare());
    auto opened = storage::media_db::open(dir / "media.db");
    REQUIRE(opened);
    return std::move(*opened);
  }

  // An upload as a legacy client sends it: the raw zip in memory.
  media::reply upload(const std::vector<protocol::upload_zip_input>& entries) {
    const auto zip = dir / "client.zip";
    REQUIRE(protocol::write_upload_zip(entries, zip));
    std::ifstream in(zip, std::ios::binary);
    media::upload_request req;
    req.body.bytes.assign(std::istreambuf_iterator<char>(in), {});
    req.encoding = protocol::body_encoding::raw;
    req.temp_zip = dir / ".media-stage" / "upload.zip";
    req.limit = 300ull << 20;
    auto r = media::upload(req, db, store, 1'700'000'000);
    if (!r)
      return std::unexpected(r.error());
    return std::move(r->body);
  }

  std::size_t stored_files() const {
    std::size_t n = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir / "media"))
      ++n;
    return n;
  }
  std::size_t staged_files() const {
    std::size_t n = 0;
    for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir / ".media-stage"))
      ++n;
    return n;
  }
};

} // namespace

TEST_CASE("media upload stores files and reports processed and usn", "[media]") {
  user_media m;
  auto r = m.upload({{"a.jpg", false, "aaa"}, {"b.mp3", false, "bbbb"}, {"zz", true, {}}});
  REQUIRE(r);
  auto decoded = protocol::decode_upload_changes_reply(*r);
  REQUIRE(decoded);
  CHECK(decoded->processed == 3);
  CHECK(decoded->usn == 2);
  CHECK(m.stored_files() == 2);
  CHECK(m.staged_files() == 0);

  auto changes = media::changes(R"({"lastUsn":0})", m.db);
  REQUIRE(changes);
  auto rows = protocol::decode_media_changes_reply(*changes);
  REQUIRE(rows);
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[0].fname == "a.jpg");
  CHECK((*rows)[0].usn == 1);
  CHECK((*rows)[0].sha1_hex.size() == 40);

  auto sanity = media::sanity(R"({"local":2})", m.db);
  REQUIRE(sanity);
  CHECK(protocol::decode_media_sanity_reply(*sanity).value() == true);
  auto insane = media::sanity(R"({"local":3})", m.db);
  REQUIRE(insane);
  CHECK(protocol::decode_media_sanity_reply(*insane).value() == false);
}

TEST_CASE("a refused media upload changes nothing", "[media]") {
  user_media m;
  REQUIRE(m.upload({{"keep.jpg", false, "k"}}));
  auto r = m.upload({{"fine.jpg", false, "f"}, {"../x", false, "evil"}});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == protocol::error_code::bad_request);
  CHECK(m.stored_files() == 1);
  CHECK(m.staged_files() == 0);
  CHECK(m.db.totals()->last_usn == 1);
}

TEST_CASE("media download sends the requested files, zstd-compressed for v11", "[media]") {
  user_media m;
  REQUIRE(m.upload({{"a.jpg", false, "aaa"}, {"b.mp3", false, "bbbb"}}));
  const auto out = m.dir / "reply.zip";
  auto r = media::download(R"({"files":["b.mp3","a.jpg"]})", m.db, m.store, out, false);
  REQUIRE(r);
  auto files = protocol::read_download_zip(out);
  REQUIRE(files);
  REQUIRE(files->size() == 2);
  CHECK((*files)[0].fname == "b.mp3");
  CHECK((*files)[0].bytes == "bbbb");
  CHECK((*files)[1].bytes == "aaa");
  CHECK(r->original_size == std::filesystem::file_size(out));

  auto compressed = media::download(R"({"files":["a.jpg"]})", m.db, m.store, m.dir / "reply.zst", true);
  REQUIRE(compressed);
  CHECK(std::filesystem::file_size(m.dir / "reply.zst") != compressed->original_size);
}

TEST_CASE("media download of an unknown or deleted name is a conflict", "[media]") {
  user_media m;
  REQUIRE(m.upload({{"a.jpg", false, "aaa"}}));
  REQUIRE(m.upload({{"a.jpg", true, {}}}));
  for (auto body : {R"({"files":["a.jpg"]})", R"({"files":["nope.png"]})"}) {
    auto r = media::download(body, m.db, m.store, m.dir / "reply.zip", false);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == protocol::error_code::conflict);
    CHECK_FALSE(std::filesystem::exists(m.dir / "reply.zip"));
  }
}

TEST_CASE("a live file whose content vanished is forgotten on download", "[media]") {
  user_media m;
  REQUIRE(m.upload({{"a.jpg", false, "aaa"}, {"b.jpg", false, "bb"}}));
  auto live = m.db.live_file("a.jpg");
  REQUIRE(live);
  REQUIRE(*live);
  std::filesystem::remove(m.store.path_of((*live)->sha1_raw));

  auto r = media::download(R"({"files":["a.jpg"]})", m.db, m.store, m.dir / "reply.zip", false);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == protocol::error_code::conflict);
  auto totals = m.db.totals();
  CHECK(totals->last_usn == 2);
  CHECK(totals->total_nonempty_files == 1);
  CHECK_FALSE(*m.db.live_file("a.jpg"));
}

TEST_CASE("begin echoes the host key and needs a client version", "[media]") {
  user_media m;
  auto r = media::begin(R"({"v":"anki,2.1.50"})", "key", m.db);
  REQUIRE(r);
  auto reply = protocol::decode_media_begin_reply(*r);
  REQUIRE(reply);
  CHECK(reply->usn == 0);
  CHECK(reply->sk == "key");
  auto missing = media::begin("{}", "key", m.db);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == protocol::error_code::bad_request);
}
