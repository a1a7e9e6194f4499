#include "protocol/media_name.hpp"

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <string>
#include <vector>

namespace ankisync::protocol {
namespace {

sync_error bad_name(std::string_view rule, std::string_view name) {
  return make_error(error_code::bad_request,
                    "bad media filename (" + std::string(rule) + "): " + std::string(name));
}

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past
// U+10FFFF. ICU's converter would substitute some of these instead of
// failing, so the check is done here first.
bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (n - i < len) return false;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b1 < lo || b1 > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < 0x80 || b > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

// UTF-16 for ICU; the input must already be valid UTF-8.
bool to_utf16(std::string_view utf8, std::vector<UChar>& out) {
  UErrorCode status = U_ZERO_ERROR;
  int32_t needed = 0;
  u_strFromUTF8(nullptr, 0, &needed, utf8.data(), static_cast<int32_t>(utf8.size()), &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) return false;
  out.assign(static_cast<std::size_t>(needed) + 1, 0);
  status = U_ZERO_ERROR;
  u_strFromUTF8(out.data(), static_cast<int32_t>(out.size()), &needed, utf8.data(),
                static_cast<int32_t>(utf8.size()), &status);
  if (U_FAILURE(status)) return false;
  out.resize(static_cast<std::size_t>(needed));
  return true;
}

bool to_utf8(const std::vector<UChar>& utf16, std::string& out) {
  UErrorCode status = U_ZERO_ERROR;
  int32_t needed = 0;
  u_strToUTF8(nullptr, 0, &needed, utf16.data(), static_cast<int32_t>(utf16.size()), &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) return false;
  out.assign(static_cast<std::size_t>(needed) + 1, '\0');
  status = U_ZERO_ERROR;
  u_strToUTF8(out.data(), static_cast<int32_t>(out.size()), &needed, utf16.data(),
              static_cast<int32_t>(utf16.size()), &status);
  if (U_FAILURE(status)) return false;
  out.resize(static_cast<std::size_t>(needed));
  return true;
}

const UNormalizer2* nfc() {
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2* n = unorm2_getNFCInstance(&status);
  return U_SUCCESS(status) ? n : nullptr;
}

// Names are at most 255 bytes, so the whole check stays small.
bool is_nfc(std::string_view utf8) {
  std::vector<UChar> u16;
  if (!to_utf16(utf8, u16)) return false;
  const UNormalizer2* n = nfc();
  if (!n) return false;
  UErrorCode status = U_ZERO_ERROR;
  const UBool ok = unorm2_isNormalized(n, u16.data(), static_cast<int32_t>(u16.size()), &status);
  return U_SUCCESS(status) && ok;
}

} // namespace

std::expected<void, sync_error> check_media_name(std::string_view name) {
  if (name.empty()) return std::unexpected(bad_name("empty", name));
  if (name.size() > max_media_name_bytes)
    return std::unexpected(
        bad_name("longer than 255 bytes: " + std::to_string(name.size()), name.substr(0, 64)));
  if (name == "." || name == "..") return std::unexpected(bad_name("a folder name", name));
  for (char c : name) {
    if (c == '/' || c == '\\') return std::unexpected(bad_name("path separator", name));
    if (c == '\0') return std::unexpected(bad_name("NUL byte", name));
  }
  if (!is_valid_utf8(name)) return std::unexpected(bad_name("not UTF-8", name));
  if (!is_nfc(name)) return std::unexpected(bad_name("not NFC", name));
  return {};
}

std::string to_nfc(std::string_view utf8) {
  if (!is_valid_utf8(utf8)) return {};
  std::vector<UChar> in;
  if (!to_utf16(utf8, in)) return {};
  const UNormalizer2* n = nfc();
  if (!n) return {};
  UErrorCode status = U_ZERO_ERROR;
  int32_t needed = unorm2_normalize(n, in.data(), static_cast<int32_t>(in.size()), nullptr, 0,
                                    &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) return {};
  std::vector<UChar> out(static_cast<std::size_t>(needed) + 1, 0);
  status = U_ZERO_ERROR;
  needed = unorm2_normalize(n, in.data(), static_cast<int32_t>(in.size()), out.data(),
                            static_cast<int32_t>(out.size()), &status);
  if (U_FAILURE(status)) return {};
  out.resize(static_cast<std::size_t>(needed));
  std::string result;
  if (!to_utf8(out, result)) return {};
  return result;
}

} // namespace ankisync::protocol
