#include "protocol/body_reader.hpp"

#include <algorithm>

namespace ankisync::protocol {

std::expected<body_reader, sync_error> body_reader::open(std::string_view bytes,
                                                         const std::string& file,
                                                         std::size_t piece) {
  body_reader r;
  r.piece_ = std::max<std::size_t>(piece, 1);
  if (file.empty()) {
    r.bytes_ = bytes;
    return r;
  }
  r.path_ = file;
  r.file_.reset(std::fopen(file.c_str(), "rb"));
  if (!r.file_)
    return std::unexpected(make_error(error_code::server_error, "cannot open body file: " + file));
  r.buf_.resize(r.piece_);
  return r;
}

std::expected<std::string_view, sync_error> body_reader::next() {
  if (!file_) {
    const auto n = std::min(piece_, bytes_.size() - offset_);
    auto out = bytes_.substr(offset_, n);
    offset_ += n;
    return out;
  }
  const auto n = std::fread(buf_.data(), 1, buf_.size(), file_.get());
  if (n == 0 && std::ferror(file_.get()))
    return std::unexpected(make_error(error_code::server_error, "cannot read body file: " + path_));
  return std::string_view(buf_.data(), n);
}

} // namespace ankisync::protocol
