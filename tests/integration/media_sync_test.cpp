// Media sync against the real binary (issues 5 and 6): reference devices
// syncing their media folders over v11 and both legacy families, and the
// upstream scenarios of protocol-media.md §9 (S1-S6, D1-D3, D9-D12).

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "protocol/gzip_codec.hpp"
#include "protocol/legacy_envelope.hpp"
#include "protocol/media_zip.hpp"
#include "protocol/meta.hpp"
#include "protocol/multipart.hpp"
#include "tests/integration/media_support.hpp"
#include "tests/integration/sync_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
namespace fs = std::filesystem;

namespace {

const std::string japanese_png = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.png"; // 日本語.png
const std::string nfd_jpg = "e\xcc\x81.jpg";                                 // e + U+0301
const std::string nfc_jpg = "\xc3\xa9.jpg";                                  // é

// Bytes no two tests share by accident, of a given size.
std::string content(std::string_view tag, std::size_t size = 0) {
  std::string out(tag);
  std::uint32_t x = 2166136261u;
  for (char c : tag)
    x = (x ^ static_cast<unsigned char>(c)) * 16777619u;
  while (out.size() < size) {
    x = x * 1664525u + 1013904223u;
    out += static_cast<char>(x >> 24);
  }
  return out;
}

client::media_sync_counts must_sync(client::device& d, client::sync_client& c,
                                    std::optional<std::int64_t> server_usn = std::nullopt) {
  auto r = d.media_sync(c, server_usn);
  INFO((r ? std::string("ok") : client::describe(r.error())));
  REQUIRE(r.has_value());
  return *r;
}

// The server's media usn as /sync/meta reports it (v11).
std::int64_t meta_media_usn(const server_process& server, const std::string& key) {
  auto c = server.sync_client();
  auto r = c.call("meta", protocol::encode_meta_request({11, "media-test"}), key);
  REQUIRE(r.has_value());
  REQUIRE(r->status == 200);
  auto meta = protocol::decode_meta_response(r->body);
  REQUIRE(meta.has_value());
  return meta->media_usn;
}

std::set<std::string> names_of(const std::vector<protocol::media_change_entry>& rows,
                               bool live_only = true) {
  std::set<std::string> out;
  for (const auto& r : rows)
    if (!live_only || !r.sha1_hex.empty())
      out.insert(r.fname);
  return out;
}

client::http_response send(const server_process& server, const client::http_request& req) {
  auto http = server.http();
  auto r = http.send(req);
  REQUIRE(r.has_value());
  return *r;
}

client::http_request legacy_media_post(const std::string& method,
                                       const std::vector<std::pair<std::string, std::string>>& fields,
                                       const std::optional<std::string>& data) {
  return post("/msync/" + method,
              protocol::build_multipart(protocol::legacy_boundary, fields, data),
              {{"content-type", protocol::legacy_content_type()}});
}

} // namespace

TEST_CASE("media round trip: unicode names reach another device byte for byte, deletions come back",
          "[media]") {
  const auto envelope = GENERATE(media_envelope::v11, media_envelope::legacy_python,
                                 media_envelope::legacy_rust);
  INFO("envelope: " << to_string(envelope));
  sync_fixture fx(seeding::never);
  auto c1 = media_client(fx.server(), envelope);
  auto c2 = media_client(fx.server(), envelope);
  auto d1 = fx.fresh_device("d1");
  auto d2 = fx.fresh_device("d2");

  // The client normalises before adding; the name it stores is NFC.
  const std::string accented = client::normalize_media_name(nfd_jpg);
  REQUIRE(accented == nfc_jpg);
  CHECK(d1.add_media(nfd_jpg, "x").error().code == storage::storage_errc::invalid);
  REQUIRE(d1.add_media(japanese_png, content("png", 30000)).has_value());
  REQUIRE(d1.add_media(accented, content("jpg", 5000)).has_value());
  REQUIRE(d1.add_media("plain.txt", "plain").has_value());

  // v11 clients take the server usn from /sync/meta; legacy ones call begin.
  std::optional<std::int64_t> usn;
  if (envelope == media_envelope::v11)
    usn = meta_media_usn(fx.server(), fx.host_key());
  auto up = must_sync(d1, c1, usn);
  CHECK(up.uploaded == 3);
  CHECK(up.sanity_checked);
  CHECK(up.sanity_ok);
  CHECK(up.last_usn == 3);

  // What the server holds: NFC names with the sha1 of the bytes.
  media_raw raw(fx.server(), fx.host_key());
  auto rows = raw.all_changes();
  std::map<std::string, std::string> server_sha1;
  for (const auto& r : rows)
    server_sha1[r.fname] = r.sha1_hex;
  CHECK(server_sha1 == std::map<std::string, std::string>{
                           {japanese_png, client::sha1_hex_of(content("png", 30000))},
                           {nfc_jpg, client::sha1_hex_of(content("jpg", 5000))},
                           {"plain.txt", client::sha1_hex_of("plain")}});
  CHECK(raw.usn() == 3);
  if (envelope == media_envelope::v11)
    CHECK(meta_media_usn(fx.server(), fx.host_key()) == 3);

  auto down = must_sync(d2, c2);
  CHECK(down.downloaded == 3);
  CHECK(down.sanity_ok);
  CHECK(down.last_usn == 3);
  auto files1 = files_of(d1);
  CHECK(files1.size() == 3);
  CHECK(files1 == files_of(d2));

  // A deletion on device 2 reaches device 1.
  REQUIRE(d2.remove_media("plain.txt").has_value());
  auto del = must_sync(d2, c2);
  CHECK(del.uploaded_deletions == 1);
  CHECK(del.sanity_ok);
  auto got = must_sync(d1, c1);
  CHECK(got.removed == 1);
  CHECK(got.sanity_ok);
  files1 = files_of(d1);
  CHECK(files1.count("plain.txt") == 0);
  CHECK(files1 == files_of(d2));

  // Nothing to do: no call after the usn check, nothing changes.
  auto idle = must_sync(d1, c1);
  CHECK_FALSE(idle.sanity_checked);
  CHECK(idle.uploaded + idle.downloaded + idle.removed == 0);
}

TEST_CASE("S1-S3: legacy begin by GET, begin with the version in the form, sk on later calls",
          "[media][legacy]") {
  sync_fixture fx(seeding::never);
  const std::string key = fx.host_key();

  auto s1 = send(fx.server(), get("/msync/begin?k=" + key + "&v=anki%2C2.1.50%2Clinux"));
  INFO("S1 " << s1.status << " " << s1.body);
  REQUIRE(s1.status == 200);
  auto begin1 = protocol::decode_media_begin_reply(s1.body);
  REQUIRE(begin1.has_value());
  CHECK(begin1->usn == 0);
  CHECK(begin1->sk == key);
  CHECK(s1.header("anki-original-size") == nullptr);

  auto s2 = send(fx.server(),
                 legacy_media_post("begin", {{"c", "0"}, {"v", "client"}, {"k", key}}, std::nullopt));
  INFO("S2 " << s2.status << " " << s2.body);
  CHECK(s2.status == 200);
  CHECK(protocol::decode_media_begin_reply(s2.body).has_value());

  auto s3 = send(fx.server(), legacy_media_post("mediaChanges",
                                                {{"c", "0"}, {"v", "client"}, {"sk", key}},
                                                std::string(R"({"lastUsn": 0})")));
  INFO("S3 " << s3.status << " " << s3.body);
  CHECK(s3.status == 200);
  auto rows = protocol::decode_media_changes_reply(s3.body);
  REQUIRE(rows.has_value());
  CHECK(rows->empty());

  // Python-era: gzipped JSON with c=1, and a DEFLATE upload zip marking a
  // deletion with "" sent raw with c=0.
  auto py_begin = send(fx.server(), legacy_media_post("begin",
                                                      {{"k", key}, {"v", "ankidesktop,2.1.21,lin"},
                                                       {"c", "1"}},
                                                      protocol::gzip_compress("{}")));
  CHECK(py_begin.status == 200);
  const auto zip = upload_zip({{"a.mp3", content("a")}, {"gone.mp3", std::nullopt}},
                              /*deflate=*/true, /*empty_string_deletions=*/true);
  auto py_upload =
      send(fx.server(), legacy_media_post("uploadChanges", {{"sk", key}, {"c", "0"}}, zip));
  INFO("python upload " << py_upload.status << " " << py_upload.body);
  REQUIRE(py_upload.status == 200);
  auto up = protocol::decode_upload_changes_reply(py_upload.body);
  REQUIRE(up.has_value());
  CHECK(up->processed == 2);
  CHECK(up->usn == 1);
  auto py_changes = send(fx.server(), legacy_media_post("mediaChanges", {{"sk", key}, {"c", "1"}},
                                                        protocol::gzip_compress(R"({"lastUsn":0})")));
  REQUIRE(py_changes.status == 200);
  rows = protocol::decode_media_changes_reply(py_changes.body);
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].fname == "a.mp3");
  CHECK((*rows)[0].sha1_hex == client::sha1_hex_of(content("a")));
}

TEST_CASE("S4 and D1: a new user starts at usn 0 and mediaSanity says OK only when counts match",
          "[media]") {
  sync_fixture fx(seeding::never);
  media_raw raw(fx.server(), fx.host_key());
  CHECK(raw.usn() == 0);
  CHECK(raw.changes(0).empty());
  CHECK(raw.sanity(0));
  CHECK_FALSE(raw.sanity(1));

  auto c = fx.connect();
  auto d = fx.fresh_device("d1");
  REQUIRE(d.add_media("one.jpg", "1").has_value());
  REQUIRE(d.add_media("two.jpg", "2").has_value());
  auto r = must_sync(d, c);
  CHECK(r.sanity_ok);
  CHECK(raw.sanity(2));
  CHECK_FALSE(raw.sanity(3));
  CHECK_FALSE(raw.sanity(1));
}

TEST_CASE("a failed media sanity check resets the client, and its next sync repairs both sides",
          "[media]") {
  sync_fixture fx(seeding::never);
  auto c = fx.connect();
  auto d = fx.fresh_device("d1");
  REQUIRE(d.add_media("a.jpg", content("a")).has_value());
  REQUIRE(d.add_media("b.jpg", content("b")).has_value());
  must_sync(d, c);

  // The server loses b's content: downloadFiles answers 409 and forgets
  // the row (D8), without a usn change, so the device cannot know.
  media_raw raw(fx.server(), fx.host_key());
  const auto usn_before = raw.usn();
  fs::remove(fx.server().data_dir() / sync_user / "media-store" / client::sha1_hex_of(content("b")));
  CHECK(raw.download({"b.jpg"}).status == 409);
  CHECK(raw.usn() == usn_before);
  CHECK(names_of(raw.all_changes()) == std::set<std::string>{"a.jpg"});
  CHECK(raw.sanity(1));

  REQUIRE(d.add_media("c.jpg", content("c")).has_value());
  auto failed = must_sync(d, c);
  CHECK(failed.uploaded == 1);
  CHECK(failed.sanity_checked);
  CHECK_FALSE(failed.sanity_ok);
  CHECK(failed.last_usn == 0);

  auto repaired = must_sync(d, c);
  CHECK(repaired.sanity_ok);
  CHECK(repaired.uploaded == 1); // b, which the server had forgotten
  CHECK(names_of(raw.all_changes()) == std::set<std::string>{"a.jpg", "b.jpg", "c.jpg"});
  CHECK(raw.sanity(3));
}

TEST_CASE("S5: edits and deletions on two devices converge", "[media]") {
  sync_fixture fx(seeding::never);
  auto c1 = fx.connect();
  auto c2 = fx.connect();
  auto d1 = fx.fresh_device("d1");
  auto d2 = fx.fresh_device("d2");
  REQUIRE(d1.add_media("manual1", "manual1").has_value());
  REQUIRE(d1.add_media("auto1", "auto1").has_value());
  REQUIRE(d1.add_media("manual2", "manual2").has_value());
  must_sync(d1, c1);
  must_sync(d2, c2);
  CHECK(files_of(d2).size() == 3);

  // Device 2 rewrites manual1 outside the client (as an editor would) and
  // deletes manual2.
  {
    std::ofstream out(d2.media().value()->folder() / "manual1", std::ios::binary | std::ios::trunc);
    out << "changed1";
  }
  fs::last_write_time(d2.media().value()->folder() / "manual1",
                      fs::file_time_type::clock::now() + std::chrono::seconds(10));
  REQUIRE(d2.remove_media("manual2").has_value());
  must_sync(d2, c2);
  must_sync(d1, c1);
  CHECK(files_of(d1).at("manual1") == "changed1");
  CHECK(files_of(d1).count("manual2") == 0);

  REQUIRE(d1.remove_media("manual1").has_value());
  REQUIRE(d2.remove_media("auto1").has_value());
  must_sync(d1, c1);
  must_sync(d2, c2);
  must_sync(d1, c1);
  CHECK(files_of(d1).empty());
  CHECK(files_of(d2).empty());
  media_raw raw(fx.server(), fx.host_key());
  CHECK(names_of(raw.all_changes()).empty());
  CHECK(raw.sanity(0));
}

TEST_CASE("S6: identical uploads and repeated deletions do not move the usn, and the first add wins",
          "[media]") {
  sync_fixture fx(seeding::never);
  auto c1 = fx.connect();
  auto c2 = fx.connect();
  auto d1 = fx.fresh_device("d1");
  auto d2 = fx.fresh_device("d2");
  media_raw raw(fx.server(), fx.host_key());

  REQUIRE(d1.add_media("auto", "auto").has_value());
  REQUIRE(d2.add_media("auto", "auto").has_value());
  must_sync(d1, c1);
  const auto usn = raw.usn();
  auto same = raw.upload_ok(upload_zip({{"auto", std::string("auto")}}));
  CHECK(same.processed == 1);
  CHECK(same.usn == usn);
  CHECK(raw.usn() == usn);
  // Device 2 pulls the row, sees the same content and has nothing to send.
  auto r2 = must_sync(d2, c2);
  CHECK(r2.uploaded == 0);
  CHECK(r2.downloaded == 0);

  REQUIRE(d1.remove_media("auto").has_value());
  REQUIRE(d2.remove_media("auto").has_value());
  must_sync(d1, c1);
  const auto usn2 = raw.usn();
  CHECK(usn2 == usn + 1);
  auto again = raw.upload_ok(upload_zip({{"auto", std::nullopt}}));
  CHECK(again.processed == 1);
  CHECK(again.usn == usn2);
  CHECK(raw.usn() == usn2);

  REQUIRE(d1.add_media("diff", "1").has_value());
  REQUIRE(d2.add_media("diff", "2").has_value());
  must_sync(d1, c1);
  must_sync(d2, c2);
  CHECK(files_of(d1).at("diff") == "1");
  CHECK(files_of(d2).at("diff") == "1");
  must_sync(d1, c1);
  CHECK(files_of(d1) == files_of(d2));
}

TEST_CASE("D2-D3: uploads answer processed and usn, and deletions keep their row with an empty sha1",
          "[media]") {
  sync_fixture fx(seeding::never);
  media_raw raw(fx.server(), fx.host_key());
  auto add = raw.upload_ok(upload_zip({{"a", std::string("abc")}, {"zz", std::nullopt}}));
  CHECK(add.processed == 2);
  CHECK(add.usn == 1);
  auto rows = raw.changes(0);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].fname == "a");
  CHECK(rows[0].usn == 1);
  CHECK(rows[0].sha1_hex == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(raw.sanity(1));

  auto del = raw.upload_ok(upload_zip({{"a", std::nullopt}}));
  CHECK(del.processed == 1);
  CHECK(del.usn == 2);
  rows = raw.changes(1);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].fname == "a");
  CHECK(rows[0].usn == 2);
  CHECK(rows[0].sha1_hex.empty());
  CHECK(raw.sanity(0));
  CHECK(raw.changes(2).empty());
  CHECK(raw.changes(100).empty());
}

TEST_CASE("D9: 1500 changes come in pages of 1000 in usn order, and a device pulls them all",
          "[media]") {
  sync_fixture fx(seeding::never);
  media_raw raw(fx.server(), fx.host_key());
  for (int zip = 0; zip < 60; ++zip) {
    std::vector<upload_entry> entries;
    for (int i = 0; i < 25; ++i) {
      const auto n = std::to_string(zip * 25 + i);
      entries.push_back({"f" + n + ".txt", "file " + n});
    }
    REQUIRE(raw.upload_ok(upload_zip(entries)).processed == 25);
  }
  auto first = raw.changes(0);
  REQUIRE(first.size() == 1000);
  for (std::size_t i = 1; i < first.size(); ++i)
    REQUIRE(first[i].usn > first[i - 1].usn);
  auto second = raw.changes(first.back().usn);
  CHECK(second.size() == 500);
  CHECK(second.front().usn > first.back().usn);
  CHECK(raw.changes(second.back().usn).empty());

  auto c = fx.connect();
  auto d = fx.fresh_device("puller");
  auto r = must_sync(d, c);
  CHECK(r.downloaded == 1500);
  CHECK(r.sanity_ok);
  CHECK(r.last_usn == 1500);
  CHECK(files_of(d).at("f1499.txt") == "file 1499");
}

TEST_CASE("D10: downloadFiles stops after the file that crosses 2.5 MiB", "[media]") {
  sync_fixture fx(seeding::never);
  media_raw raw(fx.server(), fx.host_key());
  const std::size_t two_mib = 2u << 20;
  REQUIRE(raw.upload_ok(upload_zip({{"big1", content("big1", two_mib)},
                                    {"big2", content("big2", two_mib)},
                                    {"big3", content("big3", two_mib)}}))
              .processed == 3);
  auto r = raw.download({"big1", "big2", "big3"});
  REQUIRE(r.status == 200);
  temp_folder t;
  {
    std::ofstream out(t.path() / "reply.zip", std::ios::binary);
    out << r.body;
  }
  auto files = protocol::read_download_zip(t.path() / "reply.zip");
  REQUIRE(files.has_value());
  REQUIRE(files->size() == 2);
  CHECK((*files)[0].fname == "big1");
  CHECK((*files)[0].bytes == content("big1", two_mib));
  CHECK((*files)[1].fname == "big2");

  // A device asks again for the rest and gets all three.
  auto c = fx.connect();
  auto d = fx.fresh_device("d");
  auto synced = must_sync(d, c);
  CHECK(synced.downloaded == 3);
  CHECK(files_of(d).at("big3") == content("big3", two_mib));
}

TEST_CASE("D11: v11 media replies are zstd with their size, legacy ones are plain", "[media]") {
  sync_fixture fx(seeding::never);
  media_raw v11(fx.server(), fx.host_key());
  auto r = v11.call(protocol::media_method::begin, {});
  REQUIRE(r.status == 200); // the client checked zstd and anki-original-size
  bool has_size = false;
  for (const auto& [k, v] : r.headers)
    has_size |= k == "anki-original-size" && v == std::to_string(r.body.size());
  CHECK(has_size);

  media_raw legacy(fx.server(), fx.host_key(), media_envelope::legacy_python);
  auto l = legacy.call(protocol::media_method::begin, {});
  REQUIRE(l.status == 200);
  for (const auto& [k, v] : l.headers)
    CHECK(k != "anki-original-size");
  CHECK(parse_json(l.body).as_object().at("err").as_string() == "");
}

TEST_CASE("D12: a wrong host key gets 403 on every media method, in every envelope", "[media]") {
  sync_fixture fx(seeding::never);
  const auto envelope = GENERATE(media_envelope::v11, media_envelope::legacy_python,
                                 media_envelope::legacy_rust);
  INFO("envelope: " << to_string(envelope));
  media_raw bad(fx.server(), "0000000000000000000000000000000000000000", envelope);
  using protocol::media_method;
  CHECK(bad.call(media_method::begin, {}).status == 403);
  CHECK(bad.call(media_method::media_changes, protocol::encode_media_changes(0)).status == 403);
  CHECK(bad.upload(upload_zip({{"a", std::string("a")}})).status == 403);
  CHECK(bad.download({"a"}).status == 403);
  CHECK(bad.call(media_method::media_sanity, protocol::encode_media_sanity(0)).status == 403);
  media_raw raw(fx.server(), fx.host_key());
  CHECK(raw.usn() == 0);
}

TEST_CASE("/sync/meta reports media_usn equal to the media usn after uploads", "[media]") {
  sync_fixture fx(seeding::never);
  CHECK(meta_media_usn(fx.server(), fx.host_key()) == 0);
  auto c = fx.connect();
  auto d = fx.fresh_device("d");
  for (int i = 0; i < 4; ++i)
    REQUIRE(d.add_media("m" + std::to_string(i), content("m" + std::to_string(i))).has_value());
  must_sync(d, c);
  REQUIRE(d.remove_media("m0").has_value());
  must_sync(d, c);
  media_raw raw(fx.server(), fx.host_key());
  CHECK(raw.usn() == 5);
  CHECK(meta_media_usn(fx.server(), fx.host_key()) == 5);
  // The device's collection sync carries it too, for the media sync after.
  auto outcome = d.sync(c);
  REQUIRE(outcome.has_value());
  CHECK(outcome->server_media_usn == 5);
  // Started from that usn, the media sync has nothing to do.
  auto idle = must_sync(d, c, outcome->server_media_usn);
  CHECK_FALSE(idle.sanity_checked);
}

TEST_CASE("a device uploads in zips of at most 25 files and about 2.5 MiB, fast-forwarding its usn",
          "[media]") {
  sync_fixture fx(seeding::never);
  auto c = fx.connect();
  auto d = fx.fresh_device("d");
  // 30 files of 300 KB: the size target closes a zip after 9 files
  // (2.7 MB), so 9 + 9 + 9 + 3. 40 small files: 25 + 15.
  for (int i = 0; i < 30; ++i)
    REQUIRE(d.add_media("big" + std::to_string(i), content("big" + std::to_string(i), 300000))
                .has_value());
  auto big = must_sync(d, c);
  CHECK(big.uploaded == 30);
  CHECK(big.last_usn == 30);
  for (int i = 0; i < 40; ++i)
    REQUIRE(d.add_media("small" + std::to_string(i), content("s" + std::to_string(i), 10))
                .has_value());
  auto small = must_sync(d, c);
  CHECK(small.uploaded == 40);
  CHECK(small.last_usn == 70);
  CHECK_FALSE(small.downloaded);

  // The server logs one line per request.
  std::size_t uploads = 0;
  CHECK(eventually([&] {
    const auto log = fx.server().stdout_text() + fx.server().stderr_text();
    uploads = 0;
    for (auto at = log.find("/msync/uploadChanges"); at != std::string::npos;
         at = log.find("/msync/uploadChanges", at + 1))
      ++uploads;
    return uploads == 4 + 2;
  }));
  CHECK(uploads == 4 + 2);
  media_raw raw(fx.server(), fx.host_key());
  CHECK(raw.usn() == 70);
  CHECK(raw.sanity(70));
}

TEST_CASE("random media edits on three devices, one per envelope, converge", "[media]") {
  const unsigned seed = GENERATE(1u, 2u, 3u);
  INFO("seed " << seed);
  sync_fixture fx(seeding::never);
  std::mt19937 rng(seed);
  struct member {
    client::device d;
    client::sync_client c;
  };
  std::vector<member> devices;
  const media_envelope envelopes[] = {media_envelope::v11, media_envelope::legacy_python,
                                      media_envelope::legacy_rust};
  for (int i = 0; i < 3; ++i)
    devices.push_back({fx.fresh_device("d" + std::to_string(i)),
                       media_client(fx.server(), envelopes[i])});

  // Names from a small pool so that devices collide on them.
  auto pick_name = [&] { return "n" + std::to_string(rng() % 8) + ".bin"; };
  for (int step = 0; step < 40; ++step) {
    auto& [d, c] = devices[rng() % devices.size()];
    const auto name = pick_name();
    const bool present = files_of(d).count(name) > 0;
    if (present && rng() % 3 == 0)
      REQUIRE(d.remove_media(name).has_value());
    else
      REQUIRE(d.add_media(name, content(name + std::to_string(step), 100 + rng() % 3000))
                  .has_value());
    if (rng() % 2 == 0)
      must_sync(d, c);
  }
  // Two passes: the first carries every pending change to the server, the
  // second brings every device to the server's state.
  for (int pass = 0; pass < 2; ++pass)
    for (auto& [d, c] : devices)
      must_sync(d, c);

  media_raw raw(fx.server(), fx.host_key());
  std::map<std::string, std::string> server_files;
  for (const auto& row : raw.all_changes())
    if (!row.sha1_hex.empty())
      server_files[row.fname] = row.sha1_hex;
  for (auto& [d, c] : devices) {
    std::map<std::string, std::string> local;
    for (const auto& [name, bytes] : files_of(d))
      local[name] = client::sha1_hex_of(bytes);
    CHECK(local == server_files);
  }
  CHECK(raw.sanity(static_cast<std::uint32_t>(server_files.size())));
}
