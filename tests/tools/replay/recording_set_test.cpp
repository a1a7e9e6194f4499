// Which recordings `ankisync-replay PATH` replays, and the one summary it
// prints for a folder (tools/replay/recording_set.hpp).

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tools/replay/recording_set.hpp"

using namespace ankisync::replay;
namespace fs = std::filesystem;

namespace {

class temp_dir {
public:
  temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "recording-set-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

void touch(const fs::path& file) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << "x";
}

replay_report report(std::string file, unsigned count, unsigned diverged) {
  replay_report r;
  r.recording = std::move(file);
  r.user = "user";
  r.requests = count;
  r.divergences = diverged;
  r.methods.emplace_back("meta", method_tally{count, count - diverged, diverged, 0});
  if (diverged)
    r.first = divergence{2, "meta", "/sync/meta", "200 {}", "400", "status: expected 200, got 400"};
  return r;
}

} // namespace

TEST_CASE("a --record folder yields every recording under it, sorted, and nothing else") {
  temp_dir dir;
  touch(dir.path() / "bob" / "20261201T100000-000001.ankirec");
  touch(dir.path() / "alice" / "20261202T100000-000001.ankirec");
  touch(dir.path() / "alice" / "20261201T100000-000001.ankirec");
  // A starting state and side bodies sit next to each recording.
  touch(dir.path() / "alice" / "20261201T100000-000001.start" / "collection.anki2");
  touch(dir.path() / "alice" / "20261201T100000-000001.bodies" / "3-request");
  auto found = find_recordings(dir.path());
  REQUIRE(found.has_value());
  CHECK(*found == std::vector<fs::path>{
                      dir.path() / "alice" / "20261201T100000-000001.ankirec",
                      dir.path() / "alice" / "20261202T100000-000001.ankirec",
                      dir.path() / "bob" / "20261201T100000-000001.ankirec",
                  });
}

TEST_CASE("a recording file yields itself") {
  temp_dir dir;
  const auto file = dir.path() / "one.ankirec";
  touch(file);
  auto found = find_recordings(file);
  REQUIRE(found.has_value());
  CHECK(*found == std::vector<fs::path>{file});
}

TEST_CASE("a missing path or a folder without recordings is an error, not an exception") {
  temp_dir dir;
  touch(dir.path() / "notes.txt");
  auto empty = find_recordings(dir.path());
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().find("no .ankirec recording") != std::string::npos);
  auto missing = find_recordings(dir.path() / "gone");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().find("no such file or folder") != std::string::npos);
}

TEST_CASE("a folder's summary adds up the recordings and shows each divergence") {
  const std::vector<replay_report> reports = {report("a.ankirec", 4, 0),
                                              report("b.ankirec", 3, 1)};
  CHECK(any_diverged(reports));
  const auto text = format_summary(reports);
  INFO(text);
  CHECK(text.find("a.ankirec: user user, 4 requests, matches") != std::string::npos);
  CHECK(text.find("b.ankirec: user user, 3 requests, 1 response(s) diverged") !=
        std::string::npos);
  // One table for all: 7 meta calls, 6 matched, 1 diverged.
  CHECK(text.find("meta                        7        6         1        0") !=
        std::string::npos);
  CHECK(text.find("first divergence: request #2 (meta)") != std::string::npos);
  CHECK(text.find("1 of 2 recordings diverged") != std::string::npos);
  CHECK_FALSE(any_diverged({report("a.ankirec", 4, 0)}));
  CHECK(format_summary({report("a.ankirec", 4, 0)}).find("every recording matches") !=
        std::string::npos);
}
