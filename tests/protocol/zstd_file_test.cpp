#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>

#include "protocol/zstd_codec.hpp"
#include "protocol/zstd_file.hpp"

using namespace ankisync::protocol;

namespace {

std::filesystem::path scratch_path(std::string_view tag) {
  static std::atomic<int> counter{0};
  return std::filesystem::temp_directory_path() /
         ("ankisync-zstd-file-test-" + std::to_string(::getpid()) + "-" + std::string(tag) + "-" +
          std::to_string(counter++));
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct removed_on_exit {
  std::filesystem::path path;
  ~removed_on_exit() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

} // namespace

TEST_CASE("zstd_file_writer writes one frame that decodes to the pieces given", "[zstd_file]") {
  removed_on_exit out{scratch_path("frame")};
  std::mt19937 rng(11);
  std::string expected;
  {
    auto w = zstd_file_writer::create(out.path.string());
    REQUIRE(w);
    // Pieces of assorted sizes, some larger than zstd's own buffers.
    for (std::size_t n : {0u, 1u, 100u, 70'000u, 300'000u, 5u}) {
      std::string piece(n, '\0');
      for (auto& c : piece)
        c = static_cast<char>('a' + rng() % 4);
      expected += piece;
      REQUIRE(w->write(piece));
    }
    CHECK(w->bytes_in() == expected.size());
    auto size = w->finish();
    REQUIRE(size);
    CHECK(*size == std::filesystem::file_size(out.path));
    CHECK_FALSE(w->write("late"));
  }
  auto decoded = zstd_decompress(slurp(out.path), 1ull << 30);
  REQUIRE(decoded);
  CHECK(*decoded == expected);
}

TEST_CASE("zstd_file_writer with nothing written still gives a valid empty frame", "[zstd_file]") {
  removed_on_exit out{scratch_path("empty")};
  auto w = zstd_file_writer::create(out.path.string());
  REQUIRE(w);
  auto moved = std::move(*w); // the writer is movable into whatever owns it
  REQUIRE(moved.finish());
  auto decoded = zstd_decompress(slurp(out.path), 1024);
  REQUIRE(decoded);
  CHECK(decoded->empty());
}

TEST_CASE("zstd_file_writer refuses a path it cannot create", "[zstd_file]") {
  auto w = zstd_file_writer::create((scratch_path("missing") / "no" / "file").string());
  REQUIRE_FALSE(w);
  CHECK(w.error().code == error_code::server_error);
}
