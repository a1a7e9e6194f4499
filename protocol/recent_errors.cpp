#include "protocol/recent_errors.hpp"

#include <boost/json.hpp>

#include "protocol/log_json.hpp"

namespace ankisync::protocol {
namespace {

void clip(std::string& s) {
  if (s.size() > recent_errors::max_text)
    s.resize(recent_errors::max_text);
}

} // namespace

void recent_errors::add(error_entry e) {
  clip(e.uri);
  clip(e.user);
  clip(e.reason);
  std::lock_guard lock(mutex_);
  slots_[written_ % capacity] = std::move(e);
  ++written_;
}

std::vector<error_entry> recent_errors::list() const {
  std::lock_guard lock(mutex_);
  const auto n = std::min<std::uint64_t>(written_, capacity);
  std::vector<error_entry> out;
  out.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i)
    out.push_back(slots_[(written_ - 1 - i) % capacity]);
  return out;
}

std::uint64_t recent_errors::total() const {
  std::lock_guard lock(mutex_);
  return written_;
}

std::string encode_recent_errors(const std::vector<error_entry>& errors, std::uint64_t total) {
  namespace json = boost::json;
  // Client strings may be cut inside a UTF-8 sequence or not be UTF-8 at
  // all; the page must still parse the document.
  auto text = [](const std::string& s) { return json::string(valid_utf8(s)); };
  json::array list;
  list.reserve(errors.size());
  for (const auto& e : errors) {
    json::object o;
    o["time_ms"] = e.time_ms;
    o["status"] = e.status;
    o["cut"] = e.cut;
    o["method"] = text(e.method);
    o["uri"] = text(e.uri);
    o["user"] = text(e.user);
    o["reason"] = text(e.reason);
    list.emplace_back(std::move(o));
  }
  json::object root;
  root["total"] = total;
  root["errors"] = std::move(list);
  return json::serialize(root);
}

} // namespace ankisync::protocol
