#include "protocol/gzip_codec.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <vector>

#include "protocol/body_reader.hpp"

namespace ankisync::protocol {
namespace {

// 15 bits of window, +16: expect a gzip header and trailer (CRC32, ISIZE).
constexpr int gzip_window_bits = 15 + 16;
constexpr std::size_t out_piece = 64 * 1024;

sync_error invalid_gzip(std::string_view detail) {
  return make_error(error_code::bad_request, "invalid gzip: " + std::string(detail));
}

std::unexpected<sync_error> io_error(const std::string& what) {
  return std::unexpected(make_error(error_code::server_error, what));
}

struct inflate_stream {
  z_stream zs{};
  bool ready = false;
  inflate_stream() { ready = inflateInit2(&zs, gzip_window_bits) == Z_OK; }
  ~inflate_stream() {
    if (ready)
      inflateEnd(&zs);
  }
  inflate_stream(const inflate_stream&) = delete;
  inflate_stream& operator=(const inflate_stream&) = delete;
};

// Output of the decoder goes here, piece by piece. An error stops decoding.
using sink_fn = std::function<std::expected<void, sync_error>(std::string_view)>;

// Decodes one gzip member read from `in`, handing at most `limit` bytes of
// output to `sink`. Returns whether the member would have produced more
// than `limit` (decoding then stops early, unchecked, as upstream does).
std::expected<bool, sync_error> inflate_all(body_reader& in, const sink_fn& sink,
                                            std::uint64_t limit) {
  inflate_stream s;
  if (!s.ready)
    return std::unexpected(make_error(error_code::server_error, "gzip: out of memory"));
  std::vector<unsigned char> out(out_piece);
  std::uint64_t produced = 0;
  bool any_input = false;

  // Hands `n` decoded bytes on; true when the limit was passed.
  auto emit = [&](std::size_t n) -> std::expected<bool, sync_error> {
    if (n == 0)
      return false;
    const std::uint64_t room = limit - std::min(limit, produced);
    const bool over = n > room;
    const auto keep = static_cast<std::size_t>(std::min<std::uint64_t>(n, room));
    if (keep > 0)
      if (auto r = sink(std::string_view(reinterpret_cast<const char*>(out.data()), keep)); !r)
        return std::unexpected(r.error());
    produced += keep;
    return over;
  };

  for (;;) {
    auto piece = in.next();
    if (!piece)
      return std::unexpected(piece.error());
    if (piece->empty())
      break;
    any_input = true;
    s.zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece->data()));
    s.zs.avail_in = static_cast<uInt>(piece->size());
    for (;;) {
      s.zs.next_out = out.data();
      s.zs.avail_out = static_cast<uInt>(out.size());
      const int rc = inflate(&s.zs, Z_NO_FLUSH);
      const std::size_t got = out.size() - s.zs.avail_out;
      if (rc == Z_MEM_ERROR)
        return std::unexpected(make_error(error_code::server_error, "gzip: out of memory"));
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        return std::unexpected(invalid_gzip(s.zs.msg ? s.zs.msg : "corrupt data"));
      auto over = emit(got);
      if (!over)
        return std::unexpected(over.error());
      if (*over)
        return true;
      // One member, as upstream decodes: whatever follows it is ignored.
      if (rc == Z_STREAM_END)
        return false;
      // Z_BUF_ERROR: no progress without more input. A partly filled output
      // buffer with the input used up means the same.
      if (rc == Z_BUF_ERROR || (s.zs.avail_in == 0 && s.zs.avail_out != 0))
        break;
    }
  }
  return std::unexpected(invalid_gzip(any_input ? "truncated" : "empty"));
}

std::expected<std::string, sync_error> decompress_to_string(body_reader& in, std::uint64_t limit) {
  std::string out;
  auto append = [&](std::string_view piece) -> std::expected<void, sync_error> {
    const std::size_t needed = out.size() + piece.size();
    if (needed > out.capacity()) {
      // Never reserve much past the limit, which std::string's doubling
      // would do near a 300 MB payload.
      const std::uint64_t doubled = 2 * static_cast<std::uint64_t>(out.capacity());
      const std::uint64_t cap = std::max<std::uint64_t>(needed, std::min(doubled, limit));
      out.reserve(static_cast<std::size_t>(cap));
    }
    out.append(piece);
    return {};
  };
  try {
    auto r = inflate_all(in, append, limit);
    if (!r)
      return std::unexpected(r.error());
    return out;
  } catch (const std::bad_alloc&) {
    return std::unexpected(make_error(error_code::server_error, "gzip: out of memory"));
  }
}

struct file_closer {
  void operator()(std::FILE* f) const noexcept {
    if (f)
      std::fclose(f);
  }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

} // namespace

std::expected<std::string, sync_error> gzip_decompress(std::string_view in, std::uint64_t limit) {
  auto reader = body_reader::open(in, {});
  if (!reader)
    return std::unexpected(reader.error());
  return decompress_to_string(*reader, limit);
}

std::expected<std::string, sync_error> gzip_decompress_file(const std::string& path,
                                                            std::uint64_t limit) {
  auto reader = body_reader::open({}, path);
  if (!reader)
    return std::unexpected(reader.error());
  return decompress_to_string(*reader, limit);
}

std::expected<decoded_file, sync_error> gzip_decompress_to_file(std::string_view in_bytes,
                                                                const std::string& in_file,
                                                                const std::string& out_path,
                                                                std::uint64_t limit) {
  auto reader = body_reader::open(in_bytes, in_file);
  if (!reader)
    return std::unexpected(reader.error());
  file_ptr out(std::fopen(out_path.c_str(), "wb"));
  if (!out)
    return io_error("cannot create " + out_path);
  decoded_file result;
  auto write = [&](std::string_view piece) -> std::expected<void, sync_error> {
    if (std::fwrite(piece.data(), 1, piece.size(), out.get()) != piece.size())
      return io_error("cannot write " + out_path);
    result.size += piece.size();
    return {};
  };
  auto r = inflate_all(*reader, write, limit);
  if (!r)
    return std::unexpected(r.error());
  result.hit_limit = *r;
  if (std::fflush(out.get()) != 0)
    return io_error("cannot write " + out_path);
  return result;
}

std::string gzip_compress(std::string_view in, int level) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, gzip_window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::bad_alloc();
  std::string out;
  std::vector<unsigned char> buf(out_piece);
  // deflate takes uInt lengths: feed large inputs in slices.
  constexpr std::size_t max_slice = std::numeric_limits<uInt>::max() / 2;
  std::size_t offset = 0;
  int rc = Z_OK;
  do {
    const std::size_t n = std::min(max_slice, in.size() - offset);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + offset));
    zs.avail_in = static_cast<uInt>(n);
    offset += n;
    const int flush = offset == in.size() ? Z_FINISH : Z_NO_FLUSH;
    do {
      zs.next_out = buf.data();
      zs.avail_out = static_cast<uInt>(buf.size());
      rc = deflate(&zs, flush);
      out.append(reinterpret_cast<const char*>(buf.data()), buf.size() - zs.avail_out);
    } while (zs.avail_out == 0);
  } while (offset < in.size());
  deflateEnd(&zs);
  if (rc != Z_STREAM_END)
    throw std::bad_alloc();
  return out;
}

std::expected<std::uint64_t, sync_error> gzip_compress_file(const std::string& in_path,
                                                            const std::string& out_path,
                                                            int level) {
  file_ptr in(std::fopen(in_path.c_str(), "rb"));
  if (!in)
    return io_error("cannot read " + in_path);
  file_ptr out(std::fopen(out_path.c_str(), "wb"));
  if (!out)
    return io_error("cannot create " + out_path);
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, gzip_window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return io_error("gzip: cannot start the compressor");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&zs, &deflateEnd);
  std::vector<unsigned char> in_buf(out_piece), out_buf(out_piece);
  std::uint64_t written = 0;
  int flush = Z_NO_FLUSH;
  while (flush != Z_FINISH) {
    const auto n = std::fread(in_buf.data(), 1, in_buf.size(), in.get());
    if (n == 0 && std::ferror(in.get()))
      return io_error("cannot read " + in_path);
    flush = std::feof(in.get()) ? Z_FINISH : Z_NO_FLUSH;
    zs.next_in = in_buf.data();
    zs.avail_in = static_cast<uInt>(n);
    do {
      zs.next_out = out_buf.data();
      zs.avail_out = static_cast<uInt>(out_buf.size());
      deflate(&zs, flush);
      const std::size_t have = out_buf.size() - zs.avail_out;
      if (have && std::fwrite(out_buf.data(), 1, have, out.get()) != have)
        return io_error("cannot write " + out_path);
      written += have;
    } while (zs.avail_out == 0);
  }
  if (std::fflush(out.get()) != 0)
    return io_error("cannot write " + out_path);
  return written;
}

} // namespace ankisync::protocol
