// Native TLS (--tls-cert, --tls-key): certificates made here with the
// openssl command (a root, an intermediate, a server certificate for
// localhost and 127.0.0.1, served as a chain), the reference client
// syncing over HTTPS and verifying that chain, openssl s_client at each
// protocol version, a reload on SIGHUP, and a server without TLS that
// maps no TLS library.

#include <signal.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/integration/server_process.hpp"
#include "tests/integration/sync_support.hpp"
#include "tests/integration/test_support.hpp"
#include "tools/client/device.hpp"

using namespace ankisync;
using namespace ankisync::integration;
namespace fs = std::filesystem;

namespace {

struct shell_result {
  int status = -1;
  std::string out; // stdout and stderr
};

// `command` through /bin/sh, stdin empty.
shell_result shell(const std::string& command) {
  shell_result r;
  FILE* p = ::popen(("(" + command + ") </dev/null 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;)
    r.out.append(buf, n);
  r.status = ::pclose(p);
  return r;
}

void must_run(const std::string& command) {
  auto r = shell(command);
  INFO(command << "\n" << r.out);
  REQUIRE(r.status == 0);
}

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

// A root CA and an intermediate under it, in `dir`, named by `tag`;
// server_certificate() issues from them.
struct authority {
  fs::path dir;
  std::string tag;
  fs::path root() const { return dir / (tag + "-root.pem"); }
  fs::path intermediate() const { return dir / (tag + "-int.pem"); }
};

constexpr const char* new_ec_key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";

authority make_authority(const fs::path& dir, const std::string& tag) {
  authority a{dir, tag};
  const auto d = dir / tag;
  must_run("openssl req -x509 " + std::string(new_ec_key) + " -keyout " + q(d.string() + "-root.key") +
           " -out " + q(a.root()) + " -days 2 -subj '/CN=" + tag + " root'");
  std::ofstream(d.string() + "-int.ext")
      << "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n";
  must_run("openssl req -new " + std::string(new_ec_key) + " -keyout " + q(d.string() + "-int.key") +
           " -out " + q(d.string() + "-int.csr") + " -subj '/CN=" + tag + " intermediate'");
  must_run("openssl x509 -req -in " + q(d.string() + "-int.csr") + " -CA " + q(a.root()) +
           " -CAkey " + q(d.string() + "-root.key") + " -set_serial 2 -days 2 -extfile " +
           q(d.string() + "-int.ext") + " -out " + q(a.intermediate()));
  return a;
}

// A server certificate for localhost and 127.0.0.1 from `a`'s
// intermediate: `chain` gets it followed by the intermediate, `key` its key.
void server_certificate(const authority& a, int serial, const fs::path& chain, const fs::path& key) {
  const auto d = a.dir / (a.tag + "-server" + std::to_string(serial));
  std::ofstream(d.string() + ".ext") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                                        "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n";
  must_run("openssl req -new " + std::string(new_ec_key) + " -keyout " + q(d.string() + ".key") +
           " -out " + q(d.string() + ".csr") + " -subj /CN=localhost");
  must_run("openssl x509 -req -in " + q(d.string() + ".csr") + " -CA " + q(a.intermediate()) +
           " -CAkey " + q(a.dir / (a.tag + "-int.key")) + " -set_serial " +
           std::to_string(serial) + " -days 2 -extfile " + q(d.string() + ".ext") + " -out " +
           q(d.string() + ".pem"));
  // Written under other names and renamed, as a certificate renewal does.
  must_run("cat " + q(d.string() + ".pem") + " " + q(a.intermediate()) + " > " +
           q(chain.string() + ".new") + " && mv " + q(chain.string() + ".new") + " " + q(chain) +
           " && cp " + q(d.string() + ".key") + " " + q(key.string() + ".new") + " && mv " +
           q(key.string() + ".new") + " " + q(key));
}

// The SHA-256 fingerprint of the certificate a new connection to `port` is served.
std::string served_fingerprint(std::uint16_t port) {
  auto r = shell("openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                 " 2>/dev/null | openssl x509 -noout -fingerprint -sha256");
  INFO(r.out);
  REQUIRE(r.status == 0);
  return r.out;
}

std::string file_fingerprint(const fs::path& pem) {
  auto r = shell("openssl x509 -noout -fingerprint -sha256 -in " + q(pem));
  REQUIRE(r.status == 0);
  return r.out;
}

client::sync_client https_client(std::uint16_t port, const fs::path& ca,
                                 std::string host = "127.0.0.1") {
  client::sync_client_options o;
  o.http.timeout = std::chrono::seconds(60);
  o.http.tls_ca_file = ca.string();
  return client::sync_client(std::move(host), port, o);
}

// A server with SYNC_USER1=user:pass over TLS with `chain` and `key`.
server_options tls_server(const fs::path& chain, const fs::path& key) {
  return server_options{{{"SYNC_USER1", "user:pass"}},
                        {"--tls-cert", chain.string(), "--tls-key", key.string()}};
}

bool maps_contain(pid_t pid, const std::string& needle) {
  return child::read_file("/proc/" + std::to_string(pid) + "/maps").find(needle) !=
         std::string::npos;
}

} // namespace

TEST_CASE("over HTTPS the reference client logs in, uploads, downloads and syncs media, "
          "verifying the chain and the host name") {
  temp_folder pki;
  const auto ca = make_authority(pki.path(), "first");
  const auto chain = pki.path() / "chain.pem", key = pki.path() / "key.pem";
  server_certificate(ca, 100, chain, key);
  server_process server(tls_server(chain, key));

  auto a = client::device::create(pki.path() / "a");
  REQUIRE(a.has_value());
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    auto c = https_client(server.port(), ca.root(), host);
    auto login = a->login(c, "user", "pass");
    INFO(host << ": " << (login ? std::string() : login.error().message));
    REQUIRE(login.has_value());
  }
  auto ca_client = https_client(server.port(), ca.root());
  REQUIRE(a->add_note({"over https", "back"}).has_value());
  auto up = a->full_upload(ca_client);
  INFO((up ? std::string() : up.error().message));
  REQUIRE(up.has_value());
  REQUIRE(a->add_media("tls.png", noise(200 * 1024)).has_value());
  auto media = a->media_sync(ca_client);
  INFO((media ? std::string() : client::describe(media.error())));
  REQUIRE(media.has_value());
  REQUIRE(a->add_note({"second", "note"}).has_value());
  REQUIRE(is(a->sync(ca_client), client::sync_outcome_kind::normal_sync_done));

  auto b = client::device::create(pki.path() / "b");
  REQUIRE(b.has_value());
  auto cb = https_client(server.port(), ca.root());
  REQUIRE(b->login(cb, "user", "pass").has_value());
  auto down = b->full_download(cb);
  INFO((down ? std::string() : down.error().message));
  REQUIRE(down.has_value());

  // The admin listener speaks HTTPS too.
  client::http_client_options admin_options;
  admin_options.tls_ca_file = ca.root().string();
  auto metrics = client::http_client("127.0.0.1", server.admin_port(), admin_options)
                     .send(get("/metrics"));
  INFO((metrics ? std::string() : metrics.error()));
  REQUIRE(metrics.has_value());
  CHECK(metrics->status == 200);

  // The health probe (serve --healthcheck, the service watchdog) asks over HTTPS.
  auto probe = run_ankisync({"serve", "--healthcheck", "--port", std::to_string(server.port()),
                             "--tls-cert", chain.string(), "--tls-key", key.string()});
  INFO(probe.err);
  CHECK(probe.status.clean());

  SECTION("a client trusting another root is not fooled") {
    const auto other = make_authority(pki.path(), "other");
    auto c = https_client(server.port(), other.root());
    auto r = c.login("user", "pass");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().find("TLS handshake") != std::string::npos);
  }
  SECTION("plain HTTP on the TLS port gets no reply") {
    auto plain = client::http_client("127.0.0.1", server.port());
    CHECK_FALSE(plain.send(get("/health")).has_value());
  }
}

TEST_CASE("TLS 1.2 and 1.3 clients connect, a TLS 1.1 one is refused") {
  temp_folder pki;
  const auto ca = make_authority(pki.path(), "versions");
  const auto chain = pki.path() / "chain.pem", key = pki.path() / "key.pem";
  server_certificate(ca, 7, chain, key);
  server_process server(tls_server(chain, key));
  const std::string connect = "openssl s_client -connect 127.0.0.1:" +
                              std::to_string(server.port()) + " -verify_return_error -CAfile " +
                              q(ca.root());
  for (const std::string version : {"1.2", "1.3"}) {
    std::string flag = version == "1.2" ? " -tls1_2" : " -tls1_3";
    auto r = shell(connect + flag);
    INFO(r.out);
    CHECK(r.status == 0);
    CHECK(r.out.find("New, TLSv" + version) != std::string::npos);
    CHECK(r.out.find("Verify return code: 0 (ok)") != std::string::npos);
  }
  // The client side allows TLS 1.1 here, so the refusal is the server's.
  auto old = shell(connect + " -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'");
  INFO(old.out);
  CHECK(old.status != 0);
  CHECK(old.out.find("alert protocol version") != std::string::npos);
}

TEST_CASE("SIGHUP serves a new certificate to new connections while a sync on an older "
          "connection completes, and a certificate that does not load keeps the old one") {
  temp_folder pki;
  const auto first = make_authority(pki.path(), "first");
  const auto second = make_authority(pki.path(), "second");
  const auto chain = pki.path() / "chain.pem", key = pki.path() / "key.pem";
  server_certificate(first, 100, chain, key);
  const auto first_fingerprint = file_fingerprint(chain);
  server_process server(tls_server(chain, key));
  REQUIRE(served_fingerprint(server.port()) == first_fingerprint);

  auto d = client::device::create(pki.path() / "d");
  REQUIRE(d.has_value());
  // Trusting the first root only: were this connection reopened after the
  // reload, its handshake would fail.
  auto old_connection = https_client(server.port(), first.root());
  REQUIRE(d->login(old_connection, "user", "pass").has_value());
  REQUIRE(d->full_upload(old_connection).has_value());
  for (int i = 0; i < 30; ++i)
    REQUIRE(d->add_note({"note " + std::to_string(i), "x"}).has_value());

  std::string second_fingerprint;
  client::sync_hooks hooks;
  bool reloaded = false;
  hooks.after_reply = [&](protocol::sync_method m, int) {
    if (m != protocol::sync_method::start || reloaded)
      return;
    reloaded = true;
    server_certificate(second, 200, chain, key);
    second_fingerprint = file_fingerprint(chain);
    REQUIRE(::kill(server.pid(), SIGHUP) == 0);
    REQUIRE(eventually([&] {
      return server.stderr_text().find("TLS certificate reloaded") != std::string::npos;
    }));
    CHECK(served_fingerprint(server.port()) == second_fingerprint);
  };
  auto synced = d->sync(old_connection, hooks);
  INFO(text(synced) << "\n" << server.stderr_text());
  REQUIRE(reloaded);
  REQUIRE(is(synced, client::sync_outcome_kind::normal_sync_done));
  CHECK(second_fingerprint != first_fingerprint);

  // New clients verify the new chain against its own root.
  auto fresh = https_client(server.port(), second.root());
  REQUIRE(is(d->sync(fresh), client::sync_outcome_kind::no_changes));

  // A broken file: logged, and the second certificate stays.
  std::ofstream(chain) << "not a certificate\n";
  REQUIRE(::kill(server.pid(), SIGHUP) == 0);
  REQUIRE(eventually([&] {
    return server.stderr_text().find("still serving the previous certificate") !=
           std::string::npos;
  }));
  CHECK(server.stderr_text().find(chain.string()) != std::string::npos);
  CHECK(served_fingerprint(server.port()) == second_fingerprint);
  CHECK(server.running());
}

TEST_CASE("TLS files that cannot be loaded stop the start with a message naming the file") {
  temp_folder pki;
  const auto ca = make_authority(pki.path(), "start");
  const auto chain = pki.path() / "chain.pem", key = pki.path() / "key.pem";
  server_certificate(ca, 3, chain, key);
  const auto data = pki.path() / "data";
  const auto missing = pki.path() / "missing.pem";

  auto no_cert = run_ankisync(
      {"serve", "--data", data.string(), "--port", "0", "--tls-cert", missing.string(),
       "--tls-key", key.string()});
  CHECK_FALSE(no_cert.status.clean());
  CHECK(no_cert.err.find(missing.string()) != std::string::npos);

  // The key of another certificate.
  auto wrong_key = run_ankisync({"serve", "--data", data.string(), "--port", "0", "--tls-cert",
                                 chain.string(), "--tls-key",
                                 (pki.path() / "start-int.key").string()});
  CHECK_FALSE(wrong_key.status.clean());
  CHECK(wrong_key.err.find("start-int.key") != std::string::npos);
  CHECK(wrong_key.err.find("mismatch") != std::string::npos);
  // Refused before the data folder was made.
  CHECK_FALSE(fs::exists(data));

  auto config = run_ankisync({"serve", "--dump-config", "--data", data.string()},
                             {{"ANKISYNC_TLS_CERT", chain.string()},
                              {"ANKISYNC_TLS_KEY", key.string()}});
  CHECK(config.out.find("tls = cert " + chain.string() + ", key " + key.string()) !=
        std::string::npos);

  auto half = run_ankisync({"serve", "--data", data.string(), "--port", "0"},
                           {{"ANKISYNC_TLS_CERT", chain.string()}});
  CHECK_FALSE(half.status.clean());
  CHECK(half.err.find("ANKISYNC_TLS_KEY") != std::string::npos);
}

TEST_CASE("without TLS the server neither links nor maps a TLS library, and with TLS only its "
          "module brings one in") {
  auto needed = shell("readelf -d " + q(binary_path()));
  REQUIRE(needed.status == 0);
  REQUIRE(needed.out.find("(NEEDED)") != std::string::npos);
  CHECK(needed.out.find("libssl") == std::string::npos);
  CHECK(needed.out.find("libcrypto") == std::string::npos);

  {
    server_process plain(server_options{{{"SYNC_USER1", "user:pass"}}, {"--profile", "pi"}});
    REQUIRE(plain.http().send(get("/health")).has_value());
    CHECK_FALSE(maps_contain(plain.pid(), "libssl"));
    CHECK_FALSE(maps_contain(plain.pid(), "libcrypto"));
    CHECK_FALSE(maps_contain(plain.pid(), "libankisync-tls"));
  }
  temp_folder pki;
  const auto ca = make_authority(pki.path(), "maps");
  const auto chain = pki.path() / "chain.pem", key = pki.path() / "key.pem";
  server_certificate(ca, 5, chain, key);
  // The variables instead of the flags.
  server_process tls(server_options{
      {{"SYNC_USER1", "user:pass"}, {"ANKISYNC_TLS_CERT", chain.string()},
       {"ANKISYNC_TLS_KEY", key.string()}},
      {"--profile", "pi"}});
  CHECK(maps_contain(tls.pid(), "libankisync-tls"));
  CHECK(maps_contain(tls.pid(), "libssl"));
}
