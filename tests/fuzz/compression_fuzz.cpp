// gzip (legacy bodies) and zstd (v11 bodies) decoders under their size
// caps, in memory and straight to a file as full uploads are decoded.
// Input: a byte choosing codec and sink, a byte choosing the cap, then the
// compressed bytes. Whatever the input (bombs included), the output never
// exceeds the cap; and compressing the input then decoding it gives it back.
#include "fuzz_support.hpp"
#include "protocol/body_file.hpp"
#include "protocol/gzip_codec.hpp"
#include "protocol/zstd_codec.hpp"

using namespace ankisync;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2)
    return 0;
  const bool gzip = data[0] & 1;
  const bool to_file = data[0] & 2;
  // Caps from 0 to about 1 MiB, the small ones most often.
  const std::uint64_t cap = static_cast<std::uint64_t>(data[1]) * data[1] * 16;
  const auto in = fuzz::as_text(data + 2, size - 2);

  if (!to_file) {
    auto out = gzip ? protocol::gzip_decompress(in, cap) : protocol::zstd_decompress(in, cap);
    if (out)
      FUZZ_CHECK(out->size() <= cap);
  } else {
    const auto path = (fuzz::scratch_dir() / "decoded").string();
    auto out = protocol::decode_body_to_file(
        gzip ? protocol::body_encoding::gzip : protocol::body_encoding::zstd, in, {}, path, cap);
    if (out) {
      FUZZ_CHECK(out->size <= cap);
      std::error_code ec;
      FUZZ_CHECK(std::filesystem::file_size(path, ec) == out->size && !ec);
    }
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }

  // Round trip, with the cap exactly the size: at the cap is not over it.
  const auto packed = gzip ? protocol::gzip_compress(in, 1) : protocol::zstd_compress(in, 1);
  auto unpacked =
      gzip ? protocol::gzip_decompress(packed, in.size()) : protocol::zstd_decompress(packed, in.size());
  FUZZ_CHECK(unpacked && *unpacked == in);
  return 0;
}
