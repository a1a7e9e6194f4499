#pragma once

#include <memory>
#include <string>

namespace ankisync::protocol {

// A file the protocol layer made itself (the `data` part of a large legacy
// multipart request, copied out of net/'s body file). It is removed when
// this object dies, so whoever holds the last body_source referring to it
// decides how long it lives.
class owned_file {
public:
  explicit owned_file(std::string path) : path_(std::move(path)) {}
  ~owned_file();
  owned_file(const owned_file&) = delete;
  owned_file& operator=(const owned_file&) = delete;
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

// A request body as net/ received it: small bodies in memory, larger ones
// spilled to a temp file that net/ owns and deletes after the reply.
struct body_source {
  std::string bytes;
  std::string file; // non-empty: the body is in this file, `bytes` is empty
  // Set when `file` is one the protocol layer made (see owned_file): the
  // file is removed when the last copy of this body_source dies. Null for
  // net/'s own body file.
  std::shared_ptr<const owned_file> owner{};
};

// How a request body is compressed on the wire.
enum class body_encoding { raw, zstd, gzip };

} // namespace ankisync::protocol
