#pragma once

// Reads a request body (bytes in memory, or a file) in pieces of bounded
// size, so a large body never has to be in memory at once. Shared by the
// codecs and the multipart parser.

#include <cstddef>
#include <cstdio>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/sync_error.hpp"

namespace ankisync::protocol {

class body_reader {
public:
  static constexpr std::size_t default_piece = 64 * 1024;

  // Reads `file` when it is not empty, else `bytes` (which must outlive the
  // reader). Error: server_error when the file cannot be opened (files are
  // ours: net/ or this layer wrote them).
  static std::expected<body_reader, sync_error> open(std::string_view bytes,
                                                     const std::string& file,
                                                     std::size_t piece = default_piece);

  // The next piece, at most `piece` bytes; empty at the end. Valid until
  // the next call. Error: server_error on a read failure.
  std::expected<std::string_view, sync_error> next();

private:
  struct file_closer {
    void operator()(std::FILE* f) const noexcept {
      if (f)
        std::fclose(f);
    }
  };

  std::string_view bytes_;
  std::size_t offset_ = 0;
  std::size_t piece_ = default_piece;
  std::string path_;
  std::unique_ptr<std::FILE, file_closer> file_;
  std::vector<char> buf_;
};

} // namespace ankisync::protocol
