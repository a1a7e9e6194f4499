#pragma once

#include <openssl/sha.h>

#include <string>
#include <string_view>

namespace ankisync::storage::test {

// The raw 20-byte SHA-1 of `bytes`, computed by OpenSSL: an implementation
// independent of the one under test.
inline std::string sha1_of(std::string_view bytes) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

} // namespace ankisync::storage::test
