#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "storage/b64.hpp"

using namespace ankisync::storage;

namespace {
std::vector<unsigned char> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }
} // namespace

TEST_CASE("b64 encodes the RFC 4648 vectors without padding") {
  CHECK(b64_encode(bytes_of("")) == "");
  CHECK(b64_encode(bytes_of("f")) == "Zg");
  CHECK(b64_encode(bytes_of("fo")) == "Zm8");
  CHECK(b64_encode(bytes_of("foo")) == "Zm9v");
  CHECK(b64_encode(bytes_of("foob")) == "Zm9vYg");
  CHECK(b64_encode(bytes_of("fooba")) == "Zm9vYmE");
  CHECK(b64_encode(bytes_of("foobar")) == "Zm9vYmFy");
  CHECK(b64_encode(std::vector<unsigned char>{0xfb, 0xff}) == "+/8");
}

TEST_CASE("b64 decodes what it encodes, for every length") {
  std::vector<unsigned char> data;
  for (int n = 0; n < 70; ++n) {
    auto text = b64_encode(data);
    auto back = b64_decode(text);
    REQUIRE(back.has_value());
    CHECK(*back == data);
    data.push_back(static_cast<unsigned char>(n * 37 + 11));
  }
}

TEST_CASE("b64 decoding is strict") {
  CHECK(b64_decode("Zm9vYmFy") == bytes_of("foobar"));
  CHECK_FALSE(b64_decode("Zg==").has_value()); // padding
  CHECK_FALSE(b64_decode("Zm9v\n").has_value()); // foreign character
  CHECK_FALSE(b64_decode("Zm-v").has_value()); // URL-safe alphabet
  CHECK_FALSE(b64_decode("Zm9vY").has_value()); // 5 chars: a lone sextet
  CHECK(b64_decode("Zg").has_value());
  CHECK_FALSE(b64_decode("Zh").has_value()); // non-zero leftover bits
  CHECK_FALSE(b64_decode("Zm9").has_value()); // "Zm8" is the canonical one
}
