#pragma once

#include <cerrno>
#include <expected>
#include <string>

namespace ankisync::storage {

// The storage room's error vocabulary.
enum class storage_errc {
  io,        // a file could not be opened, created, written or renamed
  sqlite,    // SQLite reported an error (message has its text)
  busy,      // another connection held the lock past the busy timeout
  not_found, // the named user/row does not exist
  exists,    // the user/row already exists
  invalid,   // the caller passed a value storage refuses (bad username, bad hash)
  corrupt,   // a file is not what it claims to be
  disk_full, // no room left: ENOSPC, EDQUOT, or a file past RLIMIT_FSIZE (EFBIG)
};

struct storage_error {
  storage_errc code = storage_errc::io;
  std::string message;
};

// The errno values that mean storage_errc::disk_full.
inline bool is_disk_full(int err) { return err == ENOSPC || err == EDQUOT || err == EFBIG; }

template <class T>
using result = std::expected<T, storage_error>;

inline std::unexpected<storage_error> fail(storage_errc code, std::string message) {
  return std::unexpected(storage_error{code, std::move(message)});
}

} // namespace ankisync::storage
