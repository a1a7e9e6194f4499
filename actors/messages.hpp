#pragma once

// Everything that crosses a mailbox in ankisync, registered in one CAF
// type-ID block, and the typed interface of each actor: the compiler
// checks every send against the receiver's interface and every behavior
// against its actor's.

#include <caf/actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/type_id.hpp>

#include <cstdint>
#include <expected>
#include <functional>
#include <string>

#include "actors/recording/start_state.hpp"
#include "actors/reply_channel.hpp"
#include "protocol/admin_query.hpp"
#include "protocol/envelope.hpp"

namespace ankisync::actors {

// ---- the collection actor's messages ----

// net -> gateway: a decoded request, not yet authenticated. Its answer
// goes through `reply`, from whichever actor gives it.
struct sync_request_msg {
  protocol::sync_request request;
  reply_channel reply;
};

// gateway -> collection: a request of an authenticated user.
struct user_request_msg {
  std::string user;
  protocol::sync_request request;
  reply_channel reply;
};

// registry -> collection: close if you can. The actor either quits or
// answers with evict_refused_msg (a sync session is open).
struct evict_msg {};

// registry -> collection, every few ticks: roll back a sync session that
// has had no request for the session idle time. Every tick for an actor
// with requests waiting for its session: declare that session abandoned
// once it has had no request for the stall time, so the waiting device
// goes ahead. The registry's tick drives this because a timer an actor
// sets for itself keeps that actor (and all it holds) alive until the
// timer fires, even after it quit.
struct session_check_msg {};

// Whether a piece of blocking work ran to its end, or its error. What a
// job produces goes to its asker by other means (run_blocking's typed
// result, a maintenance step's report); `value` is a job's own short
// answer where one suffices.
struct blocking_result {
  bool ok = false;
  std::string value;
  protocol::sync_error error;
};

// runtime -> collection: run `job` on the user's files between sync
// sessions (backup, restore, check: storage/maintenance.hpp), on the
// blocking pool; answered with its result. `replaces_files`: the actor
// closes its connections first, and a device waiting with a decision
// taken on the old collection starts over.
struct maintenance_msg {
  std::function<blocking_result()> job;
  bool replaces_files = false;
};

// One user's collection actor (actors/collection_actor.hpp).
using collection_iface = caf::typed_actor<caf::reacts_to<user_request_msg>,
                                          caf::reacts_to<evict_msg>,
                                          caf::reacts_to<session_check_msg>,
                                          caf::replies_to<maintenance_msg>::with<blocking_result>>;

// ---- the gateway's ----

// registry -> gateway: `handle` is to close. The gateway forgets it, so
// that no later request reaches it, and passes evict_msg on behind the
// requests it already sent (one sender, one order).
struct evict_user_msg {
  std::string user;
  collection_iface handle;
};

// registry -> gateway: `handle` has stopped; forget it if still cached.
struct user_gone_msg {
  std::string user;
  collection_iface handle;
};

// blocking pool -> gateway: a login finished hashing.
struct login_done_msg {
  std::uint64_t ticket = 0;
  bool ok = false;
  std::string host_key; // when ok
  std::string failure;  // when the users database failed
};

// gateway -> itself: look at the logins waiting for a hashing slot.
struct login_tick_msg {};

// blocking pool -> gateway: the starting state of `user`'s recording was
// copied (or failed to be); that user's held requests may go on.
struct start_copied_msg {
  std::string user;
  std::expected<recording::start_state, std::string> copied;
};

// The door of the actor world (actors/gateway_actor.hpp). The messages it
// sends itself (login_tick_msg) and gets from its own jobs
// (login_done_msg, start_copied_msg) are part of its interface: CAF 0.17
// checks a typed actor's every incoming message against it, self-sent
// ones included.
using gateway_iface =
    caf::typed_actor<caf::reacts_to<sync_request_msg>, caf::reacts_to<evict_user_msg>,
                     caf::reacts_to<user_gone_msg>, caf::reacts_to<login_done_msg>,
                     caf::reacts_to<login_tick_msg>, caf::reacts_to<start_copied_msg>>;

// ---- the registry's ----

// gateway -> registry: the collection actor of `user`, spawned if need be.
// Answered with the actor's handle once no older actor of that user is
// still closing, so two actors never own one folder at once.
struct find_user_msg {
  std::string user;
};

// collection -> registry: an evict_msg was refused (a session is open).
struct evict_refused_msg {
  std::string user;
};

// registry -> itself: time to look for idle actors.
struct eviction_tick_msg {};

// runtime -> registry: where to send evict_user_msg and user_gone_msg.
struct gateway_is_msg {
  gateway_iface gateway;
};

// Knows each resident user's collection actor (actors/registry_actor.hpp).
using registry_iface =
    caf::typed_actor<caf::replies_to<find_user_msg>::with<collection_iface>,
                     caf::reacts_to<evict_refused_msg>, caf::reacts_to<eviction_tick_msg>,
                     caf::reacts_to<gateway_is_msg>>;

// ---- the worker pool's ----

struct blocking_job_msg {
  std::function<blocking_result()> job;
};
// pool thread -> worker pool actor: job `ticket` finished.
struct blocking_done_msg {
  std::uint64_t ticket = 0;
  blocking_result result;
};

// The actor face of the blocking pool (actors/worker_pool_actor.hpp).
using worker_iface = caf::typed_actor<caf::replies_to<blocking_job_msg>::with<blocking_result>,
                                      caf::reacts_to<blocking_done_msg>>;

// ---- the admin actor's ----

// net -> admin.
struct admin_query_msg {
  protocol::admin_query query;
};

// Answers the admin endpoint (actors/admin_actor.hpp).
using admin_iface = caf::typed_actor<caf::replies_to<admin_query_msg>::with<std::string>>;

// ---- inspection ----
// Every message that could cross a process boundary has inspect(). Those
// that cannot are marked unsafe below, each for a reason CAF 0.17 cannot
// express otherwise: they carry a reply_channel (a callback into a live
// HTTP connection of this process), a std::function to run here, or a
// protocol::sync_request whose body may be a file of this machine.
// Forwarding a request to another process needs a serialized request
// type of its own, not these.

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, login_done_msg& x) {
  return f(caf::meta::type_name("login_done_msg"), x.ticket, x.ok, x.host_key, x.failure);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, evict_msg&) {
  return f(caf::meta::type_name("evict_msg"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, evict_refused_msg& x) {
  return f(caf::meta::type_name("evict_refused_msg"), x.user);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, eviction_tick_msg&) {
  return f(caf::meta::type_name("eviction_tick_msg"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, login_tick_msg&) {
  return f(caf::meta::type_name("login_tick_msg"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, find_user_msg& x) {
  return f(caf::meta::type_name("find_user_msg"), x.user);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, evict_user_msg& x) {
  return f(caf::meta::type_name("evict_user_msg"), x.user, x.handle);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, user_gone_msg& x) {
  return f(caf::meta::type_name("user_gone_msg"), x.user, x.handle);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gateway_is_msg& x) {
  return f(caf::meta::type_name("gateway_is_msg"), x.gateway);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_check_msg&) {
  return f(caf::meta::type_name("session_check_msg"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admin_query_msg& x) {
  return f(caf::meta::type_name("admin_query_msg"), x.query);
}

} // namespace ankisync::actors

CAF_BEGIN_TYPE_ID_BLOCK(ankisync, caf::first_custom_type_id)
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::sync_request_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::user_request_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::login_done_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::evict_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::evict_refused_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::eviction_tick_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::admin_query_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::session_check_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::blocking_result))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::blocking_job_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::blocking_done_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::start_copied_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::find_user_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::evict_user_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::user_gone_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::gateway_is_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::login_tick_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::maintenance_msg))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::collection_iface))
CAF_ADD_TYPE_ID(ankisync, (ankisync::actors::gateway_iface))
CAF_END_TYPE_ID_BLOCK(ankisync)

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ankisync::actors::sync_request_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ankisync::actors::user_request_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ankisync::actors::blocking_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ankisync::actors::blocking_job_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ankisync::actors::blocking_done_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ankisync::actors::start_copied_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ankisync::actors::maintenance_msg)
