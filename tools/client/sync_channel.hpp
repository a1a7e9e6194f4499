#pragma once

// The requests of one sync operation: the host key, one session key for
// every call (as upstream's client makes one per operation), and the test
// hooks that cut a sync short or act between calls.

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/methods.hpp"
#include "tools/client/sync_client.hpp"
#include "tools/client/sync_outcome.hpp"

namespace ankisync::client {

enum class drop_point {
  before_request, // the request never reaches the server
  after_reply,    // the server did the work, but the reply is lost
};

// Where to cut a sync, as a dropped connection would: the client then
// rolls its own file back and sends nothing more (no abort).
struct sync_drop {
  protocol::sync_method method = protocol::sync_method::finish;
  drop_point point = drop_point::after_reply;
  int occurrence = 1; // the n-th call of that method (chunk and applyChunk repeat)
};

struct sync_hooks {
  std::optional<sync_drop> drop;
  // Called just before each request is made (benchmarks time the calls).
  std::function<void(protocol::sync_method)> before_request;
  // Called after every reply (any status), before the client acts on it:
  // tests stop or kill the server here, or read its file.
  std::function<void(protocol::sync_method, int status)> after_reply;
};

// A random base-62 session key from a u32, as current clients make them.
std::string new_session_key();

class sync_channel {
public:
  sync_channel(sync_client& client, std::string host_key, sync_hooks hooks = {});

  // POSTs `json` to /sync/<method>: the 200 body, or a failure (a non-200
  // status, a transport error, or the drop hook firing).
  std::expected<std::string, sync_failure> call(protocol::sync_method method,
                                                std::string_view json);

  const std::string& session_key() const { return session_key_; }
  // True once the drop hook fired: nothing more may be sent.
  bool dropped() const { return dropped_; }

private:
  sync_client& client_;
  std::string host_key_;
  std::string session_key_;
  sync_hooks hooks_;
  int calls_of_drop_method_ = 0;
  bool dropped_ = false;
};

} // namespace ankisync::client
