#pragma once

// The last requests answered 4xx or 5xx (or cut), with their reason, for
// the admin dashboard: a fixed number of slots overwritten oldest first,
// so it never grows with traffic. Written once per failed request by the
// listeners, read by GET /admin/errors.

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ankisync::protocol {

struct error_entry {
  std::int64_t time_ms = 0; // Unix ms the request ended
  int status = 0;           // 0: cut before a reply was chosen
  bool cut = false;
  std::string method;
  std::string uri;          // path only, as logged
  std::string user;         // "" when unknown
  std::string reason;
};

class recent_errors {
public:
  static constexpr std::size_t capacity = 50;
  // Longer strings are cut: a client chooses the uri and part of a reason.
  static constexpr std::size_t max_text = 200;

  void add(error_entry e);
  // Newest first.
  std::vector<error_entry> list() const;
  // Failed requests seen since start, including those overwritten.
  std::uint64_t total() const;

private:
  mutable std::mutex mutex_;
  std::array<error_entry, capacity> slots_;
  std::uint64_t written_ = 0;
};

std::string encode_recent_errors(const std::vector<error_entry>& errors, std::uint64_t total);

} // namespace ankisync::protocol
