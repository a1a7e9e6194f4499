#include "storage/password_hash.hpp"

#include <nettle/memops.h>
#include <nettle/pbkdf2.h>
#include <nettle/sha1.h>

#include <array>
#include <charconv>
#include <climits>
#include <optional>
#include <span>
#include <vector>

#include "storage/b64.hpp"
#include "storage/secure_random.hpp"

// Salt encoding, checked against the sources of pbkdf2 0.12.2 (src/simple.rs)
// and password-hash 0.5: `Pbkdf2::hash_password_customized` calls
// `salt.decode_b64(&mut salt_arr)` and feeds the *decoded* bytes to PBKDF2;
// the PHC string keeps the B64 text. The crate's own test vector agrees:
// salt "c2FsdA" (= "salt"), "password", 4096 rounds expects the well-known
// PBKDF2-HMAC-SHA256 result (c5e478d5...) for the 4-byte salt "salt"; a
// salt of the six ASCII bytes "c2FsdA" would not. So the official server's
// fixed salt "tonuvYGpksNFQBlEmm3lxg" means 16 raw bytes, not 22 ASCII ones.

namespace ankisync::storage {

namespace {

// Limits the password-hash crate puts on the PHC fields, so a string we
// accept is one the official server accepts too.
constexpr std::size_t salt_b64_min = 4;
constexpr std::size_t salt_b64_max = 64;
constexpr std::size_t output_min = 10;
constexpr std::size_t output_max = 64;
constexpr std::size_t salt_bytes = 16;
constexpr std::size_t sha256_output = 32;

enum class prf { sha256, sha512 };

struct phc_parts {
  prf digest = prf::sha256;
  std::uint32_t rounds = default_pbkdf2_rounds;
  std::vector<unsigned char> salt;
  std::vector<unsigned char> hash;
};

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  while (true) {
    auto at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

// PHC decimals: digits only, no leading zero, fits in 32 bits.
std::optional<std::uint32_t> parse_decimal(std::string_view s) {
  if (s.empty() || (s.size() > 1 && s.front() == '0')) return std::nullopt;
  std::uint32_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<std::vector<unsigned char>> decode_salt(std::string_view b64) {
  if (b64.size() < salt_b64_min || b64.size() > salt_b64_max) return std::nullopt;
  return b64_decode(b64);
}

// Fills `parts.rounds` from "i=<rounds>,l=<len>" (either order, each optional,
// no repeats, nothing else) and `length` from l when given.
bool parse_params(std::string_view text, phc_parts& parts,
                  std::optional<std::uint32_t>& length) {
  bool seen_rounds = false;
  for (auto item : split(text, ',')) {
    auto eq = item.find('=');
    if (eq == std::string_view::npos) return false;
    auto key = item.substr(0, eq);
    auto value = parse_decimal(item.substr(eq + 1));
    if (!value) return false;
    if (key == "i" && !seen_rounds) {
      seen_rounds = true;
      parts.rounds = *value;
    } else if (key == "l" && !length) {
      length = *value;
    } else {
      return false;
    }
  }
  return true;
}

std::optional<phc_parts> parse_phc(std::string_view phc) {
  if (phc.empty() || phc.front() != '$') return std::nullopt;
  auto fields = split(phc.substr(1), '$');
  // $alg$params$salt$hash, or $alg$salt$hash with every parameter defaulted
  // (the crate accepts that; it never writes it).
  if (fields.size() != 3 && fields.size() != 4) return std::nullopt;

  phc_parts parts;
  if (fields[0] == "pbkdf2-sha256") parts.digest = prf::sha256;
  else if (fields[0] == "pbkdf2-sha512") parts.digest = prf::sha512;
  else return std::nullopt;

  std::optional<std::uint32_t> length;
  if (fields.size() == 4) {
    // A "v=" version field would land here too; PBKDF2 has none, so the
    // parser's refusal of unknown keys rejects it, as upstream does.
    if (!parse_params(fields[1], parts, length)) return std::nullopt;
  } else if (fields[1].find('=') != std::string_view::npos) {
    return std::nullopt; // params and salt but no hash
  }
  // Kept from the first implementation, which counted rounds in an int:
  // no stored hash needs more.
  if (parts.rounds == 0 || parts.rounds > INT_MAX) return std::nullopt;

  auto salt = decode_salt(fields[fields.size() - 2]);
  auto hash = b64_decode(fields.back());
  if (!salt || !hash) return std::nullopt;
  if (hash->size() < output_min || hash->size() > output_max) return std::nullopt;
  // Without l the stored hash fixes the length: that covers upstream's
  // default of 32 for either digest and the 64 bytes sha512 users write.
  if (length && *length != hash->size()) return std::nullopt;
  parts.salt = std::move(*salt);
  parts.hash = std::move(*hash);
  return parts;
}

bool pbkdf2(prf digest, std::string_view password, std::span<const unsigned char> salt,
            std::uint32_t rounds, std::span<unsigned char> out) {
  if (password.size() > INT_MAX || rounds == 0 || rounds > INT_MAX) return false;
  const auto* key = reinterpret_cast<const std::uint8_t*>(password.data());
  if (digest == prf::sha256)
    pbkdf2_hmac_sha256(password.size(), key, rounds, salt.size(), salt.data(), out.size(),
                       out.data());
  else
    pbkdf2_hmac_sha512(password.size(), key, rounds, salt.size(), salt.data(), out.size(),
                       out.data());
  return true;
}

std::string hex(std::span<const unsigned char> bytes) {
  constexpr std::string_view digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0f]);
  }
  return out;
}

} // namespace

std::string hash_password(std::string_view password, std::uint32_t rounds) {
  std::array<unsigned char, salt_bytes> salt{};
  if (!random_bytes(salt)) return {};
  return hash_password_with_salt(password, b64_encode(salt), rounds);
}

std::string hash_password_with_salt(std::string_view password, std::string_view b64_salt,
                                    std::uint32_t rounds) {
  try {
    auto salt = decode_salt(b64_salt);
    if (!salt) return {};
    std::array<unsigned char, sha256_output> out{};
    if (!pbkdf2(prf::sha256, password, *salt, rounds, out)) return {};
    std::string phc = "$pbkdf2-sha256$i=" + std::to_string(rounds) + ",l=" +
                      std::to_string(sha256_output) + "$";
    phc.append(b64_salt);
    phc.push_back('$');
    phc.append(b64_encode(out));
    return phc;
  } catch (...) {
    return {}; // only bad_alloc can get here
  }
}

bool verify_password(std::string_view password, std::string_view phc) {
  try {
    auto parts = parse_phc(phc);
    if (!parts) return false;
    std::vector<unsigned char> computed(parts->hash.size());
    if (!pbkdf2(parts->digest, password, parts->salt, parts->rounds, computed)) return false;
    return memeql_sec(computed.data(), parts->hash.data(), computed.size()) != 0;
  } catch (...) {
    return false;
  }
}

bool is_valid_phc(std::string_view phc) {
  try {
    return parse_phc(phc).has_value();
  } catch (...) {
    return false;
  }
}

std::string derive_env_host_key(std::string_view env_value) {
  sha1_ctx ctx;
  sha1_init(&ctx);
  sha1_update(&ctx, env_value.size(), reinterpret_cast<const std::uint8_t*>(env_value.data()));
  std::array<unsigned char, SHA1_DIGEST_SIZE> digest{};
  sha1_digest(&ctx, digest.size(), digest.data());
  return hex(digest);
}

std::string random_host_key() {
  std::array<unsigned char, 16> bytes{};
  if (!random_bytes(bytes)) return {};
  return hex(bytes);
}

} // namespace ankisync::storage
