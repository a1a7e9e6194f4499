// docs/admin.md and docs/grafana-dashboard.json against what the real
// binary's /metrics exposes: every metric is documented, and the
// dashboard asks only for metrics that exist.

#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "tests/integration/exposition_parser.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync::integration;

namespace {

exposition scrape(const server_process& server) {
  auto r = server.admin_http().send(get("/metrics"));
  REQUIRE(r.has_value());
  REQUIRE(r->status == 200);
  auto parsed = parse_exposition(r->body);
  if (!parsed)
    FAIL("not valid exposition text: " << parsed.error());
  return std::move(*parsed);
}

const std::string docs_dir = ANKISYNC_DOCS_DIR;

// Every string under "expr" anywhere in the dashboard.
void collect_exprs(const boost::json::value& v, std::vector<std::string>& out) {
  if (v.is_object()) {
    for (const auto& [key, value] : v.as_object()) {
      if (key == "expr" && value.is_string())
        out.emplace_back(value.as_string());
      else
        collect_exprs(value, out);
    }
  } else if (v.is_array()) {
    for (const auto& e : v.as_array())
      collect_exprs(e, out);
  }
}

} // namespace

TEST_CASE("docs/admin.md describes every metric family /metrics exposes") {
  server_process server;
  const auto metrics = scrape(server);
  const auto doc = read_file(docs_dir + "/admin.md");
  REQUIRE(!doc.empty());
  REQUIRE(metrics.types.size() > 30);
  for (const auto& [family, type] : metrics.types) {
    INFO(family << " (" << type << ")");
    // Its row in the table names it in backticks, maybe with its labels.
    CHECK(std::regex_search(doc, std::regex("`" + family + "[`{]")));
  }
}

TEST_CASE("docs/grafana-dashboard.json is valid JSON whose queries use only metrics /metrics has") {
  server_process server;
  const auto metrics = scrape(server);
  const auto text = read_file(docs_dir + "/grafana-dashboard.json");
  REQUIRE(!text.empty());
  boost::system::error_code ec;
  const auto dashboard = boost::json::parse(text, ec);
  REQUIRE_FALSE(ec);
  std::vector<std::string> exprs;
  collect_exprs(dashboard, exprs);
  REQUIRE(exprs.size() > 10);
  const std::regex name(R"(\b(ankisync|process)_[a-z0-9_]+)");
  std::set<std::string> used;
  for (const auto& e : exprs)
    for (std::sregex_iterator it(e.begin(), e.end(), name), end; it != end; ++it)
      used.insert(it->str());
  for (const auto& n : used) {
    INFO(n);
    std::string family = n;
    for (const char* suffix : {"_bucket", "_sum", "_count"})
      if (n.ends_with(suffix) && metrics.types.contains(n.substr(0, n.size() - std::strlen(suffix))))
        family = n.substr(0, n.size() - std::strlen(suffix));
    CHECK(metrics.types.contains(family));
  }
  // The dashboard shows the figures an operator looks at first.
  for (const char* wanted : {"ankisync_http_requests_total", "ankisync_http_request_duration_seconds_bucket",
                             "ankisync_resident_collections", "ankisync_actor_mailbox_size_max",
                             "process_resident_memory_bytes"})
    CHECK(used.contains(wanted));
}
