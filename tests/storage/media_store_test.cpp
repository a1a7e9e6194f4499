#include <catch2/catch.hpp>


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

  REQUIRE(store.adopt(staged, sha1));
  REQUIRE(store.sync_folder());
  CHECK_FALSE(std::filesystem::exists(staged));
  CHECK(store.path_of(sha1) == dir / "media" / sha1_hex(sha1));
  CHECK(read_file(store.path_of(sha1)) == "picture bytes");
}

TEST_CASE("adopting content already stored drops the staged copy", "[media][media_store]") {
  temp_dir dir;
  media_store store(dir / "media", dir / "stage");
  REQUIRE(store.prepare());
  const auto sha1 = sha1_of("same");
  write_file(dir / "stage/a", "same");
  REQUIRE(store.adopt(dir / "stage/a", sha1));
  write_file(dir / "stage/b", "same");
  REQUIRE(store.adopt(dir / "stage/b", sha1));

  CHECK_FALSE(std::filesystem::exists(dir / "stage/b"));
  CHECK(count_entries(dir / "media") == 1);
  CHECK(read_file(store.path_of(sha1)) == "same");
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
