// Writes the seed corpora of tests/fuzz/corpus/ with the project's own
// encoders and a fresh collection, so the seeds follow the formats as they
// change: `ankisync-fuzz-seeds SOURCE_DIR OUT_DIR` (SOURCE_DIR for the
// committed recordings). Regression inputs (regress-*) are kept by hand.
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "actors/recording/record_file.hpp"
#include "fuzz_support.hpp"
#include "protocol/envelope.hpp"
#include "protocol/gzip_codec.hpp"
#include "protocol/legacy_envelope.hpp"
#include "protocol/media_json.hpp"
#include "protocol/media_zip.hpp"
#include "protocol/sync_body.hpp"
#include "protocol/zstd_codec.hpp"
#include "storage/collection.hpp"
#include "storage/deck_config_table.hpp"
#include "storage/decks_table.hpp"
#include "storage/notetypes_table.hpp"
#include "storage/schema11_deck.hpp"
#include "storage/schema11_deck_config.hpp"
#include "storage/schema11_notetype.hpp"
#include "storage/schema_downgrade.hpp"
#include "storage/unicase.hpp"

using namespace ankisync;
namespace fs = std::filesystem;

namespace {

fs::path out_root;

void seed(const std::string& target, const std::string& name, std::string_view bytes) {
  const auto dir = out_root / target;
  fs::create_directories(dir);
  fuzz::write_file(dir / ("seed-" + name), bytes);
}

std::string with_byte(std::size_t which, std::string_view rest) {
  return std::string(1, static_cast<char>(which)) + std::string(rest);
}

constexpr const char* client = "anki,2.1.66 (70506aeb),lin:debian:12";

protocol::chunk_entry sample_chunk() {
  protocol::chunk_entry c;
  c.done = true;
  c.revlog.push_back({1700000000123, 1700000000001, 5, 3, 4, -600, 2500, 8000, 1});
  protocol::card_entry card;
  card.id = 1700000000001;
  card.nid = 1700000000000;
  card.did = 1;
  card.mod = 1700000000;
  card.usn = 5;
  card.type = 2;
  card.queue = 2;
  card.due = 120;
  card.ivl = 4;
  card.factor = 2500;
  card.reps = 3;
  card.data = "{}";
  c.cards.push_back(card);
  protocol::note_entry note;
  note.id = 1700000000000;
  note.guid = "f]Pq~x2!Zk";
  note.mid = 1342697561419;
  note.mod = 1700000000;
  note.usn = 5;
  note.tags = " verb vocab::french ";
  note.flds = std::string("aller") + '\x1f' + "to go <b>(irreg.)</b>";
  note.sfld = "aller";
  note.csum = "3091234567";
  c.notes.push_back(note);
  return c;
}

struct schema11_texts {
  std::string notetype, deck, deck_config;
};

// A fresh collection's stock objects as schema-11 JSON.
schema11_texts stock_objects(const fs::path& scratch) {
  auto col = storage::collection::open(scratch / "objects.anki2");
  FUZZ_CHECK(col);
  auto nts = storage::all_notetypes(col->handle());
  auto decks = storage::all_decks(col->handle());
  auto confs = storage::all_deck_configs(col->handle());
  FUZZ_CHECK(nts && !nts->empty() && decks && !decks->empty() && confs && !confs->empty());
  return {storage::notetype_to_schema11_text(nts->front()),
          storage::deck_to_schema11_text(decks->front()),
          storage::deck_config_to_schema11_text(confs->front())};
}

void sync_request_seeds(const schema11_texts& objects) {
  protocol::sync_header h{11, "a9f3c2d1e0b4", client, "s3ss10n"};
  const auto header = protocol::encode_sync_header(h);
  auto request = [&](const std::string& name, const std::string& path, const std::string& json) {
    seed("sync_request", name, path + "\n" + header + "\n" + protocol::zstd_compress(json));
  };
  request("meta", "/sync/meta", protocol::encode_meta_request({11, client}));
  h.host_key.clear();
  seed("sync_request", "host-key",
       "/sync/hostKey\n" + protocol::encode_sync_header(h) + "\n" +
           protocol::zstd_compress(protocol::encode_host_key_request({"user", "pass"})));
  request("start", "/sync/start/", protocol::encode_start_request({42, true, std::nullopt}));
  protocol::apply_changes_request changes;
  changes.changes.models = {objects.notetype};
  changes.changes.decks = {objects.deck};
  changes.changes.deck_configs = {objects.deck_config};
  changes.changes.tags = {"verb"};
  request("apply-changes", "/sync/applyChanges",
          protocol::encode_apply_changes_request(changes));
  request("apply-chunk", "/sync/applyChunk",
          protocol::encode_apply_chunk_request({sample_chunk()}));
  request("media-begin", "/msync/begin", protocol::encode_media_begin(client));
  request("upload", "/sync/upload", "SQLite format 3");
  seed("sync_request", "health", "/health\n\n");
  // A body that decompresses far past the JSON cap.
  request("bomb", "/sync/applyChunk", std::string(4 << 20, '['));
}

void sync_body_seeds(const schema11_texts& objects) {
  using m = protocol::sync_method;
  auto body = [](m method, const std::string& name, const std::string& json) {
    seed("sync_body", name, with_byte(static_cast<std::size_t>(method), json));
  };
  body(m::host_key, "host-key", protocol::encode_host_key_request({"user", "pass"}));
  body(m::meta, "meta", protocol::encode_meta_request({11, client}));
  protocol::graves_entry graves{{1700000000001}, {1700000000000, 5}, {1700000000002}};
  body(m::start, "start", protocol::encode_start_request({42, false, graves}));
  body(m::apply_graves, "apply-graves", protocol::encode_apply_graves_request({graves}));
  protocol::apply_changes_request changes;
  changes.changes.models = {objects.notetype};
  changes.changes.decks = {objects.deck};
  changes.changes.deck_configs = {objects.deck_config};
  changes.changes.tags = {"verb", "vocab::french"};
  changes.changes.conf = {{{"curDeck", "1"}, {"sortType", "\"noteFld\""}}};
  changes.changes.crt = 1600000000;
  body(m::apply_changes, "apply-changes", protocol::encode_apply_changes_request(changes));
  body(m::chunk, "chunk", protocol::encode_empty_request());
  body(m::apply_chunk, "apply-chunk", protocol::encode_apply_chunk_request({sample_chunk()}));
  protocol::sanity_request sanity;
  sanity.client = {0, 1, 2, 10, 8, 30, 0, 5, 2, 1};
  body(m::sanity_check, "sanity", protocol::encode_sanity_request(sanity));
  body(m::finish, "finish", protocol::encode_empty_request());
  body(m::abort, "abort", protocol::encode_empty_request());
  const std::size_t media = 12; // sync_body_fuzz.cpp: the media bodies follow the sync ones
  seed("sync_body", "media-begin", with_byte(media, protocol::encode_media_begin(client)));
  seed("sync_body", "media-changes", with_byte(media + 1, protocol::encode_media_changes(17)));
  seed("sync_body", "download-files",
       with_byte(media + 2, protocol::encode_download_files({"a.jpg", "caf\xc3\xa9.mp3"})));
  seed("sync_body", "media-sanity", with_byte(media + 3, protocol::encode_media_sanity(120)));
}

void legacy_envelope_seeds() {
  // Route indexes as legacy_envelope_fuzz.cpp lists them.
  auto form = [](std::size_t route, const std::string& name, const protocol::legacy_form& f) {
    seed("legacy_envelope", name,
         with_byte(route, protocol::legacy_content_type() + "\n" + protocol::encode_legacy_body(f)));
  };
  form(0, "host-key", {"", "", "", protocol::encode_host_key_request({"user", "pass"}), true});
  form(1, "meta", {"a9f3c2d1e0b4", "s3ss10n", client, protocol::encode_meta_request({10, client}),
                   false});
  form(2, "start-gzip", {"a9f3c2d1e0b4", "s3ss10n", "", R"({"minUsn":3,"lnewer":false})", true});
  form(5, "upload", {"a9f3c2d1e0b4", "", "", std::string("SQLite format 3\0", 16), true});
  form(7, "media-begin", {"a9f3c2d1e0b4", "", "ankidesktop,2.1.50,lin", std::nullopt, false});
  form(9, "download-files", {"a9f3c2d1e0b4", "mk", "", R"({"files":["a.jpg"]})", false});
  seed("legacy_envelope", "begin-query",
       with_byte(10, "k=a9f3c2d1e0b4&v=ankidesktop%2C2.1.50%2Clin"));
}

void compression_seeds() {
  const std::string json = protocol::encode_apply_chunk_request({sample_chunk()});
  // First byte: bit 0 gzip, bit 1 to a file; second byte: the cap (b*b*16).
  auto both = [&](const std::string& name, std::uint8_t cap, const std::string& plain) {
    for (std::uint8_t mode = 0; mode < 4; ++mode) {
      const bool gzip = mode & 1;
      const auto packed = gzip ? protocol::gzip_compress(plain, 9) : protocol::zstd_compress(plain, 19);
      seed("compression",
           name + (gzip ? "-gzip" : "-zstd") + (mode & 2 ? "-file" : "-memory"),
           std::string{static_cast<char>(mode), static_cast<char>(cap)} + packed);
    }
  };
  both("json", 40, json);
  // 8 MiB of zeros against a cap of 1 KiB: the decoder must stop early.
  both("bomb", 8, std::string(8 << 20, '\0'));
}

void media_zip_seeds(const fs::path& scratch) {
  const auto zip = scratch / "seed.zip";
  auto write = [&](const std::string& name, const std::vector<protocol::upload_zip_input>& entries) {
    FUZZ_CHECK(protocol::write_upload_zip(entries, zip));
    seed("media_zip", name, fuzz::read_file(zip));
  };
  write("two-files", {{"a.jpg", false, "\xff\xd8\xff\xe0 not really a jpeg"},
                      {"caf\xc3\xa9 sound.mp3", false, "ID3 tiny"}});
  write("deletion", {{"old.png", true, {}}, {"new.png", false, "\x89PNG"}});
  write("empty", {});
}

void media_name_seeds() {
  seed("media_name", "plain", "paste-4a5b6c.jpg");
  seed("media_name", "nfc", "caf\xc3\xa9.mp3");
  seed("media_name", "nfd", "cafe\xcc\x81.mp3");
  seed("media_name", "cjk", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.png");
  seed("media_name", "dotdot", "..");
  seed("media_name", "separator", "dir/file.jpg");
}

void note_text_seeds() {
  // Sort-field byte, flds, '\n', tags.
  seed("note_text", "vocab",
       with_byte(0, sample_chunk().notes.front().flds + "\n" + sample_chunk().notes.front().tags));
  seed("note_text", "media-html",
       with_byte(1, std::string("<div>caf&eacute; &amp; &#x41;&#66;</div>") + '\x1f' +
                        "<img src=\"paste 1.jpg\"> [sound:a b.mp3]<br>\n"
                        " Ja::\xe6\x97\xa5\xe6\x9c\xac\xe3\x80\x80x  leech "));
  seed("note_text", "cloze",
       with_byte(0, std::string("{{c1::Paris::capital}} is in <b>France</b>") + '\x1f' + '\x1f' +
                        "<!-- comment --><style>p{}</style>extra\nGeo::Europe"));
}

void schema11_seeds(const schema11_texts& objects) {
  seed("schema11", "notetype", with_byte(0, objects.notetype));
  seed("schema11", "deck", with_byte(1, objects.deck));
  seed("schema11", "deck-config", with_byte(2, objects.deck_config));
}

// A collection file as small as SQLite can make it: rollback journal
// (a page size cannot change under WAL) and 512-byte pages.
std::string shrunk(const fs::path& file) {
  sqlite3* db = nullptr;
  FUZZ_CHECK(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  FUZZ_CHECK(storage::register_unicase(db)); // the name indexes are rebuilt
  FUZZ_CHECK(sqlite3_exec(db, "pragma journal_mode = delete; pragma page_size = 512; vacuum;",
                          nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  return fuzz::read_file(file);
}

void collection_upload_seeds(const fs::path& scratch) {
  const auto file = scratch / "seed18.anki2";
  {
    auto col = storage::collection::open(file);
    FUZZ_CHECK(col);
  }
  const auto legacy = scratch / "seed11.anki2";
  FUZZ_CHECK(storage::write_schema11_copy(file, legacy));
  seed("collection_upload", "schema18", shrunk(file));
  seed("collection_upload", "schema11", shrunk(legacy));
}

void record_file_seeds(const fs::path& source_dir, const fs::path& scratch) {
  const auto fixture = source_dir / "tests/fixtures/recordings/full_upload_download/"
                                    "full_upload_download.ankirec";
  auto stream = actors::recording::read_records(fixture);
  FUZZ_CHECK(stream && stream->records.size() >= 3);
  // The header and the first exchange are enough to reach every reader path.
  std::vector<actors::recording::pb::Record> head(stream->records.begin(),
                                                  stream->records.begin() + 3);
  const auto out = scratch / "seed.ankirec";
  FUZZ_CHECK(actors::recording::write_records(out, head));
  const auto bytes = fuzz::read_file(out);
  seed("record_file", "session-start", bytes);
  // Cut short, as a killed server leaves it.
  seed("record_file", "cut-short", bytes.substr(0, bytes.size() - 7));
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s SOURCE_DIR OUT_DIR\n", argv[0]);
    return 2;
  }
  out_root = argv[2];
  const auto& scratch = fuzz::scratch_dir();
  const auto objects = stock_objects(scratch);
  sync_request_seeds(objects);
  sync_body_seeds(objects);
  legacy_envelope_seeds();
  compression_seeds();
  media_zip_seeds(scratch);
  media_name_seeds();
  schema11_seeds(objects);
  note_text_seeds();
  collection_upload_seeds(scratch);
  record_file_seeds(argv[1], scratch);
  std::printf("seeds written under %s\n", argv[2]);
  return 0;
}
