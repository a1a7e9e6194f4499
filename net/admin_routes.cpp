#include "net/admin_routes.hpp"

#include <nettle/memops.h>

#include "net/dashboard_page.hpp"
#include "net/http_status.hpp"
#include "protocol/metrics_text.hpp"
#include "protocol/query_string.hpp"

namespace ankisync::net {
namespace {

using protocol::error_code;
using protocol::make_error;

bool same_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && memeql_sec(a.data(), b.data(), a.size()) != 0;
}

bool authorized(const http_request& req, const std::string& token) {
  if (token.empty())
    return true;
  if (auto* h = req.header("x-admin-token"); h && same_secret(*h, token))
    return true;
  if (auto* h = req.header("authorization"); h && h->starts_with("Bearer ") &&
                                             same_secret(h->substr(7), token))
    return true;
  return false;
}

bool is_loopback_peer(const std::string& ip) {
  return ip.starts_with("127.") || ip == "::1" || ip.starts_with("::ffff:127.");
}

// For routes that change the server's state. `authorized` has already
// checked a set token; without one, only the operator's explicit opt-in
// lets a loopback client in.
bool may_change(const http_request& req, const std::string& token, bool open_loopback) {
  return !token.empty() || (open_loopback && is_loopback_peer(req.peer_ip));
}

// The value of `key` in the target's query string, percent-decoded.
std::optional<std::string> query_value(const std::string& target, std::string_view key) {
  const auto q = target.find('?');
  if (q == std::string::npos)
    return std::nullopt;
  for (auto& [name, value] : protocol::parse_query(std::string_view(target).substr(q + 1)))
    if (name == key)
      return std::move(value);
  return std::nullopt;
}

http_response json_response(std::string json) {
  http_response r;
  r.headers.emplace_back("content-type", "application/json");
  r.body = std::move(json);
  return r;
}

void answer_record(const http_request& req, const admin_record_fn& record, bool may_change,
                   respond_fn& respond) {
  std::expected<std::string, protocol::sync_error> done;
  if (req.method == "GET") {
    done = record({}, std::nullopt);
  } else if (req.method == "POST") {
    if (!may_change)
      return respond(error_response(make_error(
          error_code::auth_failed,
          "changing recording needs the admin token (--admin-token or ANKISYNC_ADMIN_TOKEN), "
          "or a server started with --admin-open-loopback")));
    const auto user = query_value(req.target, "user");
    const auto on = query_value(req.target, "on");
    if (!user || user->empty() || !on || (*on != "0" && *on != "1"))
      return respond(error_response(
          make_error(error_code::bad_request, "POST /admin/record?user=NAME&on=1|0")));
    done = record(*user, *on == "1");
  } else {
    return respond(error_response(
        make_error(error_code::method_not_allowed, "/admin/record takes GET or POST")));
  }
  if (!done)
    return respond(error_response(done.error()));
  respond(json_response(std::move(*done)));
}

std::optional<admin_task_kind> task_of(const std::string& path) {
  if (path == "/admin/backup")
    return admin_task_kind::backup;
  if (path == "/admin/restore")
    return admin_task_kind::restore;
  if (path == "/admin/check")
    return admin_task_kind::check;
  return std::nullopt;
}

void answer_task(admin_task_kind kind, const http_request& req, const admin_task_fn& tasks,
                 bool may_change, respond_fn& respond) {
  if (req.method != "POST")
    return respond(
        error_response(make_error(error_code::method_not_allowed, "this admin route takes POST")));
  if (!may_change)
    return respond(error_response(make_error(
        error_code::auth_failed,
        "backups, restores and checks need the admin token (--admin-token or "
        "ANKISYNC_ADMIN_TOKEN), or a server started with --admin-open-loopback")));
  admin_task task;
  task.kind = kind;
  task.user = query_value(req.target, "user").value_or("");
  task.repair_media = query_value(req.target, "repair_media").value_or("") == "1";
  if (kind != admin_task_kind::check) {
    const char* key = kind == admin_task_kind::backup ? "dir" : "backup";
    task.path = query_value(req.target, key).value_or("");
    if (!task.path.starts_with("/"))
      return respond(error_response(make_error(
          error_code::bad_request, std::string("?") + key + "= must be an absolute path")));
  }
  tasks(std::move(task), [respond](std::expected<std::string, protocol::sync_error> done) {
    if (!done)
      return respond(error_response(done.error()));
    respond(json_response(std::move(*done)));
  });
}

} // namespace

request_handler make_admin_routes(admin_backend backend, std::string token,
                                  admin_record_fn record, bool open_loopback,
                                  admin_task_fn tasks) {
  return [backend = std::move(backend), token = std::move(token), record = std::move(record),
          open_loopback, tasks = std::move(tasks)](http_request&& req, respond_fn respond) {
    const auto path = req.path();
    // The page holds no data and no secret, so it needs no token: it asks
    // for one and sends it with every call for data.
    if (path == "/admin/" || path == "/admin") {
      if (req.method != "GET")
        return respond(
            error_response(make_error(error_code::method_not_allowed, "admin routes take GET")));
      http_response r;
      r.headers.emplace_back("content-type", "text/html; charset=utf-8");
      // Nothing outside the page may run in it, and it loads nothing.
      r.headers.emplace_back("content-security-policy",
                             "default-src 'none'; script-src 'unsafe-inline'; "
                             "style-src 'unsafe-inline'; connect-src 'self'; img-src data:");
      r.headers.emplace_back("cache-control", "no-store");
      r.body = std::string(dashboard_page());
      return respond(std::move(r));
    }
    if (auto kind = task_of(path); kind && tasks) {
      if (!authorized(req, token))
        return respond(
            error_response(make_error(error_code::auth_failed, "missing or wrong admin token")));
      return answer_task(*kind, req, tasks, may_change(req, token, open_loopback), respond);
    }
    if (path == "/admin/record" && record) {
      if (!authorized(req, token))
        return respond(
            error_response(make_error(error_code::auth_failed, "missing or wrong admin token")));
      return answer_record(req, record, may_change(req, token, open_loopback), respond);
    }
    admin_query query;
    if (path == "/admin/actors")
      query = admin_query::actors;
    else if (path == "/admin/stats")
      query = admin_query::stats;
    else if (path == "/metrics")
      query = admin_query::metrics;
    else if (path == "/admin/users")
      query = admin_query::users;
    else if (path == "/admin/errors")
      query = admin_query::errors;
    else
      return respond(error_response(make_error(error_code::not_found, "no such admin route")));
    if (req.method != "GET")
      return respond(
          error_response(make_error(error_code::method_not_allowed, "admin routes take GET")));
    if (!authorized(req, token))
      return respond(
          error_response(make_error(error_code::auth_failed, "missing or wrong admin token")));
    backend(query, [respond, query](std::string document) {
      http_response r;
      r.headers.emplace_back("content-type", query == admin_query::metrics
                                                 ? std::string(protocol::metrics_content_type)
                                                 : std::string("application/json"));
      r.body = std::move(document);
      respond(std::move(r));
    });
  };
}

} // namespace ankisync::net
