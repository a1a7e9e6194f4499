#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include "actors/user_folders.hpp"

using namespace ankisync::actors;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path = fs::temp_directory_path() /
                  ("ankisync-user-folders-" + std::to_string(std::random_device{}()));
  temp_dir() { fs::create_directories(path); }
  ~temp_dir() { fs::remove_all(path); }
};

void write(const fs::path& p, std::size_t bytes) {
  std::ofstream(p, std::ios::binary) << std::string(bytes, 'x');
}

} // namespace

TEST_CASE("list_user_folders lists user folders with their collection's size and last change") {
  temp_dir data;
  fs::create_directories(data.path / "alice");
  write(data.path / "alice" / "collection.anki2", 100);
  write(data.path / "alice" / "collection.anki2-wal", 20);
  fs::create_directories(data.path / "bob");         // no collection yet
  fs::create_directories(data.path / ".recordings"); // the server's own
  write(data.path / "users.db", 10);                 // not a folder
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();

  auto list = list_user_folders(data.path);
  std::sort(list.begin(), list.end(), [](auto& a, auto& b) { return a.name < b.name; });
  REQUIRE(list.size() == 2);
  CHECK(list[0].name == "alice");
  CHECK(list[0].collection_bytes == 120);
  CHECK(list[0].modified_ms > now_ms - 60'000);
  CHECK(list[0].modified_ms < now_ms + 60'000);
  CHECK(list[1].name == "bob");
  CHECK(list[1].collection_bytes == -1);
  CHECK(list[1].modified_ms == -1);
}

TEST_CASE("list_user_folders of a folder that cannot be read is empty") {
  CHECK(list_user_folders("/nonexistent/ankisync-data").empty());
}
