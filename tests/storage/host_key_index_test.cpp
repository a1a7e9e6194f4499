#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include "storage/host_key_index.hpp"

using ankisync::storage::host_key_index;

TEST_CASE("a host key finds its user and an unknown key finds nobody", "[host_key_index]") {
  host_key_index index;
  index.add("d2f1c7aa0e9b41c3b6a0f0c2a3e4b5c6d7e8f901", "alice");
  index.add("0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", "bob");
  index.add("ffffffffffffffffffffffffffffffffffffffff", "alice");
  index.seal();

  CHECK(index.size() == 3);
  CHECK(index.user_of("0a1b2c3d4e5f60718293a4b5c6d7e8f901234567") == "bob");
  CHECK(index.user_of("d2f1c7aa0e9b41c3b6a0f0c2a3e4b5c6d7e8f901") == "alice");
  CHECK(index.user_of("ffffffffffffffffffffffffffffffffffffffff") == "alice");
  CHECK_FALSE(index.user_of("0a1b2c3d4e5f60718293a4b5c6d7e8f90123456"));  // a prefix
  CHECK_FALSE(index.user_of("0a1b2c3d4e5f60718293a4b5c6d7e8f9012345678")); // longer
  CHECK_FALSE(index.user_of(""));
  CHECK_FALSE(index.contains("bob")); // a user is not a key
}

TEST_CASE("an empty index finds nobody", "[host_key_index]") {
  host_key_index index;
  index.seal();
  CHECK(index.empty());
  CHECK_FALSE(index.user_of("anything"));
}

TEST_CASE("the index lists its pairs in key order", "[host_key_index]") {
  host_key_index index;
  index.add("c", "carol");
  index.add("a", "alice");
  index.add("b", "bob");
  index.seal();
  REQUIRE(index.size() == 3);
  CHECK(index.key_at(0) == "a");
  CHECK(index.user_at(0) == "alice");
  CHECK(index.key_at(2) == "c");
  CHECK(index.user_at(2) == "carol");
}

TEST_CASE("a moved index still answers, short texts included", "[host_key_index]") {
  // A few bytes of text live inside the string object itself: lookups must
  // not point at the place it was moved from.
  host_key_index index;
  index.add("k", "u");
  index.seal();
  host_key_index moved = std::move(index);
  CHECK(moved.user_of("k") == "u");
  host_key_index assigned;
  assigned = std::move(moved);
  CHECK(assigned.user_of("k") == "u");
}

TEST_CASE("thousands of keys are all found", "[host_key_index]") {
  host_key_index index;
  for (int i = 0; i < 5000; ++i)
    index.add("key-" + std::to_string(i * 7919 % 5000), "user" + std::to_string(i % 37));
  index.seal();
  CHECK(index.size() == 5000);
  for (int i = 0; i < 5000; ++i) {
    const int k = i * 7919 % 5000;
    INFO(k);
    REQUIRE(index.user_of("key-" + std::to_string(k)) == "user" + std::to_string(i % 37));
  }
}
