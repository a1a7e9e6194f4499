#include <catch2/catch.hpp>


#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "storage/file_ops.hpp"
#include "sha1_of.hpp"
#include "temp_dir.hpp"

using namespace ankisync::storage;
using ankisync::storage::test::sha1_of;
using ankisync::storage::test::temp_dir;

namespace {

void write(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

} // namespace

TEST_CASE("a copy with the expected sha1 has the same bytes") {
  temp_dir dir;
  const std::string bytes(200'000, 'x');
  write(dir / "src", bytes);
  const auto dest = dir / "dest";
  auto copied = copy_verified(dir / "src", &dest, sha1_of(bytes));
  REQUIRE(copied);
  CHECK(copied->size == 200'000);
  CHECK(copied->sha1_raw == sha1_of(bytes));
  CHECK(read(dest) == bytes);
}

TEST_CASE("a content that does not match its sha1 is corrupt and leaves no copy") {
  temp_dir dir;
  write(dir / "src", "changed");
  const auto dest = dir / "dest";
  auto copied = copy_verified(dir / "src", &dest, sha1_of("original"));
  REQUIRE_FALSE(copied);
  CHECK(copied.error().code == storage_errc::corrupt);
  CHECK_FALSE(std::filesystem::exists(dest));
}

TEST_CASE("without a destination the file is only checked") {
  temp_dir dir;
  write(dir / "src", "abc");
  auto copied = copy_verified(dir / "src", nullptr, sha1_of("abc"));
  REQUIRE(copied);
  CHECK(copied->size == 3);
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path), {}) == 1);
}

TEST_CASE("a symbolic link, a missing file and an existing destination are refused") {
  temp_dir dir;
  write(dir / "src", "abc");
  std::filesystem::create_symlink(dir / "src", dir / "link");
  const auto dest = dir / "dest";
  auto link = copy_verified(dir / "link", &dest, sha1_of("abc"));
  REQUIRE_FALSE(link);
  CHECK(link.error().code == storage_errc::invalid);
  auto missing = copy_verified(dir / "nope", &dest, sha1_of("abc"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == storage_errc::not_found);
  write(dest, "keep");
  auto exists = copy_verified(dir / "src", &dest, sha1_of("abc"));
  REQUIRE_FALSE(exists);
  CHECK(read(dest) == "keep");
}
