// Media file names as clients send them (in `_meta`, downloadFiles, and
// stored names on disk). A name that passes is a single, NFC-normalised
// UTF-8 path segment of at most 255 bytes; NFC conversion is idempotent.
#include "fuzz_support.hpp"
#include "protocol/media_name.hpp"

using namespace ankisync;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto name = fuzz::as_text(data, size);
  const auto nfc = protocol::to_nfc(name);
  FUZZ_CHECK(protocol::to_nfc(nfc) == nfc);
  if (!protocol::check_media_name(name))
    return 0;
  FUZZ_CHECK(!name.empty() && name.size() <= protocol::max_media_name_bytes);
  FUZZ_CHECK(name != "." && name != "..");
  FUZZ_CHECK(name.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos);
  FUZZ_CHECK(nfc == name);
  return 0;
}
