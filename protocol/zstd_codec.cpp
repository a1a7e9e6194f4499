#include "protocol/zstd_codec.hpp"

#include <zstd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <new>

namespace ankisync::protocol {

namespace {

struct dstream_deleter {
  void operator()(ZSTD_DStream* s) const noexcept { ZSTD_freeDStream(s); }
};
struct cctx_deleter {
  void operator()(ZSTD_CCtx* c) const noexcept { ZSTD_freeCCtx(c); }
};
using dstream_ptr = std::unique_ptr<ZSTD_DStream, dstream_deleter>;
using cctx_ptr = std::unique_ptr<ZSTD_CCtx, cctx_deleter>;

// Every request and reply goes through zstd, and making a context for each
// allocated and cleared hundreds of KiB per request. Each thread keeps one
// of each, unless a large frame grew it past this (an idle server stays
// small).
constexpr std::size_t kept_context_bytes = 128 * 1024;

dstream_ptr& kept_dstream() {
  static thread_local dstream_ptr kept;
  return kept;
}

dstream_ptr take_dstream() {
  if (auto& kept = kept_dstream()) {
    // A decode that failed mid-frame left state behind.
    ZSTD_DCtx_reset(kept.get(), ZSTD_reset_session_only);
    return std::move(kept);
  }
  return dstream_ptr(ZSTD_createDStream());
}

void keep_dstream(dstream_ptr stream) {
  if (stream && ZSTD_sizeof_DStream(stream.get()) <= kept_context_bytes)
    kept_dstream() = std::move(stream);
}

sync_error zstd_failure(std::size_t code) {
  return make_error(error_code::bad_request,
                    std::string("invalid zstd body: ") + ZSTD_getErrorName(code));
}

// Decodes a compressed stream handed over in pieces, so that the file
// variant never holds the whole compressed input in memory.
class stream_decoder {
public:
  explicit stream_decoder(std::uint64_t limit) : limit_(limit), stream_(take_dstream()) {}
  ~stream_decoder() { keep_dstream(std::move(stream_)); }
  stream_decoder(const stream_decoder&) = delete;
  stream_decoder& operator=(const stream_decoder&) = delete;

  // False once the limit has been passed: the caller can stop reading.
  bool wants_more() const { return !full_; }

  std::expected<void, sync_error> feed(std::string_view chunk) {
    if (!stream_) return std::unexpected(make_error(error_code::server_error, "zstd: out of memory"));
    if (full_) return {};
    saw_input_ = saw_input_ || !chunk.empty();
    ZSTD_inBuffer input{chunk.data(), chunk.size(), 0};
    for (;;) {
      // No more room than the limit needs, plus one byte to prove a body
      // goes past it: a small body under a small cap (most requests) then
      // costs no 128 KiB buffer to allocate and clear.
      const std::uint64_t left = limit_ - std::min(limit_, produced_);
      const std::size_t step =
          left < ZSTD_DStreamOutSize() ? static_cast<std::size_t>(left) + 1 : ZSTD_DStreamOutSize();
      // Decode straight into the result to avoid copying large payloads.
      const std::size_t old_size = out_.size();
      grow_for(old_size + step);
      out_.resize(old_size + step);
      ZSTD_outBuffer output{out_.data() + old_size, step, 0};
      const std::size_t input_before = input.pos;
      const std::size_t ret = ZSTD_decompressStream(stream_.get(), &output, &input);
      if (ZSTD_isError(ret)) {
        out_.resize(old_size);
        return std::unexpected(zstd_failure(ret));
      }
      produced_ += output.pos;
      const std::uint64_t room = limit_ - std::min<std::uint64_t>(limit_, old_size);
      out_.resize(old_size + static_cast<std::size_t>(std::min<std::uint64_t>(output.pos, room)));
      // A call that neither read nor wrote anything says nothing about the
      // frame: after a frame that exactly filled the previous output
      // buffer (a payload of a multiple of 128 KiB) zstd answered 0, and
      // this extra call answers the size of a next frame's header.
      if (output.pos > 0 || input.pos != input_before) last_ret_ = ret;
      // Stop only once we hold proof that there is more than the limit, so
      // a payload of exactly `limit` bytes is still checked to its end.
      if (produced_ > limit_) {
        full_ = true;
        return {};
      }
      // A partly filled output buffer means zstd has flushed all it could
      // from the input given; a full one may leave data inside zstd.
      if (input.pos == input.size && output.pos < output.size) return {};
    }
  }

  std::expected<std::string, sync_error> finish() {
    if (!stream_) return std::unexpected(make_error(error_code::server_error, "zstd: out of memory"));
    if (full_) return std::move(out_);
    // Upstream rejects an empty v11 body rather than treating it as "{}".
    if (!saw_input_) return std::unexpected(make_error(error_code::bad_request, "empty zstd body"));
    // zstd returns 0 exactly when a frame has been decoded and flushed;
    // anything else at end of input means the sender stopped mid-frame.
    if (last_ret_ != 0)
      return std::unexpected(
          make_error(error_code::bad_request, "truncated zstd body: input ends inside a frame"));
    return std::move(out_);
  }

private:
  // std::string doubles its capacity, which near a 300 MB limit would
  // reserve twice that; never reserve more than the limit plus one step.
  void grow_for(std::size_t needed) {
    if (needed <= out_.capacity()) return;
    const std::uint64_t cap = limit_ + ZSTD_DStreamOutSize();
    const std::uint64_t doubled = 2 * static_cast<std::uint64_t>(out_.capacity());
    out_.reserve(static_cast<std::size_t>(std::max<std::uint64_t>(needed, std::min(doubled, cap))));
  }

  std::uint64_t limit_;
  dstream_ptr stream_;
  std::string out_;
  std::uint64_t produced_ = 0;
  std::size_t last_ret_ = 1;
  bool full_ = false;
  bool saw_input_ = false;
};

} // namespace

std::expected<std::string, sync_error> zstd_decompress(std::string_view in, std::uint64_t limit) {
  try {
    stream_decoder decoder(limit);
    if (auto fed = decoder.feed(in); !fed) return std::unexpected(fed.error());
    return decoder.finish();
  } catch (const std::bad_alloc&) {
    return std::unexpected(make_error(error_code::server_error, "zstd: out of memory"));
  }
}

std::expected<std::string, sync_error> zstd_decompress_file(const std::string& path,
                                                            std::uint64_t limit) {
  try {
    std::ifstream file(path, std::ios::binary);
    // The file is ours (net/ spilled the body there), so failing to read it
    // is a server fault, not the client's.
    if (!file) return std::unexpected(make_error(error_code::server_error, "cannot open body file: " + path));
    stream_decoder decoder(limit);
    std::string chunk(ZSTD_DStreamInSize(), '\0');
    while (decoder.wants_more()) {
      file.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      const auto got = static_cast<std::size_t>(file.gcount());
      if (got > 0) {
        if (auto fed = decoder.feed(std::string_view(chunk.data(), got)); !fed)
          return std::unexpected(fed.error());
      }
      if (!file) {
        if (file.eof()) break;
        return std::unexpected(make_error(error_code::server_error, "cannot read body file: " + path));
      }
    }
    return decoder.finish();
  } catch (const std::bad_alloc&) {
    return std::unexpected(make_error(error_code::server_error, "zstd: out of memory"));
  }
}

std::string zstd_compress(std::string_view in, int level) {
  static thread_local cctx_ptr kept;
  if (!kept) kept.reset(ZSTD_createCCtx());
  if (!kept) throw std::bad_alloc();
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const std::size_t n =
      ZSTD_compressCCtx(kept.get(), out.data(), out.size(), in.data(), in.size(), level);
  if (ZSTD_sizeof_CCtx(kept.get()) > kept_context_bytes) kept.reset();
  // With a bound-sized buffer and levels clamped by zstd, the only failure
  // left is zstd failing to allocate; report it the way std::string would.
  if (ZSTD_isError(n)) throw std::bad_alloc();
  out.resize(n);
  return out;
}

} // namespace ankisync::protocol
