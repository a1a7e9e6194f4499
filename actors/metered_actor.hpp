#pragma once

#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/invoke_message_result.hpp>
#include <caf/mailbox_element.hpp>

#include <memory>
#include <string>

#include "actors/actor_metrics.hpp"

namespace ankisync::actors {

// An event-based actor, typed (`Base` = an interface's `base`) or not,
// that keeps its actor_metrics current: every message put into its mailbox
// counts up, every message it takes counts down, so the admin endpoint
// sees the real queue length while the actor runs.
template <class Base>
class metered : public Base {
public:
  metered(caf::actor_config& cfg, std::shared_ptr<metrics_registry> registry, std::string kind,
          std::string user = {})
      : Base(cfg), registry_(std::move(registry)),
        metrics_(registry_->add(this->id(), std::move(kind), std::move(user))) {}

  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit* host) override {
    metrics_->on_enqueue();
    Base::enqueue(std::move(what), host);
  }

  caf::invoke_message_result consume(caf::mailbox_element& x) override {
    // Counted before the handler runs: a handler may answer its client
    // (through a reply channel) before it returns, and whoever looks next
    // must see this message taken. A skipped message (the actor is
    // awaiting a response) stays queued and is offered again later, so it
    // is put back.
    metrics_->on_take();
    auto result = Base::consume(x);
    if (result == caf::invoke_message_result::skipped)
      metrics_->on_untake();
    return result;
  }

  // Leaves the admin listing as soon as the actor stops, not when the last
  // handle to it goes away.
  void on_exit() override { registry_->remove(this->id()); }

protected:
  actor_metrics& metrics() { return *metrics_; }
  // The server's counters (sessions, logins, media files).
  protocol::server_metrics& counters() { return registry_->counters(); }
  metrics_registry& registry() { return *registry_; }

private:
  std::shared_ptr<metrics_registry> registry_;
  std::shared_ptr<actor_metrics> metrics_;
};

} // namespace ankisync::actors
