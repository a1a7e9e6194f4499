// The admin dashboard (GET /admin/) and the JSON it reads, against the
// real binary: two users synced by the reference client, both with a
// session still open. The page itself is rendered by Debian's chromium
// in headless mode (tools/install-deps.sh installs it); its DOM and a
// screenshot are kept in the build folder.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <iostream>
#include <regex>

#include "tests/integration/server_process.hpp"
#include "tests/integration/sync_support.hpp"
#include "tests/integration/test_support.hpp"
#include "tools/client/device.hpp"

using namespace ankisync;
using namespace ankisync::integration;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr const char* start_body = R"({"minUsn":0,"lnewer":false,"graves":null})";
const std::vector<std::string> users{"ada", "grace"};

// A server with the admin token and two users, each of whom synced a
// collection of their own (full upload) and then started a normal sync
// they have not finished: both have a session open while the page looks.
class two_users_mid_sync {
public:
  two_users_mid_sync()
      : server_(server_options{{{"SYNC_USER1", "ada:pw1"}, {"SYNC_USER2", "grace:pw2"}},
                               {"--admin-token", admin_test_token}}) {
    int n = 0;
    for (const auto& user : users) {
      auto client = server_.sync_client();
      auto device = client::device::create(folder_.path() / user);
      REQUIRE(device.has_value());
      REQUIRE(device->login(client, user, "pw" + std::to_string(++n)).has_value());
      REQUIRE(device->add_note({"front of " + user, "back"}).has_value());
      REQUIRE(device->sync(client).has_value());
      REQUIRE(device->full_upload(client).has_value());
      raw_sync raw(server_, device->host_key());
      REQUIRE(raw.call("start", start_body, "session-of-" + user).status == 200);
      raws_.push_back(std::move(raw));
    }
    // One failed request for the errors list: a step of no session.
    REQUIRE(raws_.front().call("chunk", "{}", "nobody").status == 409);
  }

  server_process& server() { return server_; }

private:
  server_process server_;
  temp_folder folder_;
  std::vector<raw_sync> raws_;
};

boost::json::value admin_json(server_process& server, const std::string& path) {
  auto r = server.admin_http().send(get(path, admin_auth()));
  REQUIRE(r.has_value());
  INFO(path << ": " << r->body);
  REQUIRE(r->status == 200);
  return parse_json(r->body);
}

const boost::json::object* user_entry(const boost::json::value& doc, std::string_view name) {
  for (const auto& u : doc.at("users").as_array())
    if (u.at("name").as_string() == name)
      return &u.as_object();
  return nullptr;
}

// Debian's browser; "" when it is not installed.
std::string chromium_path() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (::access(p, X_OK) == 0)
      return p;
  return {};
}

struct program_run {
  child::exit_status status;
  std::string out;
  std::string err;
};

// Runs `argv` to completion (killed after `timeout`) with HOME in a fresh
// folder, where `argv` may put files of its own (`{folder}` is replaced).
program_run run_program(std::vector<std::string> argv, std::chrono::milliseconds timeout) {
  temp_folder folder;
  for (auto& a : argv)
    if (const auto at = a.find("{folder}"); at != std::string::npos)
      a.replace(at, 8, folder.path().string());
  const auto out = folder.path() / "out";
  const auto err = folder.path() / "err";
  auto pid = child::spawn(argv, child::server_free_environment({{"HOME", folder.path().string()}}),
                          out, err);
  auto status = child::wait_for(pid, timeout);
  program_run run{status ? *status : child::kill_and_reap(pid), read_file(out), read_file(err)};
  if (!status)
    run.status.timed_out = true;
  return run;
}

// One headless chromium run in a fresh profile folder. Containers have no
// user namespaces for its sandbox and no GPU.
program_run run_chromium(const std::string& chromium, std::vector<std::string> args,
                         std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{chromium,
                                "--headless",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--disable-dev-shm-usage",
                                "--no-first-run",
                                "--disable-extensions",
                                "--disable-background-networking",
                                "--user-data-dir={folder}/profile"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(std::move(argv), timeout);
}

// The page's address; the token rides in the fragment, which never
// reaches the server: the page moves it into sessionStorage and out of the
// address.
std::string dashboard_url(const server_process& server, bool with_token) {
  return "http://127.0.0.1:" + std::to_string(server.admin_port()) + "/admin/" +
         (with_token ? std::string("#token=") + admin_test_token : std::string());
}

// Catch2 2 has no skip: ctest reports the test skipped on this line
// (SKIP_REGULAR_EXPRESSION in tests/CMakeLists.txt).
void skip_test(std::string_view why) { std::cout << "ankisync-test-skipped: " << why << std::endl; }

fs::path artefacts_dir() {
  fs::path dir = ANKISYNC_TEST_ARTEFACTS_DIR;
  fs::create_directories(dir);
  return dir;
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

} // namespace

TEST_CASE("GET /admin/ serves the dashboard page without the token, data routes still need it") {
  server_process server(server_options{{}, {"--admin-token", admin_test_token}});
  auto admin = server.admin_http();
  auto page = admin.send(get("/admin/"));
  REQUIRE(page.has_value());
  CHECK(page->status == 200);
  REQUIRE(page->header("content-type") != nullptr);
  CHECK(page->header("content-type")->starts_with("text/html"));
  // Self-contained: nothing loaded from anywhere else.
  CHECK(page->body.find("<script>") != std::string::npos);
  CHECK(page->body.find("src=") == std::string::npos);
  CHECK(page->body.find("href=\"http") == std::string::npos);
  REQUIRE(page->header("content-security-policy") != nullptr);
  CHECK(page->header("content-security-policy")->find("default-src 'none'") != std::string::npos);

  for (const char* path : {"/admin/users", "/admin/errors"}) {
    INFO(path);
    auto refused = admin.send(get(path));
    REQUIRE(refused.has_value());
    CHECK(refused->status == 403);
    auto allowed = admin.send(get(path, admin_auth()));
    REQUIRE(allowed.has_value());
    CHECK(allowed->status == 200);
  }
}

TEST_CASE("/admin/users and /admin/errors show users mid-sync and the last failed request") {
  two_users_mid_sync world;
  auto& server = world.server();
  const auto doc = admin_json(server, "/admin/users");
  INFO(boost::json::serialize(doc));
  for (const auto& name : users) {
    INFO(name);
    const auto* u = user_entry(doc, name);
    REQUIRE(u != nullptr);
    CHECK(u->at("resident").as_bool());
    CHECK(u->at("session_open").as_bool());
    CHECK(as_number(u->at("collection_bytes")) > 0);
    // The full upload was a sync, a moment ago.
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    CHECK(as_number(u->at("last_sync_ms")) > static_cast<double>(now_ms - 600'000));
    CHECK(as_number(u->at("processed")) > 0);
  }

  // /metrics agrees: both sessions are open.
  auto metrics = server.admin_http().send(get("/metrics", admin_auth()));
  REQUIRE(metrics.has_value());
  CHECK(metrics->body.find("\nankisync_sync_sessions_open 2\n") != std::string::npos);

  bool found = false;
  eventually([&] {
    const auto errors = admin_json(server, "/admin/errors");
    for (const auto& e : errors.at("errors").as_array())
      if (e.at("status").as_int64() == 409 && e.at("uri").as_string() == "/sync/chunk" &&
          e.at("user").as_string() == "ada" && !e.at("reason").as_string().empty())
        found = true;
    return found;
  }, 3s);
  CHECK(found);
}

TEST_CASE("A headless browser renders the dashboard with both users, their actors and request counts") {
  const auto chromium = chromium_path();
  if (chromium.empty())
    return skip_test("chromium is not installed (tools/install-deps.sh installs it)");
  two_users_mid_sync world;
  auto& server = world.server();
  const auto url = dashboard_url(server, true);

  // Virtual time runs the page's timers at once but waits for its fetches,
  // so the DOM is dumped after the first refreshes.
  auto dom = run_chromium(chromium, {"--virtual-time-budget=5000", "--dump-dom", url}, 120s);
  write_file(artefacts_dir() / "dashboard.html", dom.out);
  INFO("chromium: " << dom.status.describe() << "\n" << dom.err.substr(0, 4000));
  REQUIRE(dom.status.clean());
  INFO("DOM:\n" << dom.out);
  CHECK(dom.out.find("data-refreshed=") != std::string::npos);
  CHECK(std::regex_search(dom.out, std::regex(R"(<section id="login"[^>]*hidden)")));
  for (const auto& name : users) {
    INFO(name);
    // A row in the users table, with the session open...
    CHECK(std::regex_search(
        dom.out, std::regex("<tr data-user=\"" + name + "\">.*?data-session=\"open\"")));
    // ...and the user's collection actor in the actors table.
    CHECK(dom.out.find("<tr data-actor=\"collection\" data-user=\"" + name + "\">") !=
          std::string::npos);
  }
  std::smatch total;
  REQUIRE(std::regex_search(dom.out, total, std::regex(R"(id="requests-total">(\d+)<)")));
  CHECK(std::stoull(total[1].str()) > 0);
  std::smatch processed;
  CHECK(std::regex_search(dom.out, processed,
                          std::regex(R"re(data-actor="collection"[^>]*>.*?data-processed="([1-9]\d*)")re")));

  // A phone-sized screenshot, kept as an artefact of the run.
  const auto shot = artefacts_dir() / "dashboard.png";
  fs::remove(shot);
  auto screenshot = run_chromium(chromium,
                                 {"--virtual-time-budget=5000", "--window-size=412,915",
                                  "--hide-scrollbars", "--screenshot=" + shot.string(), url},
                                 120s);
  INFO("chromium: " << screenshot.status.describe() << "\n" << screenshot.err.substr(0, 4000));
  CHECK(screenshot.status.clean());
  REQUIRE(fs::exists(shot));
  CHECK(fs::file_size(shot) > 1000);
}

TEST_CASE("Without a token the dashboard shows the token prompt, not data") {
  const auto chromium = chromium_path();
  if (chromium.empty())
    return skip_test("chromium is not installed (tools/install-deps.sh installs it)");
  server_process server(server_options{{{"SYNC_USER1", "ada:pw1"}},
                                       {"--admin-token", admin_test_token}});
  const auto url = dashboard_url(server, false);
  auto dom = run_chromium(chromium, {"--virtual-time-budget=5000", "--dump-dom", url}, 120s);
  INFO("chromium: " << dom.status.describe() << "\n" << dom.err.substr(0, 4000));
  REQUIRE(dom.status.clean());
  INFO("DOM:\n" << dom.out);
  CHECK(std::regex_search(dom.out, std::regex(R"(<main id="board"[^>]*hidden)")));
  CHECK_FALSE(std::regex_search(dom.out, std::regex(R"(<section id="login"[^>]*hidden)")));
  CHECK(dom.out.find("needs its admin token") != std::string::npos);
}

TEST_CASE("Clicking a user's recording switch on the dashboard turns recording on and off") {
  const auto chromium = chromium_path();
  if (chromium.empty())
    return skip_test("chromium is not installed (tools/install-deps.sh installs it)");
  two_users_mid_sync world;
  auto& server = world.server();
  const auto url = dashboard_url(server, true);
  auto recording = [&] {
    const auto doc = admin_json(server, "/admin/record");
    for (const auto& u : doc.at("users").as_array())
      if (u.at("user").as_string() == "grace")
        return true;
    return false;
  };
  REQUIRE_FALSE(recording());
  // A person's click, through the DevTools protocol: the page POSTs
  // /admin/record with the token it holds.
  auto click = [&] {
    return run_program({ANKISYNC_TEST_PYTHON, ANKISYNC_DASHBOARD_CLICK, chromium, url, "grace"},
                       120s);
  };
  auto on = click();
  INFO(on.status.describe() << "\n" << on.out << on.err.substr(0, 4000));
  REQUIRE(on.status.clean());
  CHECK(on.out.find("recording grace") != std::string::npos);
  CHECK(recording());
  auto off = click();
  INFO(off.status.describe() << "\n" << off.out << off.err.substr(0, 4000));
  REQUIRE(off.status.clean());
  CHECK(off.out.find("stopped recording grace") != std::string::npos);
  CHECK_FALSE(recording());
}
