#include "actors/runtime.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "actors/admin_actor.hpp"
#include "actors/blocking_pool.hpp"
#include "actors/gateway_actor.hpp"
#include "actors/inflight_requests.hpp"
#include "actors/messages.hpp"
#include "actors/payload_limits.hpp"
#include "actors/registry_actor.hpp"
#include "actors/worker_pool_actor.hpp"

namespace ankisync::actors {
namespace {

// After the shutdown deadline, actors get this long to end: rolling back a
// session and closing a collection take milliseconds.
constexpr auto actor_stop_time = std::chrono::seconds(2);

// Spawns the actor that sends `msg` to `target` and hands the answer to
// `on_reply`, or `on_stop()`'s value when the runtime stops first (or has
// stopped: then no request is sent).
template <class Msg, class Reply, class Target, class Done, class Convert, class Fail,
          class Stopped>
void spawn_requester(caf::actor_system& system, inflight_requests& inflight, Target target,
                     caf::timespan timeout, Msg msg, Done done, Convert on_reply, Fail on_error,
                     Stopped on_stop) {
  system.spawn([&inflight, target, timeout, msg = std::move(msg), done = std::move(done),
                on_reply, on_error, on_stop](caf::event_based_actor* self) mutable {
    const auto id = self->id();
    if (!inflight.add(id, caf::actor_cast<caf::actor>(self))) {
      done(on_stop());
      self->quit();
      return;
    }
    self->set_exit_handler([&inflight, id, self, done, on_stop](caf::exit_msg& exit) {
      inflight.remove(id);
      done(on_stop());
      self->quit(exit.reason);
    });
    self->request(target, timeout, std::move(msg))
        .then(
            [&inflight, id, done, on_reply](Reply& reply) {
              inflight.remove(id);
              done(on_reply(reply));
            },
            [&inflight, id, done, on_error](caf::error& err) {
              inflight.remove(id);
              done(on_error(err));
            });
  });
}

std::unique_ptr<caf::actor_system_config> make_config(const profiles::profile& p) {
  auto cfg = std::make_unique<caf::actor_system_config>();
  cfg->add_message_types<caf::id_block::ankisync>();
  // CLI11 owns the command line, so CAF's keys are set here, not parsed.
  cfg->set("scheduler.max-threads", static_cast<std::size_t>(p.scheduler_threads));
  cfg->set("scheduler.policy", caf::atom_from_string(p.scheduler_policy));
  cfg->set("work-stealing.aggressive-poll-attempts", static_cast<std::size_t>(p.scheduler_spin_polls));
  cfg->set("work-stealing.moderate-poll-attempts", static_cast<std::size_t>(p.scheduler_nap_polls));
  cfg->set("work-stealing.relaxed-sleep-duration",
           caf::timespan(std::chrono::duration_cast<caf::timespan>(p.scheduler_idle_wake)));
  return cfg;
}

} // namespace

struct runtime::impl {
  explicit impl(runtime_options o)
      : options(std::move(o)), config(make_config(options.profile)), system(*config),
        pool(options.profile.blocking_threads),
        metrics(std::make_shared<metrics_registry>(options.counters ? *options.counters
                                                                    : own_counters)) {}

  // Used when the caller shares none; declared before the registry.
  protocol::server_metrics own_counters;
  runtime_options options;
  // Declared before the system, so it outlives every requester using it.
  inflight_requests inflight;
  std::unique_ptr<caf::actor_system_config> config;
  caf::actor_system system;
  blocking_pool pool;
  std::shared_ptr<metrics_registry> metrics;
  worker_iface workers;
  registry_iface registry;
  gateway_iface gateway;
  admin_iface admin;
  bool stopped = false;
  // Read by reply channels dropped during shutdown (runtime::sync_backend).
  std::atomic<bool> stopping{false};
};

runtime::runtime(runtime_options options) : impl_(std::make_unique<impl>(std::move(options))) {
  auto& o = impl_->options;
  registry_config rc;
  rc.data_dir = o.data_dir;
  rc.profile = o.profile;
  if (o.idle_eviction)
    rc.profile.idle_eviction = *o.idle_eviction;
  // The tick also drives the stall check of waiting requests, so a
  // waiting device goes ahead at most a quarter past the stall bound.
  rc.tick = std::clamp(std::min({rc.profile.idle_eviction, rc.profile.session_idle_timeout,
                                 rc.profile.session_stall}) / 4,
                       std::chrono::milliseconds(50), std::chrono::milliseconds(5000));
  // A session is rolled back between its idle time and a quarter more.
  rc.session_check = std::clamp(rc.profile.session_idle_timeout / 4, rc.tick,
                                std::chrono::milliseconds(60000));
  impl_->workers = impl_->system.spawn<worker_pool_actor>(impl_->metrics, &impl_->pool);
  rc.workers = impl_->workers;
  impl_->registry = impl_->system.spawn<registry_actor>(impl_->metrics, rc);

  gateway_config gc;
  gc.users_db_file = o.users_db_file;
  gc.registry = impl_->registry;
  gc.pool = &impl_->pool;
  gc.logins.max_hashing = o.profile.login_max_pending;
  gc.logins.user_failures_per_minute = o.profile.login_failures_per_minute;
  gc.logins.address_failures_per_minute = o.profile.login_address_failures_per_minute;
  gc.logins.max_wait = o.profile.login_wait;
  gc.payload = payload_limits(o.profile);
  gc.recorder = o.recorder;
  impl_->gateway = impl_->system.spawn<gateway_actor>(impl_->metrics, gc);
  caf::anon_send(impl_->registry, gateway_is_msg{impl_->gateway});

  admin_config ac{o.profile.name, std::chrono::steady_clock::now(), &impl_->pool, o.data_dir};
  impl_->admin = impl_->system.spawn<admin_actor>(impl_->metrics, ac);
}

runtime::~runtime() { shutdown(std::chrono::steady_clock::now()); }

runtime::shutdown_report runtime::shutdown(std::chrono::steady_clock::time_point deadline) {
  shutdown_report report;
  if (impl_->stopped)
    return report;
  impl_->stopped = true;
  impl_->stopping.store(true, std::memory_order_release);
  for (auto& requester : impl_->inflight.stop())
    caf::anon_send_exit(requester, caf::exit_reason::user_shutdown);
  // The registry takes the collection actors down; each rolls back its open
  // session. The worker pool actor answers the jobs it still waits for.
  for (const caf::actor_addr& a : {impl_->gateway.address(), impl_->registry.address(),
                                   impl_->admin.address(), impl_->workers.address()})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  report.abandoned_jobs = impl_->pool.stop(deadline);
  const auto actors_deadline = std::max(deadline, std::chrono::steady_clock::now()) + actor_stop_time;
  auto& registry = impl_->system.registry();
  while (registry.running() > 0 && std::chrono::steady_clock::now() < actors_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  report.running_actors = registry.running();
  return report;
}

void runtime::submit(protocol::sync_request&& request, std::function<void(sync_outcome)> done) {
  // One message into the actor world; the answer comes back through the
  // channel from the actor that gives it, with no requester in between.
  // A request still queued when the actors stop is answered 503.
  reply_channel reply(std::move(done), [stopping = &impl_->stopping]() -> sync_outcome {
    if (stopping->load(std::memory_order_acquire))
      return std::unexpected(
          protocol::make_error(protocol::error_code::unavailable, "the server is stopping"));
    return std::unexpected(protocol::make_error(protocol::error_code::server_error,
                                                "the request was lost inside the server"));
  });
  caf::anon_send(impl_->gateway, sync_request_msg{std::move(request), std::move(reply)});
}

void runtime::query_admin(protocol::admin_query query, std::function<void(std::string)> done) {
  spawn_requester<admin_query_msg, std::string>(
      impl_->system, impl_->inflight, impl_->admin, std::chrono::seconds(10),
      admin_query_msg{query}, std::move(done), [](std::string& json) { return std::move(json); },
      [](caf::error& err) { return "{\"error\":\"" + caf::to_string(err) + "\"}"; },
      [] { return std::string("{\"error\":\"the server is stopping\"}"); });
}

storage::owner_fn runtime::user_owner() {
  return [impl = impl_.get()](const std::string& user, bool replaces_files,
                              std::function<storage::user_outcome()> step) {
    // The step refers to its caller's locals (storage/maintenance.cpp), so
    // this must not return while it may still run. An error answer does not
    // mean that: the actor that stopped (evicted, or the server stopping)
    // answers its running task at once, while the job goes on in the pool.
    struct attempt_state {
      std::mutex m;
      std::condition_variable changed;
      bool cancelled = false; // a job not yet started never starts
      bool running = false;
      bool done = false;
      storage::user_outcome out;
    };
    // Makes sure no job of `a` runs any more; true when one ran to the end.
    auto settle = [](attempt_state& a) {
      std::unique_lock lock(a.m);
      a.cancelled = true;
      a.changed.wait(lock, [&] { return !a.running; });
      return a.done;
    };
    auto step_ptr = std::make_shared<std::function<storage::user_outcome()>>(std::move(step));
    std::string failure;
    // The actor found may close (idle) before the task reaches it; the
    // registry then gives its successor.
    for (int attempt = 0; attempt < 3 && !impl->stopping.load(std::memory_order_acquire);
         ++attempt) {
      auto state = std::make_shared<attempt_state>();
      maintenance_msg msg;
      msg.replaces_files = replaces_files;
      msg.job = [step_ptr, state] {
        blocking_result r;
        {
          std::lock_guard lock(state->m);
          if (state->cancelled)
            return r;
          state->running = true;
        }
        auto out = (*step_ptr)();
        {
          std::lock_guard lock(state->m);
          state->out = std::move(out);
          state->running = false;
          state->done = true;
        }
        state->changed.notify_all();
        r.ok = true;
        return r;
      };
      caf::scoped_actor self{impl->system};
      collection_iface handle;
      failure.clear();
      self->request(impl->registry, caf::infinite, find_user_msg{user})
          .receive([&](collection_iface& h) { handle = std::move(h); },
                   [&](caf::error& e) { failure = caf::to_string(e); });
      if (!handle)
        continue;
      bool answered = false;
      self->request(handle, caf::infinite, msg)
          .receive(
              [&](blocking_result& r) {
                answered = true;
                if (!r.ok)
                  failure = r.error.message;
              },
              [&](caf::error& e) { failure = caf::to_string(e); });
      if (settle(*state))
        return std::move(state->out);
      if (answered && failure.empty())
        failure = "the step did not run";
      if (answered)
        break;
    }
    storage::user_outcome failed;
    failed.user = user;
    failed.line = "not done: " + (failure.empty() ? "the server is stopping" : failure);
    return failed;
  };
}

} // namespace ankisync::actors
