#include "tools/client/object_ids.hpp"

#include <algorithm>
#include <atomic>
#include <random>
#include <string_view>

namespace ankisync::client {

std::int64_t unique_id(std::int64_t now_ms) {
  static std::atomic<std::int64_t> last{0};
  std::int64_t prev = last.load();
  std::int64_t next = 0;
  do {
    next = std::max(now_ms, prev + 1);
  } while (!last.compare_exchange_weak(prev, next));
  return next;
}

std::string new_guid() {
  static constexpr std::string_view alphabet =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
      "!#$%&()*+,-./:;<=>?@[]^_`{|}~";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t n = rng();
  std::string out;
  for (int i = 0; i < 10; ++i) {
    out.push_back(alphabet[n % alphabet.size()]);
    n /= alphabet.size();
  }
  return out;
}

} // namespace ankisync::client
