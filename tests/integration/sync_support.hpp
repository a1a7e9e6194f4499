#pragma once

// Shared by the sync integration tests: a real server with one user
// (SYNC_USER1=user:pass, as upstream's tests), simulated devices that
// start from the server's own fresh collection, and short ways to sync.

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/integration/collection_file.hpp"
#include "tests/integration/server_process.hpp"
#include "tools/client/device.hpp"

namespace ankisync::integration {

inline constexpr const char* sync_user = "user";
inline constexpr const char* sync_password = "pass";

// Whether a fixture makes the seed collection when it starts.
enum class seeding { now, never };

class sync_fixture {
public:
  // Seeding restarts the server, which then listens on another port, so
  // it happens here, before any test connects.
  // `extra_args` go to the server's command line (e.g. a short
  // --session-stall-ms for tests where devices wait for each other).
  explicit sync_fixture(seeding s = seeding::now, std::vector<std::string> extra_args = {});

  server_process& server() { return server_; }
  // A new connection to the server (one per device, like separate apps).
  client::sync_client connect() const { return server_.sync_client(); }
  std::string host_key() const;
  // <data>/user/collection.anki2
  std::filesystem::path server_file() const;

  // The server's freshly created collection, copied while the server was
  // stopped. Devices that start from it share the server's scm, so they
  // sync normally without a full upload/download first. Requires
  // seeding::now.
  const std::filesystem::path& seed() const;
  // A device whose file is a copy of seed(), with the host key. `name` is
  // its folder.
  client::device seeded_device(const std::string& name);
  // A device with a brand-new collection of its own (its own scm), with
  // the host key.
  client::device fresh_device(const std::string& name);

  const std::filesystem::path& folder() const { return temp_.path(); }

private:
  void make_seed();

  server_process server_;
  temp_folder temp_;
  std::optional<std::filesystem::path> seed_;
};

// Readable outcome for INFO/REQUIRE messages.
inline std::string text(const client::sync_result& r) { return client::describe(r); }

inline bool is(const client::sync_result& r, client::sync_outcome_kind kind) {
  return r && r->kind == kind;
}

inline bool failed_with_status(const client::sync_result& r, int status) {
  return !r && r.error().kind == client::sync_failure_kind::http_status && r.error().status == status;
}

} // namespace ankisync::integration

namespace ankisync::integration {

// Raw protocol calls for the tests that speak to the server directly, as
// upstream's acceptance tests do for the session rules.
class raw_sync {
public:
  raw_sync(const server_process& server, std::string host_key)
      : client_(server.sync_client()), host_key_(std::move(host_key)) {}

  // Throws (failing the test) on a transport failure; any status returns.
  client::sync_response call(std::string_view method, std::string_view json,
                             std::string_view session_key) {
    auto r = client_.call(method, json, host_key_, session_key);
    if (!r)
      throw std::runtime_error("/sync/" + std::string(method) + ": " + r.error());
    return std::move(*r);
  }

  client::sync_client& client() { return client_; }

private:
  client::sync_client client_;
  std::string host_key_;
};

} // namespace ankisync::integration
