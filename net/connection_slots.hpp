#pragma once

#include <cstddef>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace ankisync::net {

// Why a new connection was turned away.
enum class connection_refusal {
  // The listener holds its cap (connections.max) of open connections.
  listener_full,
  // The client's address holds its cap (connections.max_per_ip).
  address_full,
};

// Counts a listener's open connections, in all and per client address,
// against its caps, so one client (or a flood) cannot take every file
// descriptor. Any thread may call in.
class connection_slots {
public:
  // A taken slot; given back when it goes. Move-only.
  class slot {
  public:
    slot() = default;
    slot(slot&& other) noexcept;
    slot& operator=(slot&& other) noexcept;
    ~slot();

  private:
    friend class connection_slots;
    slot(std::shared_ptr<connection_slots> owner, std::string ip);
    std::shared_ptr<connection_slots> owner_;
    std::string ip_;
  };

  // 0 means no cap.
  connection_slots(std::size_t max_total, std::size_t max_per_ip);

  // Takes a slot for a connection from `ip`. `self` is the owner of this
  // object (the slot keeps it alive).
  static std::expected<slot, connection_refusal> take(const std::shared_ptr<connection_slots>& self,
                                                      const std::string& ip);
  std::size_t open() const;
  std::size_t max_total() const { return max_total_; }
  std::size_t max_per_ip() const { return max_per_ip_; }

private:
  void give_back(const std::string& ip);

  const std::size_t max_total_;
  const std::size_t max_per_ip_;
  mutable std::mutex mutex_;
  std::size_t open_ = 0;
  std::unordered_map<std::string, std::size_t> per_ip_;
};

// One log line when refusals start and one when they end, not one per
// refused connection: a flood must not flood the log too. Used from one
// strand (the acceptor's).
class refusal_episode {
public:
  // True when this refusal starts an episode (log it).
  bool refused() { return refused_++ == 0; }
  // When an episode was running, ends it and returns how many
  // connections it refused (log that); else 0.
  std::size_t admitted() { return std::exchange(refused_, 0); }

private:
  std::size_t refused_ = 0;
};

} // namespace ankisync::net
