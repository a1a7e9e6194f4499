#include "net/admin_routes.hpp"

#include <openssl/crypto.h>

#include "net/http_status.hpp"

namespace ankisync::net {
namespace {

using protocol::error_code;
using protocol::make_error;

bool same_secret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
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

} // namespace

request_handler make_admin_routes(admin_backend backend, std::string token) {
  return [backend = std::move(backend), token = std::move(token)](http_request&& req,
                                                                  respond_fn respond) {
    const auto path = req.path();
    admin_query query;
    if (path == "/admin/actors")
      query = admin_query::actors;
    else if (path == "/admin/stats")
      query = admin_query::stats;
    else
      return respond(error_response(make_error(error_code::not_found, "no such admin route")));
    if (req.method != "GET")
      return respond(
          error_response(make_error(error_code::method_not_allowed, "admin routes take GET")));
    if (!authorized(req, token))
      return respond(
          error_response(make_error(error_code::auth_failed, "missing or wrong admin token")));
    backend(query, [respond](std::string json) {
      http_response r;
      r.headers.emplace_back("content-type", "application/json");
      r.body = std::move(json);
      respond(std::move(r));
    });
  };
}

} // namespace ankisync::net
