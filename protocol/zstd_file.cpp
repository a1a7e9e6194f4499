#include "protocol/zstd_file.hpp"

#include <zstd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <vector>

namespace ankisync::protocol {
namespace {

struct file_closer {
  void operator()(std::FILE* f) const noexcept {
    if (f)
      std::fclose(f);
  }
};
using file_ptr = std::unique_ptr<std::FILE, file_closer>;

std::unexpected<sync_error> io_error(const std::string& what) {
  return std::unexpected(make_error(error_code::server_error, what));
}

} // namespace

std::expected<decoded_file, sync_error> zstd_decompress_to_file(std::string_view in_bytes,
                                                                const std::string& in_file,
                                                                const std::string& out_path,
                                                                std::uint64_t limit) {
  file_ptr in;
  if (!in_file.empty()) {
    in.reset(std::fopen(in_file.c_str(), "rb"));
    if (!in)
      return io_error("cannot read the request body file");
  }
  file_ptr out(std::fopen(out_path.c_str(), "wb"));
  if (!out)
    return io_error("cannot create " + out_path);
  std::unique_ptr<ZSTD_DStream, decltype(&ZSTD_freeDStream)> stream(ZSTD_createDStream(),
                                                                     &ZSTD_freeDStream);
  if (!stream)
    return io_error("zstd: out of memory");

  std::vector<char> in_buf(in ? ZSTD_DStreamInSize() : 0);
  std::vector<char> out_buf(ZSTD_DStreamOutSize());
  decoded_file result;
  std::size_t last = 0;
  bool any_input = false;
  std::size_t offset = 0;
  for (;;) {
    ZSTD_inBuffer input{nullptr, 0, 0};
    if (in) {
      const auto n = std::fread(in_buf.data(), 1, in_buf.size(), in.get());
      if (n == 0) {
        if (std::ferror(in.get()))
          return io_error("cannot read the request body file");
        break;
      }
      input = {in_buf.data(), n, 0};
    } else {
      if (offset >= in_bytes.size())
        break;
      const auto n = std::min(in_bytes.size() - offset, ZSTD_DStreamInSize());
      input = {in_bytes.data() + offset, n, 0};
      offset += n;
    }
    any_input = true;
    while (input.pos < input.size) {
      ZSTD_outBuffer output{out_buf.data(), out_buf.size(), 0};
      last = ZSTD_decompressStream(stream.get(), &output, &input);
      if (ZSTD_isError(last))
        return std::unexpected(make_error(error_code::bad_request,
                                          std::string("invalid zstd body: ") +
                                              ZSTD_getErrorName(last)));
      if (result.size + output.pos > limit) {
        result.hit_limit = true;
        return result;
      }
      if (output.pos && std::fwrite(out_buf.data(), 1, output.pos, out.get()) != output.pos)
        return std::unexpected(write_failure("cannot write " + out_path, errno));
      result.size += output.pos;
    }
  }
  // A frame not yet complete may still hold output that did not fit the
  // buffer; anything else missing means the body was cut short.
  while (any_input && last != 0) {
    ZSTD_inBuffer input{nullptr, 0, 0};
    ZSTD_outBuffer output{out_buf.data(), out_buf.size(), 0};
    last = ZSTD_decompressStream(stream.get(), &output, &input);
    if (ZSTD_isError(last) || output.pos == 0)
      break;
    if (result.size + output.pos > limit) {
      result.hit_limit = true;
      return result;
    }
    if (std::fwrite(out_buf.data(), 1, output.pos, out.get()) != output.pos)
      return std::unexpected(write_failure("cannot write " + out_path, errno));
    result.size += output.pos;
  }
  if (!any_input || last != 0)
    return std::unexpected(
        make_error(error_code::bad_request, "invalid zstd body: truncated or empty"));
  if (std::fflush(out.get()) != 0)
    return std::unexpected(write_failure("cannot write " + out_path, errno));
  return result;
}

std::expected<std::uint64_t, sync_error> zstd_compress_file(const std::string& in_path,
                                                            const std::string& out_path,
                                                            int level) {
  file_ptr in(std::fopen(in_path.c_str(), "rb"));
  if (!in)
    return io_error("cannot read " + in_path);
  file_ptr out(std::fopen(out_path.c_str(), "wb"));
  if (!out)
    return io_error("cannot create " + out_path);
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> ctx(ZSTD_createCCtx(), &ZSTD_freeCCtx);
  if (!ctx)
    return io_error("zstd: out of memory");
  ZSTD_CCtx_setParameter(ctx.get(), ZSTD_c_compressionLevel, level);
  std::vector<char> in_buf(ZSTD_CStreamInSize());
  std::vector<char> out_buf(ZSTD_CStreamOutSize());
  std::uint64_t written = 0;
  bool done = false;
  while (!done) {
    const auto n = std::fread(in_buf.data(), 1, in_buf.size(), in.get());
    if (n == 0 && std::ferror(in.get()))
      return io_error("cannot read " + in_path);
    const bool last = n < in_buf.size();
    const auto mode = last ? ZSTD_e_end : ZSTD_e_continue;
    ZSTD_inBuffer input{in_buf.data(), n, 0};
    bool finished = false;
    while (!finished) {
      ZSTD_outBuffer output{out_buf.data(), out_buf.size(), 0};
      const auto remaining = ZSTD_compressStream2(ctx.get(), &output, &input, mode);
      if (ZSTD_isError(remaining))
        return io_error(std::string("zstd: ") + ZSTD_getErrorName(remaining));
      if (output.pos && std::fwrite(out_buf.data(), 1, output.pos, out.get()) != output.pos)
        return std::unexpected(write_failure("cannot write " + out_path, errno));
      written += output.pos;
      finished = last ? remaining == 0 : input.pos == input.size;
    }
    done = last;
  }
  if (std::fflush(out.get()) != 0)
    return std::unexpected(write_failure("cannot write " + out_path, errno));
  return written;
}

} // namespace ankisync::protocol

namespace ankisync::protocol {

struct zstd_file_writer::impl {
  std::string path;
  file_ptr out;
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> ctx{nullptr, &ZSTD_freeCCtx};
  std::vector<char> out_buf;
  std::uint64_t in = 0;
  std::uint64_t written = 0;
  bool finished = false;

  // Runs the compressor over `input` with `mode`, writing what it emits.
  std::expected<void, sync_error> pump(ZSTD_inBuffer& input, ZSTD_EndDirective mode) {
    for (;;) {
      ZSTD_outBuffer output{out_buf.data(), out_buf.size(), 0};
      const auto remaining = ZSTD_compressStream2(ctx.get(), &output, &input, mode);
      if (ZSTD_isError(remaining))
        return io_error(std::string("zstd: ") + ZSTD_getErrorName(remaining));
      if (output.pos && std::fwrite(out_buf.data(), 1, output.pos, out.get()) != output.pos)
        return std::unexpected(write_failure("cannot write " + path, errno));
      written += output.pos;
      const bool done = mode == ZSTD_e_end ? remaining == 0 : input.pos == input.size;
      if (done)
        return {};
    }
  }
};

zstd_file_writer::zstd_file_writer(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
zstd_file_writer::zstd_file_writer(zstd_file_writer&&) noexcept = default;
zstd_file_writer& zstd_file_writer::operator=(zstd_file_writer&&) noexcept = default;
zstd_file_writer::~zstd_file_writer() = default;

std::expected<zstd_file_writer, sync_error> zstd_file_writer::create(const std::string& path,
                                                                     int level) {
  auto p = std::make_unique<impl>();
  p->path = path;
  p->out.reset(std::fopen(path.c_str(), "wb"));
  if (!p->out)
    return io_error("cannot create " + path);
  p->ctx.reset(ZSTD_createCCtx());
  if (!p->ctx)
    return io_error("zstd: out of memory");
  ZSTD_CCtx_setParameter(p->ctx.get(), ZSTD_c_compressionLevel, level);
  p->out_buf.resize(ZSTD_CStreamOutSize());
  return zstd_file_writer(std::move(p));
}

std::expected<void, sync_error> zstd_file_writer::write(std::string_view bytes) {
  if (impl_->finished)
    return io_error("zstd: write after finish to " + impl_->path);
  ZSTD_inBuffer input{bytes.data(), bytes.size(), 0};
  if (auto r = impl_->pump(input, ZSTD_e_continue); !r)
    return r;
  impl_->in += bytes.size();
  return {};
}

std::expected<std::uint64_t, sync_error> zstd_file_writer::finish() {
  if (impl_->finished)
    return impl_->written;
  ZSTD_inBuffer input{nullptr, 0, 0};
  if (auto r = impl_->pump(input, ZSTD_e_end); !r)
    return std::unexpected(r.error());
  if (std::fflush(impl_->out.get()) != 0)
    return std::unexpected(write_failure("cannot write " + impl_->path, errno));
  impl_->finished = true;
  return impl_->written;
}

std::uint64_t zstd_file_writer::bytes_in() const { return impl_->in; }

} // namespace ankisync::protocol
