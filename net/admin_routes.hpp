#pragma once

#include <expected>
#include <functional>
#include <optional>
#include <string>

#include "net/http_message.hpp"
#include "protocol/admin_query.hpp"

namespace ankisync::net {

using protocol::admin_query;

// Answers with the query's document; may be called from any thread, once.
using admin_reply_fn = std::function<void(std::string json)>;
using admin_backend = std::function<void(admin_query, admin_reply_fn)>;

// Recording control (docs/replay.md): `on` switches one user's recording
// on or off; without `on` (and `user` empty) it only reports. Answers a
// JSON document, or an error for the client (a conflict, a bad request).
using admin_record_fn = std::function<std::expected<std::string, protocol::sync_error>(
    const std::string& user, std::optional<bool> on)>;

// Backups, restores and checks (docs/backup.md), asked for by the
// `ankisync backup|restore|check` commands while the server runs.
enum class admin_task_kind { backup, restore, check };
struct admin_task {
  admin_task_kind kind = admin_task_kind::check;
  std::string path; // backup: the folder for backups; restore: one backup
  std::string user; // empty: every user
  bool repair_media = false;
};
// Answers the report as JSON (storage/maintenance.hpp), or an error for
// the client; may answer from any thread, once.
using admin_task_reply = std::function<void(std::expected<std::string, protocol::sync_error>)>;
using admin_task_fn = std::function<void(admin_task, admin_task_reply)>;

// Routes of the admin listener: GET /admin/actors, GET /admin/stats,
// GET /admin/users, GET /admin/errors, GET /metrics (Prometheus) and the
// dashboard page GET /admin/ (served without the token: it has no data);
// with `record`, also GET /admin/record and POST /admin/record?user=N&on=1|0;
// with `tasks`, POST /admin/backup?dir=D[&user=N],
// /admin/restore?backup=B[&user=N] and /admin/check[?user=N][&repair_media=1]
// (absolute paths, as the server sees them).
// With a non-empty token every request must carry it, as
// "Authorization: Bearer <token>" or "X-Admin-Token: <token>". Without
// one, GET routes answer anyone (the listener is then loopback only), but
// routes that change something answer 403: any local account can reach a
// loopback port. `open_loopback` (--admin-open-loopback) lets loopback
// clients change things without a token, when none is set.
request_handler make_admin_routes(admin_backend backend, std::string token,
                                  admin_record_fn record = {}, bool open_loopback = false,
                                  admin_task_fn tasks = {});

} // namespace ankisync::net
