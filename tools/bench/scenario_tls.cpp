// tls: what native TLS (--tls-cert) costs. Two servers of the same binary
// and profile (pi unless --profile says otherwise), one plain and one with
// a certificate made here by the openssl command; each gets a device. The
// server's VmRSS right after start, then N normal syncs of one edited note
// with the connection kept alive and N each on a new connection (its TLS
// handshake included), the two servers taking turns block by block as in
// the route scenario. Printed: CPU per sync on each, and TLS/plain.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "storage/password_hash.hpp"
#include "tools/bench/route_probe.hpp"
#include "tools/bench/scenario_support.hpp"

namespace ankisync::bench {
namespace {

namespace fs = std::filesystem;

constexpr int block_syncs = 20;
constexpr std::uint32_t password_rounds = 100;

void run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
    throw std::runtime_error("tls: failed: " + command);
}

struct certificate {
  fs::path ca, chain, key;
};

// A root and a server certificate for 127.0.0.1 signed by it (P-256, as
// certbot issues by default).
certificate make_certificate(const fs::path& dir) {
  fs::create_directories(dir);
  const std::string d = dir.string() + "/";
  const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
  run("openssl req -x509 " + key + " -keyout " + d + "ca.key -out " + d +
      "ca.pem -days 2 -subj /CN=bench-root");
  std::ofstream(dir / "server.ext") << "subjectAltName=IP:127.0.0.1\n";
  run("openssl req -new " + key + " -keyout " + d + "server.key -out " + d +
      "server.csr -subj /CN=127.0.0.1");
  run("openssl x509 -req -in " + d + "server.csr -CA " + d + "ca.pem -CAkey " + d +
      "ca.key -set_serial 1 -days 2 -extfile " + d + "server.ext -out " + d + "server.pem");
  return {dir / "ca.pem", dir / "server.pem", dir / "server.key"};
}

double per_sync(const route_totals& t) {
  if (t.errors > 0)
    throw std::runtime_error("tls: a sync failed: " + t.first_error);
  return t.latencies.empty() ? 0 : t.cpu_ms / static_cast<double>(t.latencies.size());
}

} // namespace

void run_tls(context& ctx) {
  const auto& o = ctx.opt;
  const std::string profile = o.profile.empty() ? "pi" : o.profile;
  const std::string phc = storage::hash_password(o.password, password_rounds);
  const auto cert = make_certificate(ctx.work / "tls-certificate");

  route_probe_options plain_options{o.server, profile, false, o.user + ":" + phc, "tls-plain"};
  route_probe_options tls_options = plain_options;
  tls_options.device_name = "tls-on";
  tls_options.extra_args = {"--tls-cert", cert.chain.string(), "--tls-key", cert.key.string()};
  tls_options.tls_ca_file = cert.ca.string();
  route_probe plain(ctx, plain_options);
  route_probe tls(ctx, tls_options);

  std::cerr << "tls: " << profile << ": " << o.tls_syncs
            << " syncs per server kept alive, as many on new connections\n";
  for (int done = 0; done < o.tls_syncs; done += block_syncs) {
    const int n = std::min(block_syncs, o.tls_syncs - done);
    for (bool reconnect : {false, true}) {
      plain.run_block(n, reconnect);
      tls.run_block(n, reconnect);
    }
  }

  auto figure = [&](std::string name, double value, std::string unit) {
    ctx.out.add_figure({"tls", profile + " " + std::move(name), value, std::move(unit), "",
                        std::nullopt});
  };
  const double rss_plain = plain.rss_at_start() / mb, rss_tls = tls.rss_at_start() / mb;
  figure("RSS after start, plain", rss_plain, "MB");
  figure("RSS after start, TLS", rss_tls, "MB");
  figure("  TLS - plain", rss_tls - rss_plain, "MB");
  const double kept_plain = per_sync(plain.totals()), kept_tls = per_sync(tls.totals());
  figure("server CPU per sync, kept alive, plain", kept_plain, "ms");
  figure("server CPU per sync, kept alive, TLS", kept_tls, "ms");
  figure("  TLS/plain, kept alive", kept_plain > 0 ? kept_tls / kept_plain : 0, "");
  const double new_plain = per_sync(plain.reconnect_totals()),
               new_tls = per_sync(tls.reconnect_totals());
  figure("server CPU per sync, new connection, plain", new_plain, "ms");
  figure("server CPU per sync, new connection, TLS", new_tls, "ms");
  figure("  TLS/plain, new connection", new_plain > 0 ? new_tls / new_plain : 0, "");
}

} // namespace ankisync::bench
