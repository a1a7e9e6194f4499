// Full upload and download against the real binary (protocol-collection.md
// §5.10-5.11, §8): v11 (zstd, schema 18) and the legacy envelope
// (multipart + gzip, schema 11), the corrupt and size-limit answers, and a
// normal sync with one device on each envelope.

#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "protocol/zstd_codec.hpp"
#include "tests/integration/sync_support.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
using client::sync_outcome_kind;
namespace fs = std::filesystem;

namespace {

constexpr const char* corrupt_sentence =
    "Your upload was corrupt. Please use Check Database, or restore from backup.";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.flush().good());
}

client::sync_client connect(const server_process& server, bool legacy) {
  client::sync_client_options o;
  o.legacy = legacy;
  o.http.timeout = std::chrono::seconds(60);
  return client::sync_client("127.0.0.1", server.port(), o);
}

client::sync_response call(client::sync_client& c, std::string_view method,
                           std::string_view body) {
  auto r = c.call(method, body, user_pass_host_key, "full");
  INFO("/sync/" << method << ": " << (r ? std::string() : r.error()));
  REQUIRE(r.has_value());
  return std::move(*r);
}

void upload_ok(client::sync_client& c, const fs::path& file) {
  auto r = call(c, "upload", slurp(file));
  INFO(r.body);
  REQUIRE(r.status == 200);
  REQUIRE(r.body == "OK");
}

fs::path download(client::sync_client& c, const fs::path& to) {
  auto r = call(c, "download", "{}");
  INFO(r.body.substr(0, 200));
  REQUIRE(r.status == 200);
  REQUIRE(r.body.starts_with(std::string("SQLite format 3\0", 16)));
  write(to, r.body);
  return to;
}

// Every user table of a file with its rows (sorted, as "col=value" text).
std::map<std::string, std::vector<std::string>> all_tables(const fs::path& file) {
  std::vector<std::string> names;
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db,
                               "select name from sqlite_master where type = 'table' and name "
                               "not like 'sqlite_%' order by name",
                               -1, &st, nullptr) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
      names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  collection_file f(file);
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& name : names) {
    auto rows = f.rows(name, "1");
    std::sort(rows.begin(), rows.end());
    out[name] = std::move(rows);
  }
  return out;
}

// Row-for-row comparison of every table, except `col_skip` columns of col.
void require_all_rows_equal(const fs::path& a, const fs::path& b,
                            const std::vector<std::string>& col_skip) {
  auto ta = all_tables(a);
  auto tb = all_tables(b);
  std::vector<std::string> na, nb;
  for (auto& [k, v] : ta)
    na.push_back(k);
  for (auto& [k, v] : tb)
    nb.push_back(k);
  REQUIRE(na == nb);
  collection_file fa(a), fb(b);
  CHECK(fa.rows("col", "id", col_skip) == fb.rows("col", "id", col_skip));
  for (const auto& name : na) {
    if (name == "col")
      continue;
    INFO("table " << name);
    CHECK(ta[name] == tb[name]);
  }
}

// notes, cards and revlog rows, for files of different schemas.
void require_contents_equal(const fs::path& a, const fs::path& b) {
  collection_file fa(a), fb(b);
  for (const char* table : {"notes", "cards", "revlog"}) {
    INFO("table " << table);
    CHECK(fa.rows(table, "id") == fb.rows(table, "id"));
  }
}

// A collection made by the reference client: notes, a review, a deck.
fs::path client_collection(const fs::path& folder) {
  auto d = client::device::create(folder);
  REQUIRE(d.has_value());
  for (int i = 0; i < 5; ++i) {
    auto n = d->add_note({"front " + std::to_string(i), "back"}, {"tag" + std::to_string(i)});
    REQUIRE(n.has_value());
    if (i == 0)
      REQUIRE(d->review_card(n->card_ids.at(0)).has_value());
  }
  REQUIRE(d->add_deck("Made::Here").has_value());
  return d->file();
  // The device closes here: the file is whole without its log.
}

// A quiescent copy of `file` (WAL checkpointed into it), for uploading.
fs::path copy_of(const fs::path& file, const fs::path& to) {
  fs::copy_file(file, to, fs::copy_options::overwrite_existing);
  return to;
}

unsigned char header_byte(const fs::path& file, std::size_t at) {
  auto bytes = slurp(file);
  REQUIRE(bytes.size() > at);
  return static_cast<unsigned char>(bytes[at]);
}

fs::path server_file(const server_process& s) {
  return s.data_dir() / sync_user / "collection.anki2";
}

} // namespace

TEST_CASE("full sync: a client-made collection round-trips over v11, every table equal") {
  sync_fixture fx(seeding::never);
  const auto original = client_collection(fx.folder() / "maker");
  const auto sent = copy_of(original, fx.folder() / "sent.anki2");
  auto c = connect(fx.server(), false);
  upload_ok(c, sent);
  const auto got = download(c, fx.folder() / "got.anki2");
  collection_file f(got);
  CHECK(f.col().ver == 18);
  CHECK(f.col().usn == collection_file(sent).col().usn + 1);
  require_all_rows_equal(sent, got, {"usn", "mod"});
}

TEST_CASE("full sync: 'fake data' answers the corrupt sentence and the old collection stays") {
  sync_fixture fx(seeding::never);
  const auto sent = copy_of(client_collection(fx.folder() / "maker"), fx.folder() / "sent.anki2");
  auto c = connect(fx.server(), false);
  upload_ok(c, sent);
  const auto before = download(c, fx.folder() / "before.anki2");

  auto r = call(c, "upload", "fake data");
  CHECK(r.status == 200);
  CHECK(r.body == corrupt_sentence);
  // Over the legacy envelope too.
  auto legacy = connect(fx.server(), true);
  auto lr = call(legacy, "upload", "fake data");
  CHECK(lr.status == 200);
  CHECK(lr.body == corrupt_sentence);

  const auto after = download(c, fx.folder() / "after.anki2");
  require_all_rows_equal(before, after, {"usn", "mod"});
  CHECK(collection_file(after).counts().notes == 5);
}

TEST_CASE("full sync: an upload over the size limit is refused and changes nothing") {
  temp_folder tmp;
  server_process server(server_options{{{"SYNC_USER1", "user:pass"},
                                        {"MAX_SYNC_PAYLOAD_MEGS", "1"}},
                                       {}});
  auto c = connect(server, false);
  const auto sent = copy_of(client_collection(tmp.path() / "maker"), tmp.path() / "sent.anki2");
  upload_ok(c, sent);
  const auto before = snapshot(server_file(server));

  // 4 MiB of zeros compresses to almost nothing but decompresses past the
  // 3 MiB limit (3 x MAX_SYNC_PAYLOAD_MEGS).
  const std::string zeros(4u << 20, '\0');
  auto r = call(c, "upload", zeros);
  CHECK(r.status == 200);
  CHECK(r.body == "collection exceeds size limit");
  CHECK(snapshot(server_file(server)) == before);
  std::vector<std::string> leftovers;
  for (const auto& e : fs::directory_iterator(server.data_dir() / sync_user))
    if (e.path().filename().string().starts_with(".upload-"))
      leftovers.push_back(e.path().string());
  CHECK(leftovers.empty());
}

TEST_CASE("full sync: reference devices upload over legacy, download over v11 and legacy") {
  sync_fixture fx(seeding::never);
  auto legacy = connect(fx.server(), true);
  auto d1 = fx.fresh_device("legacy1");
  REQUIRE(d1.add_note({"legacy"}).has_value());
  auto up = d1.full_upload(legacy);
  INFO((up ? std::string("ok") : up.error().message));
  REQUIRE(up.has_value());
  auto v11 = connect(fx.server(), false);
  auto d2 = fx.fresh_device("v11");
  auto down = d2.full_download(v11);
  INFO((down ? std::string("ok") : down.error().message));
  REQUIRE(down.has_value());
  CHECK(differences(d1.file(), d2.file()).empty());
  // A legacy device downloads schema 11 and upgrades it to its own 18.
  auto d3 = fx.fresh_device("legacy3");
  auto down3 = d3.full_download(legacy);
  INFO((down3 ? std::string("ok") : down3.error().message));
  REQUIRE(down3.has_value());
  CHECK(collection_file(d3.file()).col().ver == 18);
  CHECK(collection_file(d3.file()).counts().notes == 1);
  require_contents_equal(d1.file(), d3.file());
}

TEST_CASE("full sync: one device on the legacy envelope, one on v11, converge both ways") {
  sync_fixture fx;
  auto legacy = connect(fx.server(), true);
  auto v11 = connect(fx.server(), false);
  auto d1 = fx.seeded_device("legacy");
  auto d2 = fx.seeded_device("v11");

  auto done = [](client::device& d, client::sync_client& c) {
    auto r = d.sync(c);
    INFO(d.file().parent_path().filename().string() << ": " << text(r));
    REQUIRE(is(r, sync_outcome_kind::normal_sync_done));
  };
  auto same = [&] {
    for (const auto& [a, b] : {std::pair{d1.file(), d2.file()}, std::pair{d1.file(), fx.server_file()}}) {
      auto diff = differences(a, b);
      for (const auto& line : diff)
        UNSCOPED_INFO(line);
      CHECK(diff.empty());
    }
  };

  // Legacy sends: notes, a review, a deck, a tag.
  auto n1 = d1.add_note({"from legacy", "back"}, {"old"});
  REQUIRE(n1.has_value());
  auto n2 = d1.add_note({"second"});
  REQUIRE(n2.has_value());
  REQUIRE(d1.review_card(n1->card_ids.at(0)).has_value());
  auto deck = d1.add_deck("Legacy Deck");
  REQUIRE(deck.has_value());
  done(d1, legacy);
  done(d2, v11);
  same();

  // v11 sends back: an edit, a deletion (a grave), a move, a new note.
  REQUIRE(d2.edit_note(n1->note_id, std::vector<std::string>{"edited", "b"}).has_value());
  REQUIRE(d2.delete_note(n2->note_id).has_value());
  REQUIRE(d2.move_card(n1->card_ids.at(0), *deck).has_value());
  REQUIRE(d2.add_note({"from v11"}).has_value());
  done(d2, v11);
  done(d1, legacy);
  same();
  CHECK(collection_file(d1.file()).counts().notes == 2);

  // Both edit, then each syncs once more: nothing left over.
  REQUIRE(d1.add_note({"legacy again"}).has_value());
  REQUIRE(d2.add_note({"v11 again"}).has_value());
  done(d1, legacy);
  done(d2, v11);
  done(d1, legacy);
  same();
  CHECK(collection_file(d1.file()).counts().notes == 4);
}

#ifdef ANKISYNC_FIXTURES_DIR
TEST_CASE("full sync: the real schema-18 fixture round-trips over v11, every table equal") {
  sync_fixture fx(seeding::never);
  const auto sent = copy_of(fs::path(ANKISYNC_FIXTURES_DIR) / "schema18-real-74notes.anki2",
                            fx.folder() / "sent.anki2");
  auto c = connect(fx.server(), false);
  upload_ok(c, sent);
  const auto got = download(c, fx.folder() / "got.anki2");
  CHECK(collection_file(got).col().ver == 18);
  CHECK(collection_file(got).counts().notes == 74);
  require_all_rows_equal(sent, got, {"usn", "mod"});
}

TEST_CASE("full sync: a schema-11 fixture uploaded over legacy downloads as 18 (v11) and 11 (legacy)") {
  sync_fixture fx(seeding::never);
  const auto sent = copy_of(fs::path(ANKISYNC_FIXTURES_DIR) / "schema11-mediacheck.anki2",
                            fx.folder() / "sent.anki2");
  REQUIRE(collection_file(sent).col().ver == 11);
  auto legacy = connect(fx.server(), true);
  upload_ok(legacy, sent);

  auto v11 = connect(fx.server(), false);
  const auto as18 = download(v11, fx.folder() / "as18.anki2");
  CHECK(collection_file(as18).col().ver == 18);
  require_contents_equal(sent, as18);

  const auto as11 = download(legacy, fx.folder() / "as11.anki2");
  CHECK(collection_file(as11).col().ver == 11);
  // Rollback journal (header bytes 18 and 19 are 1), as legacy clients expect.
  CHECK(header_byte(as11, 18) == 1);
  CHECK(header_byte(as11, 19) == 1);
  require_contents_equal(sent, as11);
}
#endif
