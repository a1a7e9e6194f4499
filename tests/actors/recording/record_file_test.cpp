// Reading a path that is not a recording file gives an error value: a
// folder used to get as far as its size and throw filesystem_error.

#include <catch2/catch.hpp>

#include <filesystem>

#include "actors/recording/record_file.hpp"

using namespace ankisync::actors::recording;
namespace fs = std::filesystem;

TEST_CASE("reading a folder or a missing file as a recording is an error, not an exception") {
  const auto folder = fs::temp_directory_path();
  auto dir = read_records(folder);
  REQUIRE_FALSE(dir.has_value());
  CHECK(dir.error().find("not a recording file") != std::string::npos);
  auto missing = read_records(folder / "no-such-recording-here.ankirec");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().find("no such file") != std::string::npos);
}
