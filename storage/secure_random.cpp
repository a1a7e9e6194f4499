#include "storage/secure_random.hpp"

#include <cerrno>
#include <sys/random.h>

namespace ankisync::storage {

bool random_bytes(std::span<unsigned char> out) {
  std::size_t filled = 0;
  while (filled < out.size()) {
    // Up to 256 bytes always come whole once the pool is ready; a signal
    // can still cut a larger request short.
    const ssize_t n = ::getrandom(out.data() + filled, out.size() - filled, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    filled += static_cast<std::size_t>(n);
  }
  return true;
}

} // namespace ankisync::storage
