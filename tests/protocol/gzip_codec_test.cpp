#include <catch2/catch.hpp>

#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>

#include "protocol/body_file.hpp"
#include "protocol/gzip_codec.hpp"
#include "protocol/zstd_codec.hpp"

using namespace ankisync::protocol;

namespace {

std::string random_bytes(std::size_t n, unsigned seed = 7) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(rng() & 0xff);
  return s;
}

std::string text_bytes(std::size_t n) {
  std::string s;
  while (s.size() < n)
    s += "{\"notes\":[[1,\"guid\",2]]," + std::to_string(s.size()) + "}\n";
  s.resize(n);
  return s;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A folder of its own for file tests, removed afterwards.
struct scratch_dir {
  std::filesystem::path path;
  scratch_dir() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("ankisync-gzip-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string write(const std::string& name, std::string_view contents) const {
    auto p = path / name;
    std::ofstream(p, std::ios::binary).write(contents.data(), static_cast<std::streamsize>(contents.size()));
    return p.string();
  }
};

// gzip with a file name in its header (FNAME), as Python's gzip module
// writes when given a named file.
std::string gzip_with_name(std::string_view in) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  gz_header header{};
  char name[] = "data";
  header.name = reinterpret_cast<Bytef*>(name);
  header.time = 1580000000;
  REQUIRE(deflateSetHeader(&zs, &header) == Z_OK);
  std::string out(deflateBound(&zs, in.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(out.size() - zs.avail_out);
  deflateEnd(&zs);
  return out;
}

constexpr std::uint64_t big_limit = 1ull << 30;

} // namespace

TEST_CASE("gzip round trips small, empty and large payloads", "[gzip]") {
  for (std::size_t n : {std::size_t{0}, std::size_t{2}, std::size_t{1000}, std::size_t{300000}}) {
    const auto plain = text_bytes(n);
    auto back = gzip_decompress(gzip_compress(plain), big_limit);
    REQUIRE(back);
    CHECK(*back == plain);
  }
  const auto noise = random_bytes(200000);
  auto back = gzip_decompress(gzip_compress(noise, 1), big_limit);
  REQUIRE(back);
  CHECK(*back == noise);
}

TEST_CASE("gzip output is a standard gzip member (magic, deflate)", "[gzip]") {
  const auto z = gzip_compress("{}");
  REQUIRE(z.size() > 18);
  CHECK(static_cast<unsigned char>(z[0]) == 0x1f);
  CHECK(static_cast<unsigned char>(z[1]) == 0x8b);
  CHECK(z[2] == 8);
}

TEST_CASE("gzip with a named header, as Python wrote it, decodes", "[gzip]") {
  auto back = gzip_decompress(gzip_with_name(R"({"v":10,"cv":"ankidesktop,2.1.15,lin"})"), big_limit);
  REQUIRE(back);
  CHECK(*back == R"({"v":10,"cv":"ankidesktop,2.1.15,lin"})");
}

TEST_CASE("gzip output stops at the limit without an error", "[gzip]") {
  const auto plain = text_bytes(500000);
  const auto z = gzip_compress(plain);
  auto cut = gzip_decompress(z, 1000);
  REQUIRE(cut);
  CHECK(*cut == plain.substr(0, 1000));
  auto exact = gzip_decompress(z, plain.size());
  REQUIRE(exact);
  CHECK(*exact == plain);
  auto zero = gzip_decompress(z, 0);
  REQUIRE(zero);
  CHECK(zero->empty());
}

TEST_CASE("bad gzip is a bad request saying invalid gzip", "[gzip]") {
  const auto good = gzip_compress(text_bytes(50000));
  std::string corrupt_crc = good;
  corrupt_crc[corrupt_crc.size() - 6] ^= 0x55; // inside the CRC32 trailer
  std::string corrupt_data = good;
  corrupt_data[good.size() / 2] ^= 0x55;
  const std::string inputs[] = {
      "",                                      // empty
      "not gzip at all",                       // no magic
      good.substr(0, good.size() / 2),         // cut short
      good.substr(0, good.size() - 1),         // trailer cut
      corrupt_crc,
      zstd_compress("{}"),                     // the other envelope's codec
  };
  for (const auto& in : inputs) {
    auto r = gzip_decompress(in, big_limit);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == error_code::bad_request);
    CHECK(r.error().message.starts_with("invalid gzip"));
  }
  // Corrupt deflate data is caught by the decoder or the CRC.
  auto r = gzip_decompress(corrupt_data, big_limit);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.starts_with("invalid gzip"));
}

TEST_CASE("bytes after the gzip member are ignored, as upstream decodes one member", "[gzip]") {
  auto r = gzip_decompress(gzip_compress("{}") + "trailing junk", big_limit);
  REQUIRE(r);
  CHECK(*r == "{}");
}

TEST_CASE("gzip decodes from a file in pieces", "[gzip]") {
  scratch_dir dir;
  const auto plain = text_bytes(1 << 20);
  const auto path = dir.write("in.gz", gzip_compress(plain));
  auto r = gzip_decompress_file(path, big_limit);
  REQUIRE(r);
  CHECK(*r == plain);
  auto cut = gzip_decompress_file(path, 70000);
  REQUIRE(cut);
  CHECK(*cut == plain.substr(0, 70000));

  auto missing = gzip_decompress_file((dir.path / "missing").string(), big_limit);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == error_code::server_error);
}

TEST_CASE("gzip decodes to a file from memory or a file, with the limit reported", "[gzip]") {
  scratch_dir dir;
  const auto plain = random_bytes(3 << 20);
  const auto z = gzip_compress(plain);
  const auto in_path = dir.write("in.gz", z);
  const auto out_path = (dir.path / "out").string();

  auto from_memory = gzip_decompress_to_file(z, {}, out_path, big_limit);
  REQUIRE(from_memory);
  CHECK_FALSE(from_memory->hit_limit);
  CHECK(from_memory->size == plain.size());
  CHECK(slurp(out_path) == plain);

  auto from_file = gzip_decompress_to_file({}, in_path, out_path, big_limit);
  REQUIRE(from_file);
  CHECK(from_file->size == plain.size());
  CHECK(slurp(out_path) == plain);

  auto exact = gzip_decompress_to_file({}, in_path, out_path, plain.size());
  REQUIRE(exact);
  CHECK_FALSE(exact->hit_limit);

  auto cut = gzip_decompress_to_file({}, in_path, out_path, 100000);
  REQUIRE(cut);
  CHECK(cut->hit_limit);
  CHECK(cut->size == 100000);
  CHECK(slurp(out_path) == plain.substr(0, 100000));

  auto bad = gzip_decompress_to_file({}, dir.write("bad.gz", z.substr(0, z.size() / 2)), out_path,
                                     big_limit);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == error_code::bad_request);
  CHECK(bad.error().message.starts_with("invalid gzip"));
}

TEST_CASE("gzip compresses a file that decodes back", "[gzip]") {
  scratch_dir dir;
  const auto plain = text_bytes(700000);
  const auto in = dir.write("plain", plain);
  const auto out = (dir.path / "plain.gz").string();
  auto size = gzip_compress_file(in, out, 6);
  REQUIRE(size);
  CHECK(*size == std::filesystem::file_size(out));
  auto back = gzip_decompress_file(out, big_limit);
  REQUIRE(back);
  CHECK(*back == plain);

  const auto empty = dir.write("empty", "");
  REQUIRE(gzip_compress_file(empty, out));
  auto none = gzip_decompress_file(out, big_limit);
  REQUIRE(none);
  CHECK(none->empty());
}

TEST_CASE("decode_body_to_file dispatches on the encoding", "[gzip][body_file]") {
  scratch_dir dir;
  const auto plain = random_bytes(400000, 3);
  const auto out = (dir.path / "out").string();

  SECTION("raw from memory and from a file") {
    auto m = decode_body_to_file(body_encoding::raw, plain, {}, out, big_limit);
    REQUIRE(m);
    CHECK(m->size == plain.size());
    CHECK(slurp(out) == plain);
    auto f = decode_body_to_file(body_encoding::raw, {}, dir.write("in", plain), out, big_limit);
    REQUIRE(f);
    CHECK_FALSE(f->hit_limit);
    CHECK(slurp(out) == plain);
  }
  SECTION("raw past the limit is cut and reported") {
    auto cut = decode_body_to_file(body_encoding::raw, plain, {}, out, 1000);
    REQUIRE(cut);
    CHECK(cut->hit_limit);
    CHECK(cut->size == 1000);
    auto exact = decode_body_to_file(body_encoding::raw, plain, {}, out, plain.size());
    REQUIRE(exact);
    CHECK_FALSE(exact->hit_limit);
  }
  SECTION("gzip") {
    auto g = decode_body_to_file(body_encoding::gzip, {}, dir.write("in.gz", gzip_compress(plain)),
                                 out, big_limit);
    REQUIRE(g);
    CHECK(slurp(out) == plain);
    auto bad = decode_body_to_file(body_encoding::gzip, "nope", {}, out, big_limit);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.starts_with("invalid gzip"));
  }
  SECTION("zstd") {
    auto z = decode_body_to_file(body_encoding::zstd, zstd_compress(plain), {}, out, big_limit);
    REQUIRE(z);
    CHECK(slurp(out) == plain);
    auto bad = decode_body_to_file(body_encoding::zstd, gzip_compress(plain), {}, out, big_limit);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == error_code::bad_request);
  }
}
