#pragma once

namespace ankisync::protocol {

// What the admin endpoint asks the actor world for. metrics: the
// Prometheus text (protocol/metrics_text.hpp); the others JSON.
enum class admin_query { actors, stats, metrics, users, errors };

} // namespace ankisync::protocol
