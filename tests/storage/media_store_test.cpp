#include <catch2/catch.hpp>


#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "storage/media_store.hpp"
#include "sha1_of.hpp"
#include "temp_dir.hpp"

using namespace ankisync::storage;
using ankisync::storage::test::sha1_of;
using ankisync::storage::test::temp_dir;

namespace {

void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t count_entries(const std::filesystem::path& folder) {
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(folder),
                                                std::filesystem::directory_iterator()));
}

} // namespace

TEST_CASE("sha1 hex is lowercase and round-trips", "[media][media_store]") {
  const auto raw = sha1_of("abc");
  CHECK(sha1_hex(raw) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(sha1_raw_from_hex(sha1_hex(raw)) == raw);
}

TEST_CASE("malformed sha1 hex reads as empty", "[media][media_store]") {
  CHECK(sha1_raw_from_hex("").empty());
  CHECK(sha1_raw_from_hex("a9993e36").empty());
  CHECK(sha1_raw_from_hex("A9993E364706816ABA3E25717850C26C9CD0D89D").empty());
  CHECK(sha1_raw_from_hex("g9993e364706816aba3e25717850c26c9cd0d89d").empty());
  CHECK(sha1_raw_from_hex("a9993e364706816aba3e25717850c26c9cd0d89d.tmp").empty());
  CHECK(sha1_hex("short").empty());
}

TEST_CASE("prepare creates the store and stage folders", "[media][media_store]") {
  temp_dir dir;
  media_store store(dir / "user/media", dir / "user/stage");
  REQUIRE(store.prepare());
  CHECK(std::filesystem::is_directory(dir / "user/media"));
  CHECK(std::filesystem::is_directory(dir / "user/stage"));
  CHECK(store.prepare()); // again: nothing to do
}

TEST_CASE("an adopted file is stored under its sha1 and leaves the stage", "[media][media_store]") {
  temp_dir dir;
  media_store store(dir / "media", dir / "stage");
  REQUIRE(store.prepare());
  const auto staged = dir / "stage/upload-1";
  write_file(staged, "picture bytes");
  const auto sha1 = sha1_of("picture bytes");

  auto adopted = store.adopt(staged, sha1);
  REQUIRE(adopted);
  CHECK(*adopted == media_store::adopted::moved);
  REQUIRE(store.sync({{-1, sha1}}));
  CHECK_FALSE(std::filesystem::exists(staged));
  CHECK(store.path_of(sha1) == dir / "media" / sha1_hex(sha1));
  CHECK(read_file(store.path_of(sha1)) == "picture bytes");
}

TEST_CASE("a content already stored is left as it is unless replacing is asked",
          "[media][media_store]") {
  temp_dir dir;
  media_store store(dir / "media", dir / "stage");
  REQUIRE(store.prepare());
  const auto sha1 = sha1_of("same");
  write_file(dir / "stage/a", "same");
  REQUIRE(store.adopt(dir / "stage/a", sha1));
  // What a power cut can leave under a content's name before its sync.
  write_file(store.path_of(sha1), "sa");

  write_file(dir / "stage/b", "same");
  auto again = store.adopt(dir / "stage/b", sha1);
  REQUIRE(again);
  CHECK(*again == media_store::adopted::already_there);
  CHECK(std::filesystem::exists(dir / "stage/b"));
  CHECK(read_file(store.path_of(sha1)) == "sa");

  auto replaced = store.adopt(dir / "stage/b", sha1, true);
  REQUIRE(replaced);
  CHECK(*replaced == media_store::adopted::moved);
  CHECK_FALSE(std::filesystem::exists(dir / "stage/b"));
  CHECK(count_entries(dir / "media") == 1);
  CHECK(read_file(store.path_of(sha1)) == "same");
}

TEST_CASE("syncing contents uses their open files, or opens them by sha1",
          "[media][media_store]") {
  temp_dir dir;
  media_store store(dir / "media", dir / "stage");
  REQUIRE(store.prepare());
  const auto sha1 = sha1_of("synced");
  write_file(dir / "media/.ankisync-new-0123456789abcdef", "synced");
  const int fd = ::open((dir / "media/.ankisync-new-0123456789abcdef").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(store.adopt(dir / "media/.ankisync-new-0123456789abcdef", sha1));
  CHECK(store.sync({{fd, sha1}}));
  CHECK(store.sync({{-1, sha1}}));
  ::close(fd);
  auto missing = store.sync({{-1, sha1_of("never stored")}});
  CHECK_FALSE(missing);
}

TEST_CASE("temp names are the store's own pattern only", "[media][media_store]") {
  CHECK(media_store::is_temp_name(".ankisync-new-0123456789abcdef"));
  CHECK_FALSE(media_store::is_temp_name(".ankisync-new-0123456789ABCDEF"));
  CHECK_FALSE(media_store::is_temp_name(".ankisync-new-0123456789abcde"));
  CHECK_FALSE(media_store::is_temp_name(".ankisync-new-0123456789abcdef0"));
  CHECK_FALSE(media_store::is_temp_name(".ankisync-new-0123456789abcdeg"));
  CHECK_FALSE(media_store::is_temp_name("ankisync-new-0123456789abcdef"));
  CHECK_FALSE(media_store::is_temp_name("a9993e364706816aba3e25717850c26c9cd0d89d"));
}

TEST_CASE("removing temp files touches nothing the store did not write",
          "[media][media_store]") {
  temp_dir dir;
  media_store store(dir / "media", dir / "stage");
  REQUIRE(store.prepare());
  const auto media = dir / "media";
  const auto sha1 = sha1_of("kept content");
  write_file(store.path_of(sha1), "kept content");
  write_file(media / ".ankisync-new-0123456789abcdef", "half a cont");
  write_file(media / ".ankisync-new-fedcba9876543210", "");
  // Not ours: other spellings, a folder and a link under our pattern.
  write_file(media / ".ankisync-new-0123456789ABCDEF", "someone's");
  write_file(media / ".ankisync-new-0123456789abcdef.bak", "someone's");
  write_file(media / "notes.txt", "someone's");
  write_file(dir / "outside", "outside");
  std::filesystem::create_directory(media / ".ankisync-new-aaaaaaaaaaaaaaaa");
  write_file(media / ".ankisync-new-aaaaaaaaaaaaaaaa/inside", "someone's");
  std::filesystem::create_symlink(dir / "outside", media / ".ankisync-new-bbbbbbbbbbbbbbbb");

  CHECK(store.remove_temp_files() == 2);
  CHECK_FALSE(std::filesystem::exists(media / ".ankisync-new-0123456789abcdef"));
  CHECK_FALSE(std::filesystem::exists(media / ".ankisync-new-fedcba9876543210"));
  CHECK(read_file(store.path_of(sha1)) == "kept content");
  CHECK(read_file(media / ".ankisync-new-0123456789ABCDEF") == "someone's");
  CHECK(read_file(media / ".ankisync-new-0123456789abcdef.bak") == "someone's");
  CHECK(read_file(media / "notes.txt") == "someone's");
  CHECK(read_file(media / ".ankisync-new-aaaaaaaaaaaaaaaa/inside") == "someone's");
  CHECK(std::filesystem::is_symlink(media / ".ankisync-new-bbbbbbbbbbbbbbbb"));
  CHECK(read_file(dir / "outside") == "outside");
  CHECK(store.remove_temp_files() == 0);
}

TEST_CASE("a content id that is not 20 bytes is refused and moves nothing",
          "[media][media_store]") {
  temp_dir dir;
  media_store store(dir / "media", dir / "stage");
  REQUIRE(store.prepare());
  write_file(dir / "stage/a", "bytes");

  auto adopted = store.adopt(dir / "stage/a", "not a sha1");
  REQUIRE_FALSE(adopted);
  CHECK(adopted.error().code == storage_errc::invalid);
  CHECK(std::filesystem::exists(dir / "stage/a"));
  CHECK(count_entries(dir / "media") == 0);
  auto removed = store.remove("");
  REQUIRE_FALSE(removed);
  CHECK(removed.error().code == storage_errc::invalid);
}

TEST_CASE("removing stored content tolerates a missing file", "[media][media_store]") {
  temp_dir dir;
  media_store store(dir / "media", dir / "stage");
  REQUIRE(store.prepare());
  const auto sha1 = sha1_of("gone soon");
  write_file(dir / "stage/a", "gone soon");
  REQUIRE(store.adopt(dir / "stage/a", sha1));

  REQUIRE(store.remove(sha1));
  CHECK_FALSE(std::filesystem::exists(store.path_of(sha1)));
  CHECK(store.remove(sha1));
}

TEST_CASE("clearing the stage empties it and leaves the store alone", "[media][media_store]") {
  temp_dir dir;
  media_store store(dir / "media", dir / "stage");
  REQUIRE(store.prepare());
  const auto sha1 = sha1_of("kept");
  write_file(dir / "stage/kept", "kept");
  REQUIRE(store.adopt(dir / "stage/kept", sha1));
  write_file(dir / "stage/left-1", "x");
  std::filesystem::create_directories(dir / "stage/nested/deeper");
  write_file(dir / "stage/nested/deeper/left-2", "y");

  store.clear_stage();
  CHECK(std::filesystem::is_directory(dir / "stage"));
  CHECK(count_entries(dir / "stage") == 0);
  CHECK(read_file(store.path_of(sha1)) == "kept");
}

TEST_CASE("clearing a stage folder that does not exist is harmless", "[media][media_store]") {
  temp_dir dir;
  media_store store(dir / "media", dir / "stage");
  store.clear_stage();
  CHECK_FALSE(std::filesystem::exists(dir / "stage"));
}
