#include <catch2/catch.hpp>

#include <openssl/sha.h>

#include <string>

#include "storage/ankicommunity_password.hpp"
#include "storage/password_hash.hpp"

using namespace ankisync::storage;

namespace {

// auth.db's value as ankisyncd writes it: hex(sha256(user + password +
// salt)) + salt, computed here with OpenSSL, independently of the code
// under test.
std::string ankisyncd_hash(const std::string& user, const std::string& password,
                           const std::string& salt) {
  const std::string input = user + password + salt;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out + salt;
}

} // namespace

TEST_CASE("an ankisyncd hash verifies its own password and nothing else") {
  const auto stored = ankicommunity_stored_hash(ankisyncd_hash("alice", "s3cret", "0123456789abcdef"));
  REQUIRE(is_ankicommunity_hash(stored));
  CHECK(verify_ankicommunity_password("alice", "s3cret", stored));
  CHECK_FALSE(verify_ankicommunity_password("alice", "s3cret!", stored));
  CHECK_FALSE(verify_ankicommunity_password("alice", "", stored));
  // The name is part of the hash: another user with the same value fails.
  CHECK_FALSE(verify_ankicommunity_password("bob", "s3cret", stored));
}

TEST_CASE("an ankisyncd hash of a non-ASCII password verifies with its UTF-8 bytes") {
  const std::string password = "p\xC3\xA4ss\xE2\x82\xAC"; // "päss€"
  const auto stored = ankicommunity_stored_hash(ankisyncd_hash("j\xC3\xBCrgen", password, "a1b2c3d4e5f60718"));
  CHECK(verify_ankicommunity_password("j\xC3\xBCrgen", password, stored));
}

TEST_CASE("the users.db form is the auth.db value behind a prefix no PHC parser accepts") {
  const auto value = ankisyncd_hash("u", "p", "ffffffffffffffff");
  const auto stored = ankicommunity_stored_hash(value);
  CHECK(stored == std::string(ankicommunity_hash_prefix) + value);
  CHECK_FALSE(is_valid_phc(stored));
  CHECK_FALSE(verify_password("p", stored));
}

TEST_CASE("values without ankisyncd's shape are refused") {
  const auto good = ankisyncd_hash("u", "p", "0011223344556677");
  CHECK(ankicommunity_stored_hash("").empty());
  CHECK(ankicommunity_stored_hash(good.substr(1)).empty());       // one character short
  CHECK(ankicommunity_stored_hash(good + "0").empty());           // one too many
  std::string upper = good;
  upper[0] = 'A';
  CHECK(ankicommunity_stored_hash(upper).empty());                // hexdigest is lowercase
  CHECK_FALSE(is_ankicommunity_hash(good));                       // no prefix
  CHECK_FALSE(verify_ankicommunity_password("u", "p", good));
  CHECK_FALSE(verify_ankicommunity_password("u", "p", hash_password("p", 1000)));
}
