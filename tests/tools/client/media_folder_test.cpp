// A device's media folder and DB without a server: what a rescan marks
// for upload, and what a sync's bookkeeping leaves behind.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tools/client/media_folder.hpp"

using namespace ankisync;
using namespace ankisync::client;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "ankisync-media-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void write_raw(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Moves a file's mtime, as an editor saving it later would.
void bump_mtime(const fs::path& p) {
  fs::last_write_time(p, fs::last_write_time(p) + std::chrono::seconds(5));
}

std::vector<std::string> pending_names(media_folder& m) {
  auto p = m.pending(100);
  REQUIRE(p.has_value());
  std::vector<std::string> out;
  for (const auto& e : *p)
    out.push_back(e.fname + (e.sha1_hex.empty() ? " (deleted)" : ""));
  return out;
}

media_folder open_in(const temp_dir& d) {
  auto m = media_folder::open(d.path);
  REQUIRE(m.has_value());
  return std::move(*m);
}

void mark_all_clean(media_folder& m) {
  std::vector<std::string> names;
  auto p = m.pending(100);
  REQUIRE(p.has_value());
  for (const auto& e : *p)
    names.push_back(e.fname);
  REQUIRE(m.commit_upload(names, std::nullopt).has_value());
}

} // namespace

TEST_CASE("a new media folder is empty, at usn 0, beside the collection") {
  temp_dir d;
  auto m = open_in(d);
  CHECK(m.folder() == d.path / "collection.media");
  CHECK(fs::is_directory(m.folder()));
  CHECK(fs::exists(d.path / "collection.media.db"));
  CHECK(m.last_usn() == 0);
  CHECK(m.live_count() == 0u);
  CHECK(pending_names(m).empty());
}

TEST_CASE("an added file is written, counted live and pending upload with its sha1") {
  temp_dir d;
  auto m = open_in(d);
  REQUIRE(m.add_file("a.jpg", "abc").has_value());
  CHECK(m.read_file("a.jpg") == "abc");
  auto live = m.live_files();
  REQUIRE(live.has_value());
  REQUIRE(live->size() == 1);
  CHECK((*live)[0].sha1_hex == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(pending_names(m) == std::vector<std::string>{"a.jpg"});
  // A rescan right after sees nothing new.
  REQUIRE(m.rescan().has_value());
  CHECK(pending_names(m) == std::vector<std::string>{"a.jpg"});
}

TEST_CASE("add_file refuses names that are not normalised, empty files and ignored names") {
  temp_dir d;
  auto m = open_in(d);
  CHECK(m.add_file("e\xcc\x81.jpg", "x").error().code == storage::storage_errc::invalid);
  CHECK(m.add_file("a/b.jpg", "x").error().code == storage::storage_errc::invalid);
  CHECK(m.add_file("", "x").error().code == storage::storage_errc::invalid);
  CHECK(m.add_file("Thumbs.db", "x").error().code == storage::storage_errc::invalid);
  CHECK(m.add_file("empty.jpg", "").error().code == storage::storage_errc::invalid);
  CHECK(m.add_file("\xc3\xa9.jpg", "x").has_value()); // NFC é
  CHECK(m.live_count() == 1u);
}

TEST_CASE("a rescan marks files written behind the DB's back, and only changed ones") {
  temp_dir d;
  auto m = open_in(d);
  REQUIRE(m.add_file("same.jpg", "same").has_value());
  REQUIRE(m.add_file("edited.jpg", "before").has_value());
  mark_all_clean(m);
  CHECK(pending_names(m).empty());

  write_raw(m.folder() / "new.jpg", "new");
  write_raw(m.folder() / "edited.jpg", "after");
  bump_mtime(m.folder() / "edited.jpg");
  // Touched, same bytes: stays clean.
  bump_mtime(m.folder() / "same.jpg");
  // Never synced: not normalised, empty, ignored.
  write_raw(m.folder() / "e\xcc\x81.jpg", "nfd");
  write_raw(m.folder() / "zero.jpg", "");
  write_raw(m.folder() / ".DS_Store", "x");
  REQUIRE(m.rescan().has_value());
  CHECK(pending_names(m) == std::vector<std::string>{"edited.jpg", "new.jpg"});
  auto edited = m.entry("edited.jpg");
  REQUIRE(edited.has_value());
  REQUIRE(edited->has_value());
  CHECK((*edited)->sha1_hex == sha1_hex_of("after"));
  CHECK(m.live_count() == 3u);
}

TEST_CASE("a file removed from the folder becomes a pending deletion") {
  temp_dir d;
  auto m = open_in(d);
  REQUIRE(m.add_file("gone.jpg", "x").has_value());
  REQUIRE(m.add_file("kept.jpg", "y").has_value());
  mark_all_clean(m);
  fs::remove(m.folder() / "gone.jpg");
  REQUIRE(m.rescan().has_value());
  CHECK(pending_names(m) == std::vector<std::string>{"gone.jpg (deleted)"});
  CHECK(m.live_count() == 1u);

  REQUIRE(m.remove_file("kept.jpg").has_value());
  CHECK(!fs::exists(m.folder() / "kept.jpg"));
  CHECK(pending_names(m) ==
        std::vector<std::string>{"gone.jpg (deleted)", "kept.jpg (deleted)"});
  CHECK(m.remove_file("kept.jpg").error().code == storage::storage_errc::not_found);
}

TEST_CASE("a pulled batch leaves downloads clean, deletions gone and the usn advanced") {
  temp_dir d;
  auto m = open_in(d);
  REQUIRE(m.add_file("mine.jpg", "mine").has_value());
  REQUIRE(m.add_file("old.jpg", "old").has_value());
  mark_all_clean(m);
  REQUIRE(m.add_file("same.jpg", "same").has_value()); // pending, server has it too

  auto got = m.write_downloaded("theirs.jpg", "theirs");
  REQUIRE(got.has_value());
  REQUIRE(m.delete_files({"old.jpg"}).has_value());
  REQUIRE(m.commit_pull({"same.jpg"}, {"old.jpg"}, {*got}, 7).has_value());

  CHECK(m.last_usn() == 7);
  CHECK(pending_names(m).empty());
  CHECK(m.read_file("theirs.jpg") == "theirs");
  CHECK(!fs::exists(m.folder() / "old.jpg"));
  CHECK(m.entry("old.jpg")->has_value() == false);
  CHECK(m.live_count() == 3u);
  // The downloaded file is not sent back by the next scan.
  REQUIRE(m.rescan().has_value());
  CHECK(pending_names(m).empty());
}

TEST_CASE("an upload fast-forwards the usn only when told to, and a resync forgets all") {
  temp_dir d;
  auto m = open_in(d);
  REQUIRE(m.add_file("a.jpg", "a").has_value());
  REQUIRE(m.commit_upload({"a.jpg"}, std::nullopt).has_value());
  CHECK(m.last_usn() == 0);
  REQUIRE(m.add_file("b.jpg", "b").has_value());
  REQUIRE(m.commit_upload({"b.jpg"}, 2).has_value());
  CHECK(m.last_usn() == 2);

  REQUIRE(m.force_resync().has_value());
  CHECK(m.last_usn() == 0);
  CHECK(m.live_count() == 0u);
  // The files are still there: the next scan offers them again.
  REQUIRE(m.rescan().has_value());
  CHECK(pending_names(m) == std::vector<std::string>{"a.jpg", "b.jpg"});
}

TEST_CASE("the media DB keeps its state across reopening") {
  temp_dir d;
  {
    auto m = open_in(d);
    REQUIRE(m.add_file("a.jpg", "a").has_value());
    REQUIRE(m.commit_upload({"a.jpg"}, 1).has_value());
  }
  auto m = open_in(d);
  CHECK(m.last_usn() == 1);
  CHECK(m.live_count() == 1u);
  CHECK(pending_names(m).empty());
}
