#include "storage/host_key_index.hpp"

#include <algorithm>

namespace ankisync::storage {

void host_key_index::add(std::string_view key, std::string_view user) {
  entry e{static_cast<std::uint32_t>(text_.size()), static_cast<std::uint32_t>(key.size()), 0,
          static_cast<std::uint32_t>(user.size())};
  text_.append(key);
  e.user_at = static_cast<std::uint32_t>(text_.size());
  text_.append(user);
  entries_.push_back(e);
}

void host_key_index::seal() {
  std::sort(entries_.begin(), entries_.end(),
            [&](const entry& a, const entry& b) { return key_of(a) < key_of(b); });
  text_.shrink_to_fit();
  entries_.shrink_to_fit();
}

std::optional<std::string_view> host_key_index::user_of(std::string_view key) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [&](const entry& e, std::string_view k) { return key_of(e) < k; });
  if (it == entries_.end() || key_of(*it) != key)
    return std::nullopt;
  return std::string_view(text_.data() + it->user_at, it->user_size);
}

std::string_view host_key_index::key_at(std::size_t i) const { return key_of(entries_.at(i)); }

std::string_view host_key_index::user_at(std::size_t i) const {
  const entry& e = entries_.at(i);
  return {text_.data() + e.user_at, e.user_size};
}

} // namespace ankisync::storage
