#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "storage/file_watch.hpp"
#include "temp_dir.hpp"

using ankisync::storage::file_watch;
using ankisync::storage::test::temp_dir;

TEST_CASE("a file watch sees writes, creations and removals of its files only", "[file_watch]") {
  temp_dir dir;
  file_watch watch(dir.path, {"users.db", "users.db-wal"});
  CHECK_FALSE(watch.changed());

  std::ofstream(dir / "other.txt") << "not watched";
  CHECK_FALSE(watch.changed());

  std::ofstream(dir / "users.db-wal") << "created";
  CHECK(watch.changed());
  CHECK_FALSE(watch.changed()); // each change is told once

  { std::ofstream(dir / "users.db-wal", std::ios::app) << "appended"; }
  CHECK(watch.changed());

  std::filesystem::rename(dir / "other.txt", dir / "users.db");
  CHECK(watch.changed());

  std::filesystem::remove(dir / "users.db");
  CHECK(watch.changed());
  CHECK_FALSE(watch.changed());
}
