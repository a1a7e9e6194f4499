#include "storage/ankicommunity_password.hpp"

#include <nettle/memops.h>
#include <nettle/sha2.h>

#include <array>
#include <cstdint>

namespace ankisync::storage {

namespace {

// ankisyncd's salt is 8 random bytes written as 16 hex digits; the digest
// is sha256's 32 bytes as 64 lowercase hex digits (Python's hexdigest).
constexpr std::size_t salt_chars = 16;
constexpr std::size_t digest_chars = 64;

bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

bool has_auth_shape(std::string_view value) {
  return value.size() == digest_chars + salt_chars && is_lower_hex(value.substr(0, digest_chars));
}

std::string sha256_hex(std::string_view a, std::string_view b, std::string_view c) {
  sha256_ctx ctx;
  sha256_init(&ctx);
  for (auto part : {a, b, c})
    sha256_update(&ctx, part.size(), reinterpret_cast<const std::uint8_t*>(part.data()));
  std::array<std::uint8_t, SHA256_DIGEST_SIZE> digest{};
  sha256_digest(&ctx, digest.size(), digest.data());
  constexpr std::string_view digits = "0123456789abcdef";
  std::string out;
  out.reserve(digest_chars);
  for (auto byte : digest) {
    out.push_back(digits[byte >> 4]);
    out.push_back(digits[byte & 0x0f]);
  }
  return out;
}

} // namespace

std::string ankicommunity_stored_hash(std::string_view auth_db_hash) {
  if (!has_auth_shape(auth_db_hash)) return {};
  std::string stored(ankicommunity_hash_prefix);
  stored.append(auth_db_hash);
  return stored;
}

bool is_ankicommunity_hash(std::string_view stored) {
  return stored.starts_with(ankicommunity_hash_prefix) &&
         has_auth_shape(stored.substr(ankicommunity_hash_prefix.size()));
}

bool verify_ankicommunity_password(std::string_view username, std::string_view password,
                                   std::string_view stored) {
  try {
    if (!is_ankicommunity_hash(stored)) return false;
    const auto value = stored.substr(ankicommunity_hash_prefix.size());
    const auto expected = value.substr(0, digest_chars);
    const auto salt = value.substr(digest_chars);
    // ankisyncd hashes the UTF-8 bytes of the three strings run together.
    const auto computed = sha256_hex(username, password, salt);
    return memeql_sec(computed.data(), expected.data(), digest_chars) != 0;
  } catch (...) {
    return false; // only bad_alloc can get here
  }
}

} // namespace ankisync::storage
