#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "storage/private_files.hpp"
#include "temp_dir.hpp"

using namespace ankisync::storage;
using ankisync::storage::test::temp_dir;
namespace fs = std::filesystem;

namespace {

fs::perms mode_of(const fs::path& p) { return fs::symlink_status(p).permissions() & fs::perms::all; }

constexpr auto dir_0700 = fs::perms::owner_all;
constexpr auto file_0600 = fs::perms::owner_read | fs::perms::owner_write;

// A looser umask for one test, as an operator's shell may have.
struct loose_umask {
  mode_t saved = ::umask(022);
  ~loose_umask() { ::umask(saved); }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

} // namespace

TEST_CASE("create_private_dirs makes every missing folder 0700 under umask 022") {
  loose_umask loose;
  temp_dir dir;
  fs::permissions(dir.path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  REQUIRE_FALSE(create_private_dirs(dir / "a/b/c"));
  CHECK(mode_of(dir / "a") == dir_0700);
  CHECK(mode_of(dir / "a/b") == dir_0700);
  CHECK(mode_of(dir / "a/b/c") == dir_0700);
  // The existing parent is not ours to change.
  CHECK(mode_of(dir.path) == (fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec));
  CHECK_FALSE(create_private_dirs(dir / "a/b/c")); // already there: fine
}

TEST_CASE("write_private_file writes a new 0600 file and never replaces one") {
  loose_umask loose;
  temp_dir dir;
  REQUIRE_FALSE(write_private_file(dir / "f", "bytes"));
  CHECK(mode_of(dir / "f") == file_0600);
  CHECK(slurp(dir / "f") == "bytes");
  auto again = write_private_file(dir / "f", "other");
  CHECK(again == std::errc::file_exists);
  CHECK(slurp(dir / "f") == "bytes");
}

TEST_CASE("make_private drops group and other bits, and leaves symlinks and missing paths") {
  temp_dir dir;
  { std::ofstream(dir / "f") << "x"; }
  fs::permissions(dir / "f", file_0600 | fs::perms::group_read | fs::perms::others_read);
  fs::create_directory(dir / "d");
  fs::permissions(dir / "d", fs::perms::all);
  fs::create_symlink(dir / "f", dir / "link");
  REQUIRE_FALSE(make_private(dir / "f"));
  REQUIRE_FALSE(make_private(dir / "d"));
  REQUIRE_FALSE(make_private(dir / "link"));
  REQUIRE_FALSE(make_private(dir / "missing"));
  CHECK(mode_of(dir / "f") == file_0600);
  CHECK(mode_of(dir / "d") == dir_0700);
  CHECK(slurp(dir / "f") == "x");
}

TEST_CASE("make_private_tree tightens a folder and everything in it") {
  temp_dir dir;
  fs::create_directories(dir / "t/sub");
  { std::ofstream(dir / "t/sub/f") << "x"; }
  fs::permissions(dir / "t", fs::perms::all);
  fs::permissions(dir / "t/sub", fs::perms::all);
  fs::permissions(dir / "t/sub/f", fs::perms::owner_read | fs::perms::owner_write |
                                       fs::perms::others_read);
  REQUIRE_FALSE(make_private_tree(dir / "t"));
  CHECK(mode_of(dir / "t") == dir_0700);
  CHECK(mode_of(dir / "t/sub") == dir_0700);
  CHECK(mode_of(dir / "t/sub/f") == file_0600);
}
