#include "actors/runtime.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <spdlog/spdlog.h>

#include "actors/admin_actor.hpp"
#include "actors/blocking_pool.hpp"
#include "actors/gateway_actor.hpp"
#include "actors/messages.hpp"
#include "actors/registry_actor.hpp"
#include "actors/worker_pool_actor.hpp"

namespace ankisync::actors {
namespace {

std::unique_ptr<caf::actor_system_config> make_config(const profiles::profile& p) {
  auto cfg = std::make_unique<caf::actor_system_config>();
  cfg->add_message_types<caf::id_block::ankisync>();
  // CLI11 owns the command line, so CAF's keys are set here, not parsed.
  cfg->set("scheduler.max-threads", static_cast<std::size_t>(p.scheduler_threads));
  cfg->set("scheduler.policy", caf::atom_from_string(p.scheduler_policy));
  return cfg;
}

} // namespace

struct runtime::impl {
  explicit impl(runtime_options o)
      : options(std::move(o)), config(make_config(options.profile)), system(*config),
        pool(options.profile.blocking_threads), metrics(std::make_shared<metrics_registry>()) {}

  runtime_options options;
  std::unique_ptr<caf::actor_system_config> config;
  caf::actor_system system;
  blocking_pool pool;
  std::shared_ptr<metrics_registry> metrics;
  caf::actor workers;
  caf::actor registry;
  caf::actor gateway;
  caf::actor admin;
  bool stopped = false;
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
  gc.login_max_pending = o.profile.login_max_pending;
  gc.login_failures_per_minute = o.profile.login_failures_per_minute;
  gc.recorder = o.recorder;
  impl_->gateway = impl_->system.spawn<gateway_actor>(impl_->metrics, gc);
  caf::anon_send(impl_->registry, gateway_is_msg{impl_->gateway});

  admin_config ac{o.counters, o.profile.name, std::chrono::steady_clock::now()};
  impl_->admin = impl_->system.spawn<admin_actor>(impl_->metrics, ac);
}

runtime::~runtime() { shutdown(); }

void runtime::shutdown() {
  if (impl_->stopped)
    return;
  impl_->stopped = true;
  for (auto* a : {&impl_->gateway, &impl_->registry, &impl_->admin, &impl_->workers})
    caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
  impl_->pool.stop();
  impl_->system.await_all_actors_done();
}

net::sync_backend runtime::sync_backend() {
  return [gateway = impl_->gateway](protocol::sync_request&& request, net::sync_reply_fn done) {
    // One message into the actor world; the answer comes back through the
    // channel from the actor that gives it, with no requester in between.
    caf::anon_send(gateway, sync_request_msg{std::move(request), reply_channel(std::move(done))});
  };
}

net::admin_backend runtime::admin_backend() {
  return [system = &impl_->system, admin = impl_->admin](net::admin_query query,
                                                         net::admin_reply_fn done) {
    system->spawn([query, done = std::move(done), admin](caf::event_based_actor* self) {
      self->request(admin, std::chrono::seconds(10), admin_query_msg{query})
          .then([done](std::string& json) { done(std::move(json)); },
                [done](caf::error& err) {
                  done("{\"error\":\"" + caf::to_string(err) + "\"}");
                });
    });
  };
}

} // namespace ankisync::actors
