// The reference client through a real nginx and a real Caddy, started
// here on loopback with the configurations docs/deploy.md gives (read
// from that file, so the guide is what is tested): under a path prefix and
// at the root, a full upload larger than nginx's default body limit, a
// media sync, and SYNC_IP_HEADER making login throttling per client.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/integration/server_process.hpp"
#include "tests/integration/test_support.hpp"
#include "tools/child_process/child_process.hpp"
#include "tools/client/device.hpp"

using namespace ankisync;
using namespace ankisync::integration;
namespace fs = std::filesystem;

namespace {

// The fenced block after "<!-- config: NAME" in docs/deploy.md.
std::string config_from_guide(const std::string& name) {
  std::istringstream doc(child::read_file(ANKISYNC_DEPLOY_GUIDE));
  std::string line, block;
  bool marker = false, inside = false;
  while (std::getline(doc, line)) {
    if (inside) {
      if (line.starts_with("```"))
        return block;
      block += line + "\n";
    } else if (line.starts_with("<!-- config: " + name + " ")) {
      marker = true;
    } else if (marker && line.starts_with("```")) {
      inside = true;
    }
  }
  FAIL("docs/deploy.md has no config block for " << name);
  return {};
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

// Lines of `s` without those containing `needle`.
std::string drop_lines(const std::string& s, const std::string& needle) {
  std::istringstream in(s);
  std::string line, out;
  while (std::getline(in, line))
    if (line.find(needle) == std::string::npos)
      out += line + "\n";
  return out;
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p);
  out << text;
  REQUIRE(out.flush().good());
}

// The guide's server block, on a loopback port without TLS, forwarding
// to this test's ankisync; in a minimal nginx.conf of its own folder.
std::vector<std::string> nginx_command(const fs::path& folder, std::uint16_t port,
                                       std::uint16_t upstream) {
  auto site = config_from_guide("nginx");
  site = drop_lines(site, "ssl_");
  REQUIRE(site.find("listen 443 ssl;") != std::string::npos);
  site = replace_all(site, "listen 443 ssl;", "listen 127.0.0.1:" + std::to_string(port) + ";");
  site = replace_all(site, "127.0.0.1:8080", "127.0.0.1:" + std::to_string(upstream));
  const auto f = folder.string();
  write_file(folder / "nginx.conf",
             "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + f + "/nginx.pid;\n"
             "error_log " + f + "/error.log info;\nevents { worker_connections 64; }\nhttp {\n"
             "access_log " + f + "/access.log;\nclient_body_temp_path " + f + "/body;\n"
             "proxy_temp_path " + f + "/proxy;\nfastcgi_temp_path " + f + "/fastcgi;\n"
             "uwsgi_temp_path " + f + "/uwsgi;\nscgi_temp_path " + f + "/scgi;\n" +
             site + "}\n");
  return {"/usr/sbin/nginx", "-e", f + "/error.log", "-p", f, "-c", f + "/nginx.conf"};
}

// The guide's Caddyfile, its site served over plain HTTP on a loopback
// port, Caddy's own admin endpoint and certificate machinery off.
std::vector<std::string> caddy_command(const fs::path& folder, std::uint16_t port,
                                       std::uint16_t upstream) {
  auto site = config_from_guide("caddy");
  REQUIRE(site.find("anki.example.org {") != std::string::npos);
  site = replace_all(site, "anki.example.org {", "http://127.0.0.1:" + std::to_string(port) + " {");
  site = replace_all(site, "127.0.0.1:8080", "127.0.0.1:" + std::to_string(upstream));
  write_file(folder / "Caddyfile", "{\n\tadmin off\n\tauto_https off\n\tstorage file_system " +
                                       (folder / "storage").string() + "\n}\n" + site);
  return {"/usr/bin/caddy", "run", "--adapter", "caddyfile", "--config",
          (folder / "Caddyfile").string()};
}

class proxy_process {
public:
  proxy_process(const std::string& kind, std::uint16_t upstream) {
    REQUIRE(fs::exists(kind == "nginx" ? "/usr/sbin/nginx" : "/usr/bin/caddy"));
    port_ = free_port();
    auto argv = kind == "nginx" ? nginx_command(folder_.path(), port_, upstream)
                                : caddy_command(folder_.path(), port_, upstream);
    const auto home = folder_.path().string();
    pid_ = child::spawn(argv,
                        child::server_free_environment({{"HOME", home},
                                                        {"XDG_DATA_HOME", home},
                                                        {"XDG_CONFIG_HOME", home}}),
                        log());
    client::http_client http("127.0.0.1", port_);
    const bool up = eventually(
        [&] {
          auto r = http.send(get("/anki/health"));
          return r && r->status == 200;
        },
        std::chrono::seconds(20));
    INFO(child::read_file(log()) << child::read_file(folder_.path() / "error.log"));
    REQUIRE(up);
  }
  ~proxy_process() {
    if (pid_ > 0)
      child::stop(pid_, std::chrono::seconds(5));
  }
  std::uint16_t port() const { return port_; }
  fs::path log() const { return folder_.path() / "proxy.log"; }

private:
  temp_folder folder_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

client::sync_client through(const proxy_process& proxy, std::string prefix,
                            std::string from = {}) {
  client::sync_client_options o;
  o.http.timeout = std::chrono::seconds(60);
  o.http.path_prefix = std::move(prefix);
  o.http.source_address = std::move(from);
  return client::sync_client("127.0.0.1", proxy.port(), o);
}

// Letters only (a note field), compressing to about half: ~2 MB on the wire.
std::string big_field() {
  auto bytes = noise(4 << 20);
  for (auto& c : bytes)
    c = static_cast<char>('a' + c);
  return bytes;
}

void sync_through(const std::string& kind) {
  server_process server(server_options{
      {{"SYNC_USER1", "user:pass"}, {"SYNC_IP_HEADER", "RightmostXForwardedFor"}},
      {"--profile", "pi", "--set", "login.failures_per_minute=3"}});
  proxy_process proxy(kind, server.port());
  temp_folder devices;

  SECTION("a full upload over 1 MB and media under the prefix, a download and media at the root") {
    auto a = client::device::create(devices.path() / "a");
    REQUIRE(a.has_value());
    auto ca = through(proxy, "/anki");
    auto login = a->login(ca, "user", "pass");
    INFO((login ? std::string() : login.error().message));
    REQUIRE(login.has_value());
    const auto field = big_field();
    REQUIRE(a->add_note({field, "back"}).has_value());
    auto up = a->full_upload(ca);
    INFO((up ? std::string() : up.error().message));
    REQUIRE(up.has_value());
    const auto picture = noise(300 * 1024);
    REQUIRE(a->add_media("through-the-proxy.png", picture).has_value());
    auto media_up = a->media_sync(ca);
    INFO((media_up ? std::string() : client::describe(media_up.error())));
    REQUIRE(media_up.has_value());

    // A client given the prefix without its final slash asks at the root.
    auto b = client::device::create(devices.path() / "b");
    REQUIRE(b.has_value());
    auto cb = through(proxy, "");
    REQUIRE(b->login(cb, "user", "pass").has_value());
    auto down = b->full_download(cb);
    INFO((down ? std::string() : down.error().message));
    REQUIRE(down.has_value());
    auto media_down = b->media_sync(cb);
    INFO((media_down ? std::string() : client::describe(media_down.error())));
    REQUIRE(media_down.has_value());
    auto files = b->media_files();
    REQUIRE(files.has_value());
    CHECK(files->count("through-the-proxy.png") == 1);
    CHECK((*files)["through-the-proxy.png"] == picture);
    CHECK(fs::file_size(server.data_dir() / "user" / "collection.anki2") > (4u << 20));
  }

  SECTION("wrong passwords from one client throttle that client, not another behind the proxy") {
    auto guesser = through(proxy, "/anki", "127.0.0.2");
    auto d = client::device::create(devices.path() / "g");
    REQUIRE(d.has_value());
    int last_status = 0;
    for (int i = 0; i < 6 && last_status != 429; ++i) {
      auto r = d->login(guesser, "user", "wrong");
      REQUIRE_FALSE(r.has_value());
      last_status = r.error().status;
    }
    CHECK(last_status == 429);
    auto honest = through(proxy, "/anki", "127.0.0.3");
    auto h = client::device::create(devices.path() / "h");
    REQUIRE(h.has_value());
    auto ok = h->login(honest, "user", "pass");
    INFO((ok ? std::string() : ok.error().message));
    CHECK(ok.has_value());
    // The log names the client, not the proxy (a line is written once
    // its reply has gone out).
    const bool named = eventually([&] {
      auto log = server.stderr_text();
      return log.find("] 127.0.0.2 POST /sync/hostKey") != std::string::npos &&
             log.find("] 127.0.0.3 POST /sync/hostKey") != std::string::npos;
    });
    INFO(server.stderr_text());
    CHECK(named);
  }
}

} // namespace

TEST_CASE("behind nginx as docs/deploy.md configures it") { sync_through("nginx"); }

TEST_CASE("behind Caddy as docs/deploy.md configures it") { sync_through("caddy"); }

TEST_CASE("without the header SYNC_IP_HEADER names, a sync request is 500 and /health still 200") {
  server_process server(server_options{{{"SYNC_IP_HEADER", "XRealIp"}}, {}});
  auto http = server.http();
  auto health = http.send(get("//health"));
  REQUIRE(health.has_value());
  CHECK(health->status == 200);
  auto meta = http.send(post("/anki//sync/meta", "{}", {{"X-Forwarded-For", "192.0.2.1"}}));
  REQUIRE(meta.has_value());
  CHECK(meta->status == 500);
  CHECK_THAT(meta->body, Catch::Contains("missing client address"));
}
