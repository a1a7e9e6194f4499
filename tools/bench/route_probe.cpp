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
  return s;
}

client::sync_client_options client_options(bool legacy) {
  client::sync_client_options c;
  c.legacy = legacy;
  return c;
}

// device_from_server works on the context's shared server; this one is ours.
client::device ready_device(const context& ctx, const server_runner& s, const std::string& name) {
  const context own{ctx.opt, ctx.out, target{"127.0.0.1", s.port(), s.pid()}, ctx.work};
  return device_from_server(own, name);
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
    : server_(server_options(ctx, options)),
      client_("127.0.0.1", server_.port(), client_options(options.legacy)),
      device_(ready_device(ctx, server_, options.device_name)) {
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

void route_probe::run_block(int syncs) {
  client::sync_hooks hooks;
  hooks.before_request = [this](protocol::sync_method) { ++totals_.requests; };
  const pid_t p = server_.pid();
  const double cpu_before = cpu_ms(p);
  const switch_counts switches_before = context_switches(p);
  for (int i = 0; i < syncs; ++i) {
    auto [r, ms] = edit_and_sync(hooks);
    totals_.latencies.push_back(ms);
    if (!normal_done(r) && totals_.errors++ == 0)
      totals_.first_error = client::describe(r);
  }
  totals_.cpu_ms += cpu_ms(p) - cpu_before;
  totals_.switches += context_switches(p) - switches_before;
}

} // namespace ankisync::bench
