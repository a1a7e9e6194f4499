#include "protocol/body_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include "protocol/body_reader.hpp"
#include "protocol/gzip_codec.hpp"

namespace ankisync::protocol {
namespace {

std::expected<decoded_file, sync_error> copy_to_file(std::string_view in_bytes,
                                                     const std::string& in_file,
                                                     const std::string& out_path,
                                                     std::uint64_t limit) {
  auto in = body_reader::open(in_bytes, in_file);
  if (!in)
    return std::unexpected(in.error());
  struct closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, closer> out(std::fopen(out_path.c_str(), "wb"));
  if (!out)
    return std::unexpected(write_failure("cannot create " + out_path, errno));
  decoded_file result;
  for (;;) {
    auto piece = in->next();
    if (!piece)
      return std::unexpected(piece.error());
    if (piece->empty())
      break;
    auto data = *piece;
    const std::uint64_t room = limit - std::min(limit, result.size);
    if (data.size() > room) {
      data = data.substr(0, static_cast<std::size_t>(room));
      result.hit_limit = true;
    }
    if (!data.empty() && std::fwrite(data.data(), 1, data.size(), out.get()) != data.size())
      return std::unexpected(write_failure("cannot write " + out_path, errno));
    result.size += data.size();
    if (result.hit_limit)
      break;
  }
  if (std::fflush(out.get()) != 0)
    return std::unexpected(write_failure("cannot write " + out_path, errno));
  return result;
}

} // namespace

owned_file::~owned_file() {
  if (!path_.empty())
    ::unlink(path_.c_str());
}

std::expected<decoded_file, sync_error> decode_body_to_file(body_encoding encoding,
                                                            std::string_view in_bytes,
                                                            const std::string& in_file,
                                                            const std::string& out_path,
                                                            std::uint64_t limit) {
  switch (encoding) {
  case body_encoding::zstd:
    return zstd_decompress_to_file(in_bytes, in_file, out_path, limit);
  case body_encoding::gzip:
    return gzip_decompress_to_file(in_bytes, in_file, out_path, limit);
  case body_encoding::raw:
    break;
  }
  return copy_to_file(in_bytes, in_file, out_path, limit);
}

} // namespace ankisync::protocol
