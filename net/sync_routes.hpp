#pragma once

#include <expected>
#include <functional>

#include "net/http_message.hpp"
#include "protocol/envelope.hpp"

namespace ankisync::net {

using sync_result = std::expected<protocol::sync_reply, protocol::sync_error>;
// May be called from any thread, exactly once.
using sync_reply_fn = std::function<void(sync_result)>;
// The actor world's entry point: takes a decoded request, answers later.
using sync_backend = std::function<void(protocol::sync_request&&, sync_reply_fn)>;

// Routes of the sync listener: GET /health, POST /sync/<method>,
// GET|POST /msync/begin, POST /msync/<method>. Decodes the envelope before
// the backend sees anything and encodes its reply.
request_handler make_sync_routes(sync_backend backend, protocol::envelope_limits limits);

} // namespace ankisync::net
