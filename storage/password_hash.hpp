#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ankisync::storage {

// PBKDF2-HMAC-SHA256 with 600,000 rounds and a 32-byte output: the
// parameters the official server uses, so PHC strings move both ways.
inline constexpr std::uint32_t default_pbkdf2_rounds = 600'000;

// A PHC string "$pbkdf2-sha256$i=<rounds>,l=32$<salt>$<hash>" (unpadded
// standard base64) with a fresh random 16-byte salt. Empty (never a valid
// PHC string) if rounds is 0 or above INT_MAX, or the system random source
// fails.
std::string hash_password(std::string_view password,
                          std::uint32_t rounds = default_pbkdf2_rounds);

// Same, with a given salt (already in its PHC base64 form). The official
// server hashes SYNC_USERn passwords with a fixed salt this way. The salt's
// *decoded* bytes go into PBKDF2, as in the pbkdf2 crate. Empty if the salt
// is not 4-64 characters of canonical unpadded base64, or rounds is 0 or
// above INT_MAX (OpenSSL counts rounds in an int).
std::string hash_password_with_salt(std::string_view password, std::string_view b64_salt,
                                    std::uint32_t rounds = default_pbkdf2_rounds);

// Verifies against "$pbkdf2-sha256$..." or "$pbkdf2-sha512$..." PHC strings.
// A malformed string verifies as false (upstream panics). Constant-time compare.
// Params "i" and "l" in any order; without "l" the stored hash's length is
// used, without "i" the crate's default of 600,000 rounds.
bool verify_password(std::string_view password, std::string_view phc);

// True when `phc` parses as a PBKDF2 PHC string we can verify.
bool is_valid_phc(std::string_view phc);

// Host key the official server derives for a SYNC_USERn entry: lowercase hex
// SHA-1 of the whole value ("user:pass" or "user:<PHC>"). Persisted by
// clients: do not change.
std::string derive_env_host_key(std::string_view env_value);

// A new random host key: 32 lowercase hex digits from 128 random bits.
// Empty if the system's random source fails.
std::string random_host_key();

} // namespace ankisync::storage
