#pragma once

// Small helpers shared by the integration tests.

#include <boost/json.hpp>

#include <sys/stat.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "tests/integration/server_process.hpp"

namespace ankisync::integration {

// The official server's derived host key for SYNC_USER1=user:pass
// (sha1 of "user:pass" as upstream computes it).
inline constexpr const char* user_pass_host_key = "b2619aa1529dfdc4248e6edbf3c1b2a2b014cf6d";

// The admin token of test servers that switch recording on: the admin
// endpoint's state-changing routes need a token even from loopback.
inline constexpr const char* admin_test_token = "admin-token-for-tests";

inline client::header_list admin_auth() { return {{"X-Admin-Token", admin_test_token}}; }

// Sets this process's umask while it lives; servers started meanwhile
// inherit it, as they would from an operator's shell.
class umask_scope {
public:
  explicit umask_scope(mode_t mask) : saved_(::umask(mask)) {}
  ~umask_scope() { ::umask(saved_); }
  umask_scope(const umask_scope&) = delete;
  umask_scope& operator=(const umask_scope&) = delete;

private:
  mode_t saved_;
};

// Polls `done` every 20 ms until it holds or `timeout` passes.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

inline client::http_request get(std::string target, client::header_list headers = {}) {
  return client::http_request{"GET", std::move(target), std::move(headers), {}};
}

inline client::http_request post(std::string target, std::string body,
                                 client::header_list headers = {}) {
  return client::http_request{"POST", std::move(target), std::move(headers), std::move(body)};
}

// Parses a JSON text; throws (failing the test) when it is not JSON.
inline boost::json::value parse_json(const std::string& text) { return boost::json::parse(text); }

inline bool is_number(const boost::json::value& v) {
  return v.is_int64() || v.is_uint64() || v.is_double();
}

inline double as_number(const boost::json::value& v) {
  if (v.is_int64())
    return static_cast<double>(v.get_int64());
  if (v.is_uint64())
    return static_cast<double>(v.get_uint64());
  return v.get_double();
}

// ~`size` bytes of low-entropy noise: compresses to about half, so a
// body made of it is large and decoding it takes a while.
inline std::string noise(std::size_t size) {
  std::string out(size, '\0');
  std::uint32_t x = 12345;
  for (auto& c : out) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>((x >> 24) & 0x0f);
  }
  return out;
}

} // namespace ankisync::integration
