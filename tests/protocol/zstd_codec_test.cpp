#include <catch2/catch.hpp>

#include <zstd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <unistd.h>

#include "protocol/zstd_codec.hpp"

using namespace ankisync::protocol;

namespace {

// Incompressible bytes, so compressed sizes are close to the input size and
// inputs can be made larger than one zstd read or write buffer.
std::string random_bytes(std::size_t n, unsigned seed = 42) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

std::string text_bytes(std::size_t n) {
  std::string s;
  while (s.size() < n) s += "the quick brown fox " + std::to_string(s.size()) + "\n";
  s.resize(n);
  return s;
}

// What a streaming client writes: a frame whose header has no content size.
std::string compress_without_size(std::string_view in) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const std::size_t n = ZSTD_compress2(cctx, out.data(), out.size(), in.data(), in.size());
  ZSTD_freeCCtx(cctx);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

class temp_file {
public:
  explicit temp_file(std::string_view contents) {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("ankisync-zstd-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
                .string();
    std::ofstream f(path_, std::ios::binary);
    f.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  }
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

constexpr std::uint64_t no_limit = 1ull << 40;

} // namespace

TEST_CASE("compress then decompress gives the input back", "[zstd]") {
  const std::string input = GENERATE(std::string(), std::string("{}"), text_bytes(1000),
                                     random_bytes(700'000));
  const std::string packed = zstd_compress(input);
  CHECK(ZSTD_getFrameContentSize(packed.data(), packed.size()) == input.size());
  auto out = zstd_decompress(packed, no_limit);
  REQUIRE(out);
  CHECK(*out == input);
}

TEST_CASE("frames without a content size decode", "[zstd]") {
  const std::string input = text_bytes(300'000);
  const std::string packed = compress_without_size(input);
  REQUIRE(ZSTD_getFrameContentSize(packed.data(), packed.size()) == ZSTD_CONTENTSIZE_UNKNOWN);
  auto out = zstd_decompress(packed, no_limit);
  REQUIRE(out);
  CHECK(*out == input);
}

TEST_CASE("concatenated frames decode to the concatenated payloads", "[zstd]") {
  const std::string a = text_bytes(5000);
  const std::string b = random_bytes(200'000, 7);
  const std::string c = "tail";
  const std::string packed = zstd_compress(a) + compress_without_size(b) + zstd_compress(c);
  auto out = zstd_decompress(packed, no_limit);
  REQUIRE(out);
  CHECK(*out == a + b + c);
}

TEST_CASE("output stops at the limit", "[zstd]") {
  const std::string input = text_bytes(10'000);
  const std::string packed = zstd_compress(input);

  SECTION("limit below the size truncates silently") {
    auto out = zstd_decompress(packed, 100);
    REQUIRE(out);
    CHECK(*out == input.substr(0, 100));
  }
  SECTION("limit equal to the size keeps everything") {
    auto out = zstd_decompress(packed, input.size());
    REQUIRE(out);
    CHECK(*out == input);
  }
  SECTION("limit zero gives nothing") {
    auto out = zstd_decompress(packed, 0);
    REQUIRE(out);
    CHECK(out->empty());
  }
  SECTION("limit falling inside the second frame") {
    const std::string two = zstd_compress("abc") + zstd_compress("defgh");
    auto out = zstd_decompress(two, 5);
    REQUIRE(out);
    CHECK(*out == "abcde");
  }
}

TEST_CASE("a highly compressible bomb is cut at the limit", "[zstd]") {
  const std::string zeros(64u << 20, '\0');
  const std::string packed = zstd_compress(zeros);
  REQUIRE(packed.size() < 100'000);
  auto out = zstd_decompress(packed, 1u << 20);
  REQUIRE(out);
  CHECK(out->size() == (1u << 20));
  CHECK(out->find_first_not_of('\0') == std::string::npos);
}

TEST_CASE("bad zstd input is a bad request", "[zstd]") {
  const std::string good = compress_without_size(text_bytes(50'000));

  SECTION("empty input") {
    auto out = zstd_decompress("", no_limit);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == error_code::bad_request);
    CHECK_THAT(out.error().message, Catch::Contains("empty"));
  }
  SECTION("not zstd at all") {
    auto out = zstd_decompress("{\"u\":\"a\",\"p\":\"b\"}", no_limit);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == error_code::bad_request);
    CHECK_THAT(out.error().message, Catch::Contains("zstd"));
  }
  SECTION("input cut inside the frame") {
    const std::size_t keep = GENERATE(std::size_t{1}, std::size_t{6}, std::size_t{100},
                                      std::size_t{0} /* means: all but the last byte */);
    const std::string cut = good.substr(0, keep == 0 ? good.size() - 1 : keep);
    auto out = zstd_decompress(cut, no_limit);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == error_code::bad_request);
  }
  SECTION("second frame cut short") {
    const std::string second = zstd_compress("more");
    auto out = zstd_decompress(good + second.substr(0, second.size() - 2), no_limit);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == error_code::bad_request);
  }
  SECTION("garbage after a valid frame") {
    auto out = zstd_decompress(good + "garbage!", no_limit);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == error_code::bad_request);
  }
  SECTION("checksum mismatch") {
    std::string corrupt = good;
    corrupt.back() = static_cast<char>(corrupt.back() ^ 0x5a);
    auto out = zstd_decompress(corrupt, no_limit);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == error_code::bad_request);
  }
}

TEST_CASE("file input decodes like in-memory input", "[zstd]") {
  // Larger than several zstd input buffers, so the file is read in pieces.
  const std::string input = random_bytes(1'000'000, 3) + text_bytes(100'000);
  const std::string packed = compress_without_size(input) + zstd_compress("end");
  REQUIRE(packed.size() > 4 * ZSTD_DStreamInSize());
  temp_file file(packed);

  SECTION("whole payload") {
    auto out = zstd_decompress_file(file.path(), no_limit);
    REQUIRE(out);
    CHECK(*out == input + "end");
  }
  SECTION("truncated at the limit") {
    auto out = zstd_decompress_file(file.path(), 12345);
    REQUIRE(out);
    CHECK(*out == input.substr(0, 12345));
  }
}

TEST_CASE("bad file input", "[zstd]") {
  SECTION("empty file is a bad request") {
    temp_file file("");
    auto out = zstd_decompress_file(file.path(), no_limit);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == error_code::bad_request);
  }
  SECTION("truncated file is a bad request") {
    const std::string packed = zstd_compress(random_bytes(500'000));
    temp_file file(std::string_view(packed).substr(0, packed.size() - 10));
    auto out = zstd_decompress_file(file.path(), no_limit);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == error_code::bad_request);
  }
  SECTION("missing file is our fault, not the client's") {
    auto out = zstd_decompress_file("/nonexistent/ankisync/body.zst", no_limit);
    REQUIRE_FALSE(out);
    CHECK(out.error().code == error_code::server_error);
  }
}

TEST_CASE("compression level changes the output but not the payload", "[zstd]") {
  const std::string input = text_bytes(200'000);
  const std::string fast = zstd_compress(input, 1);
  const std::string small = zstd_compress(input, 19);
  // Same deterministic input: different bytes prove the level reached zstd.
  CHECK(fast != small);
  CHECK(fast.size() < input.size());
  CHECK(small.size() < input.size());
  auto a = zstd_decompress(fast, no_limit);
  auto b = zstd_decompress(small, no_limit);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a == input);
  CHECK(*b == input);
}

TEST_CASE("zstd_decompress: payloads of exact multiples of the 128 KiB output step decode") {
  // zstd answers 0 for the call that fills the output buffer exactly and
  // the frame's header size for the extra call after it: not a truncation.
  for (std::size_t size : {std::size_t{131072}, std::size_t{262144}, std::size_t{131071},
                           std::size_t{131073}}) {
    std::string payload(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
      payload[i] = static_cast<char>((i * 7) % 13);
    auto out = ankisync::protocol::zstd_decompress(ankisync::protocol::zstd_compress(payload),
                                                    1u << 30);
    INFO("size " << size);
    REQUIRE(out.has_value());
    CHECK(*out == payload);
  }
}

// Each thread reuses one decoder and one encoder across requests: what one
// request left behind (a frame cut off, a limit hit, a large frame) must
// never leak into the next.
TEST_CASE("a request after a failed or cut-off one decodes cleanly", "[zstd]") {
  const std::string payload = text_bytes(300'000);
  const std::string good = compress_without_size(payload);
  for (int round = 0; round < 3; ++round) {
    // Cut inside the frame: the decoder is left mid-frame.
    REQUIRE_FALSE(zstd_decompress(good.substr(0, good.size() / 2), no_limit));
    auto next = zstd_decompress(zstd_compress("{\"k\":1}"), no_limit);
    REQUIRE(next);
    CHECK(*next == "{\"k\":1}");
    // Stopped at the limit, with input left over.
    auto capped = zstd_decompress(good, 1000);
    REQUIRE(capped);
    CHECK(capped->size() == 1000);
    auto whole = zstd_decompress(good, no_limit);
    REQUIRE(whole);
    CHECK(*whole == payload);
  }
}

TEST_CASE("compressing large and small payloads in turn gives each back", "[zstd]") {
  const std::string big = random_bytes(2'000'000, 7);
  for (const std::string& in : {big, std::string("null"), text_bytes(70'000), std::string()}) {
    auto back = zstd_decompress(zstd_compress(in), no_limit);
    REQUIRE(back);
    CHECK(*back == in);
  }
}

TEST_CASE("zstd_decompress: any limit, from none to far more than the payload, gives the "
          "payload or its first limit bytes") {
  const std::string payload = random_bytes(300 * 1024, 11);
  const auto z = zstd_compress(payload);
  for (std::uint64_t limit : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{8192},
                              std::uint64_t{payload.size() - 1}, std::uint64_t{payload.size()},
                              std::uint64_t{payload.size() + 1},
                              std::numeric_limits<std::uint64_t>::max()}) {
    INFO(limit);
    auto r = zstd_decompress(z, limit);
    REQUIRE(r);
    if (limit >= payload.size())
      CHECK(*r == payload);
    else
      CHECK(*r == payload.substr(0, limit));
  }
}
