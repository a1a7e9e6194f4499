#pragma once

#include <functional>
#include <string>

#include "net/http_message.hpp"

namespace ankisync::net {

enum class admin_query { actors, stats };

// Answers with a JSON document; may be called from any thread, once.
using admin_reply_fn = std::function<void(std::string json)>;
using admin_backend = std::function<void(admin_query, admin_reply_fn)>;

// Routes of the admin listener: GET /admin/actors and GET /admin/stats.
// With a non-empty token every request must carry it, as
// "Authorization: Bearer <token>" or "X-Admin-Token: <token>".
request_handler make_admin_routes(admin_backend backend, std::string token);

} // namespace ankisync::net
