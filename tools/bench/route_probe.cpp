#include "tools/bench/route_probe.hpp"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tools/bench/scenario_support.hpp"

namespace ankisync::bench {
namespace {

server_runner_options server_options(const context& ctx, const route_probe_options& o) {
  auto s = ctx.server_base();
  s.binary = o.binary;
  s.profile = o.profile;
  s.users = {o.user_env};
  s.passwords_hashed = true;
  s.extra_args = o.extra_args;
  s.tls_ca_file = o.tls_ca_file;
  return s;
}

client::sync_client_options client_options(const route_probe_options& o) {
  client::sync_client_options c;
  c.legacy = o.legacy;
  c.http.tls_ca_file = o.tls_ca_file;
  return c;
}

// device_from_server works on the context's shared server; this one is ours.
client::device ready_device(const context& ctx, const server_runner& s,
                            const route_probe_options& o) {
  const context own{ctx.opt, ctx.out, target{"127.0.0.1", s.port(), s.pid(), o.tls_ca_file},
                    ctx.work};
  return device_from_server(own, o.device_name);
}

bool normal_done(const client::sync_result& r) {
  return r && r->kind == client::sync_outcome_kind::normal_sync_done;
}

// Syncs before the first block: the first calls over a new connection and
// into a freshly opened collection pay for things a steady path does not
// (statements prepared, pages read); these leave them out.
constexpr int warm_up_syncs = 3;

} // namespace

route_probe::route_probe(const context& ctx, const route_probe_options& options)
    : server_(server_options(ctx, options)), rss_at_start_(rss_bytes(server_.pid())),
      client_("127.0.0.1", server_.port(), client_options(options)),
      device_(ready_device(ctx, server_, options)) {
  note_ = must(device_.add_note({"front", "back"}, {"route"}), "add note").note_id;
  auto first = device_.sync(client_);
  if (!normal_done(first))
    throw std::runtime_error("route: the first sync: " + client::describe(first));
  for (int i = 0; i < warm_up_syncs; ++i) {
    auto [r, ms] = edit_and_sync({});
    if (!normal_done(r))
      throw std::runtime_error("route: a warm-up sync: " + client::describe(r));
  }
}

std::pair<client::sync_result, double> route_probe::edit_and_sync(client::sync_hooks hooks) {
  must(device_.edit_note(note_, std::vector<std::string>{"front", "back " + std::to_string(++edits_)}),
       "edit note");
  const auto start = clk::now();
  auto r = device_.sync(client_, std::move(hooks));
  return {std::move(r), ms_since(start)};
}

void route_probe::run_block(int syncs, bool reconnect) {
  auto& t = reconnect ? reconnect_totals_ : totals_;
  client::sync_hooks hooks;
  hooks.before_request = [&t](protocol::sync_method) { ++t.requests; };
  const pid_t p = server_.pid();
  const double cpu_before = cpu_ms(p);
  const switch_counts switches_before = context_switches(p);
  for (int i = 0; i < syncs; ++i) {
    if (reconnect)
      client_.http().close();
    auto [r, ms] = edit_and_sync(hooks);
    t.latencies.push_back(ms);
    if (!normal_done(r) && t.errors++ == 0)
      t.first_error = client::describe(r);
  }
  t.cpu_ms += cpu_ms(p) - cpu_before;
  t.switches += context_switches(p) - switches_before;
}

} // namespace ankisync::bench
