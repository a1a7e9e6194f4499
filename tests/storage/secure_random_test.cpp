#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <vector>

#include "storage/secure_random.hpp"

using ankisync::storage::random_bytes;

TEST_CASE("random bytes fill the whole buffer and differ from call to call") {
  std::array<unsigned char, 32> a{}, b{};
  REQUIRE(random_bytes(a));
  REQUIRE(random_bytes(b));
  CHECK(a != b);
  // More than one getrandom call may deliver: every byte still gets set.
  std::vector<unsigned char> big(4 << 20, 0);
  REQUIRE(random_bytes(big));
  const auto zeros = std::count(big.begin(), big.end(), 0);
  CHECK(zeros < static_cast<long>(big.size() / 128)); // ~1/256 expected
}
