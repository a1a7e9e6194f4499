#pragma once

// Every host key and its user, as the gateway looks them up on each
// request. The gateway rebuilds it after every login (another process may
// have changed the keys too), so a burst of logins rebuilds it thousands
// of times: two allocations per build, however many keys, instead of three
// per key.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ankisync::storage {

class host_key_index {
public:
  // Adds a pair; keys are unique (the table's primary key).
  void add(std::string_view key, std::string_view user);
  // Call once after the last add, before any lookup.
  void seal();

  std::optional<std::string_view> user_of(std::string_view key) const;
  bool contains(std::string_view key) const { return user_of(key).has_value(); }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // In key order.
  std::string_view key_at(std::size_t i) const;
  std::string_view user_at(std::size_t i) const;

private:
  // Offsets, not views: the text moves with the index.
  struct entry {
    std::uint32_t key_at, key_size, user_at, user_size;
  };
  std::string_view key_of(const entry& e) const { return {text_.data() + e.key_at, e.key_size}; }

  std::string text_;
  std::vector<entry> entries_;
};

} // namespace ankisync::storage
