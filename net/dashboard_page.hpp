#pragma once

#include <string_view>

namespace ankisync::net {

// The admin dashboard (GET /admin/): one HTML page with its CSS and
// JavaScript inline, built from net/dashboard/dashboard.html. It holds no
// data; it asks the admin JSON routes with the token the operator types.
std::string_view dashboard_page();

} // namespace ankisync::net
