#include "net/connection_slots.hpp"

namespace ankisync::net {

connection_slots::connection_slots(std::size_t max_total, std::size_t max_per_ip)
    : max_total_(max_total), max_per_ip_(max_per_ip) {}

std::expected<connection_slots::slot, connection_refusal>
connection_slots::take(const std::shared_ptr<connection_slots>& self, const std::string& ip) {
  std::lock_guard lock(self->mutex_);
  if (self->max_total_ != 0 && self->open_ >= self->max_total_)
    return std::unexpected(connection_refusal::listener_full);
  auto& mine = self->per_ip_[ip];
  if (self->max_per_ip_ != 0 && mine >= self->max_per_ip_)
    return std::unexpected(connection_refusal::address_full);
  ++mine;
  ++self->open_;
  return slot(self, ip);
}

std::size_t connection_slots::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

void connection_slots::give_back(const std::string& ip) {
  std::lock_guard lock(mutex_);
  --open_;
  // Addresses come and go; an idle one keeps no entry.
  if (auto it = per_ip_.find(ip); it != per_ip_.end() && --it->second == 0)
    per_ip_.erase(it);
}

connection_slots::slot::slot(std::shared_ptr<connection_slots> owner, std::string ip)
    : owner_(std::move(owner)), ip_(std::move(ip)) {}

connection_slots::slot::slot(slot&& other) noexcept
    : owner_(std::move(other.owner_)), ip_(std::move(other.ip_)) {}

connection_slots::slot& connection_slots::slot::operator=(slot&& other) noexcept {
  if (this != &other) {
    if (owner_)
      owner_->give_back(ip_);
    owner_ = std::move(other.owner_);
    ip_ = std::move(other.ip_);
  }
  return *this;
}

connection_slots::slot::~slot() {
  if (owner_)
    owner_->give_back(ip_);
}

} // namespace ankisync::net
