#pragma once

// Records users' sync sessions (docs/replay.md). The gateway asks
// is_recording(user) for every authenticated request: without any
// recorded user that is one relaxed atomic load, so unrecorded users pay
// nothing else. A recorded user's stream starts at a request that opens
// an exchange (hostKey, meta, media begin) with a snapshot of the user's
// folder, then gets every request and response of that user in the order
// the gateway handed them on.
//
// Thread-safe: the gateway records, the admin endpoint switches users on
// and off, from different threads. No protobuf here: the record types stay
// in recorder.cpp.

#include <atomic>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "protocol/envelope.hpp"

namespace ankisync::actors::recording {

struct recorder_options {
  // Where users' folders are: <data_dir>/<user>/collection.anki2, ...
  std::filesystem::path data_dir;
  // Recordings go to <record_dir>/<user>/<stamp>.ankirec.
  std::filesystem::path record_dir;
  // --record: every user, from the start.
  bool all_users = false;
  // Bodies up to this size are kept inside the record; larger ones in a
  // side file next to it.
  std::uint64_t inline_limit = 256 * 1024;
};

class recorder {
public:
  explicit recorder(recorder_options options);
  // Ends every open stream with a footer.
  ~recorder();
  recorder(const recorder&) = delete;
  recorder& operator=(const recorder&) = delete;

  // Cheap: false at once while nobody is recorded.
  bool is_recording(std::string_view user) const;

  // Switches recording of one user on or off. Off ends the user's stream;
  // on starts one at the user's next hostKey, meta or media begin. Error
  // (a sentence): off for a user while every user is recorded.
  std::expected<void, std::string> set_user(const std::string& user, bool on);
  // {"all":bool,"dir":"...","users":[{"user":"..","file":".."},...]}
  std::string status_json() const;

  // A request of `user`, about to be handed on. Returns the ticket to pass
  // to on_response, or 0 when this request is not recorded (user not
  // recorded, or no stream yet and the request does not open one).
  std::uint64_t on_request(const std::string& user, const protocol::sync_request& request);
  void on_response(std::uint64_t ticket,
                   const std::expected<protocol::sync_reply, protocol::sync_error>& result);

  const recorder_options& options() const { return options_; }

private:
  struct stream;

  std::shared_ptr<stream> open_stream(const std::string& user);
  void close_stream(const std::string& user);

  recorder_options options_;
  // True while anyone is recorded: the fast path of is_recording.
  std::atomic<bool> any_{false};
  mutable std::mutex mutex_;
  std::unordered_set<std::string> users_;                         // switched on by name
  std::unordered_map<std::string, std::shared_ptr<stream>> open_; // streams by user
  struct pending {
    std::shared_ptr<stream> into;
    std::uint64_t seq = 0;
    bool binary = false; // a file or zip is answered: keep its size only
  };
  std::unordered_map<std::uint64_t, pending> pending_; // by ticket
  std::uint64_t next_ticket_ = 0;
};

} // namespace ankisync::actors::recording
