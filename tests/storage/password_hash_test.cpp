#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <string>

#include "storage/login_dummy.hpp"
#include "storage/password_hash.hpp"

using namespace ankisync::storage;

// Reference values computed independently with Python's
// hashlib.pbkdf2_hmac over the base64-*decoded* salt.

TEST_CASE("the pbkdf2 crate's own vector: salt c2FsdA is the 4 bytes \"salt\"") {
  CHECK(hash_password_with_salt("password", "c2FsdA", 4096) ==
        "$pbkdf2-sha256$i=4096,l=32$c2FsdA$xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o");
}

TEST_CASE("the official server's fixed SYNC_USER salt, at default rounds") {
  auto phc = hash_password_with_salt("pass", "tonuvYGpksNFQBlEmm3lxg");
  CHECK(phc == "$pbkdf2-sha256$i=600000,l=32$tonuvYGpksNFQBlEmm3lxg"
               "$oQ1sqlkoU7Qn72xNoIq+NHyW3yOOER8EZ6mIJiv5GYc");
  CHECK(verify_password("pass", phc));
}

TEST_CASE("hash_password writes a PHC string with a fresh 16-byte salt") {
  auto a = hash_password("secret", 1000);
  auto b = hash_password("secret", 1000);
  std::regex shape(R"(\$pbkdf2-sha256\$i=1000,l=32\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43})");
  CHECK(std::regex_match(a, shape));
  CHECK(std::regex_match(b, shape));
  CHECK(a != b);
  CHECK(is_valid_phc(a));
  CHECK(verify_password("secret", a));
  CHECK(verify_password("secret", b));
  CHECK_FALSE(verify_password("Secret", a));
  CHECK_FALSE(verify_password("", a));
}

TEST_CASE("hashing refuses what it cannot do, with an empty string") {
  CHECK(hash_password("x", 0).empty());
  CHECK(hash_password_with_salt("x", "c2FsdA", 0).empty());
  CHECK(hash_password_with_salt("x", "c2F", 1).empty());      // salt too short
  CHECK(hash_password_with_salt("x", "c2FsdA==", 1).empty()); // padded
  CHECK(hash_password_with_salt("x", "c2Fsd!", 1).empty());
  CHECK(hash_password_with_salt("x", std::string(65, 'A'), 1).empty());
  CHECK_FALSE(hash_password_with_salt("x", std::string(64, 'A'), 1).empty());
}

TEST_CASE("verify accepts sha256 and sha512, params in any order, l optional") {
  // password "password", salt "salt", 4096 / 1000 rounds.
  const std::string h256 = "xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o";
  const std::string h512_64 = "r+bFUweFtsxrHGRTOEcxvV7kMu5Un9QvtmlXea2KHFv1neacSPd078QAfVKY+QM8A"
                              "kHVq2kwXntk7O642DTP7A";
  const std::string h512_32 = "r+bFUweFtsxrHGRTOEcxvV7kMu5Un9QvtmlXea2KHFs";

  CHECK(verify_password("password", "$pbkdf2-sha256$i=4096,l=32$c2FsdA$" + h256));
  CHECK(verify_password("password", "$pbkdf2-sha256$l=32,i=4096$c2FsdA$" + h256));
  CHECK(verify_password("password", "$pbkdf2-sha256$i=4096$c2FsdA$" + h256));
  CHECK_FALSE(verify_password("password", "$pbkdf2-sha256$i=4097$c2FsdA$" + h256));
  CHECK_FALSE(verify_password("password", "$pbkdf2-sha512$i=4096$c2FsdA$" + h256));

  CHECK(verify_password("password", "$pbkdf2-sha512$i=1000,l=64$c2FsdA$" + h512_64));
  CHECK(verify_password("password", "$pbkdf2-sha512$i=1000$c2FsdA$" + h512_64));
  // Upstream's default l is 32 for sha512 too; such strings verify as well.
  CHECK(verify_password("password", "$pbkdf2-sha512$i=1000$c2FsdA$" + h512_32));
  CHECK(verify_password("password", "$pbkdf2-sha512$l=32,i=1000$c2FsdA$" + h512_32));
  CHECK_FALSE(verify_password("passwore", "$pbkdf2-sha512$i=1000$c2FsdA$" + h512_64));
}

TEST_CASE("malformed PHC strings are invalid and never verify") {
  const std::string salt_hash = "$c2FsdA$xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o";
  const std::string good = "$pbkdf2-sha256$i=4096,l=32" + salt_hash;
  REQUIRE(is_valid_phc(good));
  REQUIRE(verify_password("password", good));

  const std::string bad[] = {
      "",
      "$",
      "$$$$",
      good.substr(1),                                   // no leading '$'
      good + "$",                                       // extra empty field
      good + "$AAAA",                                   // extra field
      "$pbkdf2-sha1$i=4096,l=32" + salt_hash,           // digest we don't offer
      "$argon2id$i=4096,l=32" + salt_hash,
      "$PBKDF2-SHA256$i=4096,l=32" + salt_hash,
      "$pbkdf2-sha256$v=19$i=4096,l=32" + salt_hash,    // version field
      "$pbkdf2-sha256$v=19,i=4096" + salt_hash,
      "$pbkdf2-sha256$i=0,l=32" + salt_hash,
      "$pbkdf2-sha256$i=04096,l=32" + salt_hash,        // leading zero
      "$pbkdf2-sha256$i=,l=32" + salt_hash,
      "$pbkdf2-sha256$i=4k,l=32" + salt_hash,
      "$pbkdf2-sha256$i=-1,l=32" + salt_hash,
      "$pbkdf2-sha256$i=+4096,l=32" + salt_hash,
      "$pbkdf2-sha256$i=4294967296,l=32" + salt_hash,   // past 32 bits
      "$pbkdf2-sha256$i=2147483648,l=32" + salt_hash,   // past OpenSSL's int
      "$pbkdf2-sha256$i=4096,i=4096,l=32" + salt_hash,  // repeated
      "$pbkdf2-sha256$i=4096,l=32,x=1" + salt_hash,     // unknown param
      "$pbkdf2-sha256$i=4096,,l=32" + salt_hash,
      "$pbkdf2-sha256$i4096,l=32" + salt_hash,
      "$pbkdf2-sha256$i=4096,l=31" + salt_hash,         // l disagrees with hash
      "$pbkdf2-sha256$i=4096,l=32$c2FsdA",              // no hash
      "$pbkdf2-sha256$i=4096,l=32$c2FsdA$",             // empty hash
      "$pbkdf2-sha256$i=4096,l=32$$xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o",
      "$pbkdf2-sha256$i=4096,l=32$c2F$xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o",
      "$pbkdf2-sha256$i=4096,l=32$c2FsdA==$xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o",
      "$pbkdf2-sha256$i=4096,l=32$c2FsdA$xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o=",
      "$pbkdf2-sha256$i=4096,l=32$c2FsdA$xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0p",
      "$pbkdf2-sha256$i=4096,l=32$c2FsdA$xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o!",
      "$pbkdf2-sha256$i=4096$c2FsdA$AAAAAAAAAAA",       // 8-byte hash: too short
      "$pbkdf2-sha256$i=4096$c2FsdA$" + std::string(87, 'A'), // 65 bytes
  };
  for (const auto& phc : bad) {
    INFO(phc);
    CHECK_FALSE(is_valid_phc(phc));
    CHECK_FALSE(verify_password("password", phc));
  }
  std::string nul_inside = good;
  nul_inside[20] = '\0';
  CHECK_FALSE(is_valid_phc(nul_inside));
}

TEST_CASE("env host keys are the SHA-1 of the whole SYNC_USER value") {
  CHECK(derive_env_host_key("user:pass") == "b2619aa1529dfdc4248e6edbf3c1b2a2b014cf6d");
  CHECK(derive_env_host_key("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST_CASE("random host keys are 32 lowercase hex digits and do not repeat") {
  std::set<std::string> keys;
  std::regex shape("[0-9a-f]{32}");
  for (int i = 0; i < 100; ++i) {
    auto key = random_host_key();
    CHECK(std::regex_match(key, shape));
    keys.insert(key);
  }
  CHECK(keys.size() == 100);
}

TEST_CASE("the login dummy hash costs what a real default hash costs") {
  CHECK(is_valid_phc(login_dummy_phc));
  CHECK(std::string(login_dummy_phc).starts_with(
      "$pbkdf2-sha256$i=" + std::to_string(default_pbkdf2_rounds) + ",l=32$"));
}
