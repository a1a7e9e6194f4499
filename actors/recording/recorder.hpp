#pragma once

// Records users' sync sessions (docs/replay.md). The gateway asks
// is_recording(user) for every authenticated request: without any
// recorded user that is one relaxed atomic load, so unrecorded users pay
// nothing else. A recorded user's stream starts at a request that opens
// an exchange (hostKey, meta, media begin) with a snapshot of the user's
// folder, then gets every request and response of that user in the order
// the gateway handed them on.
//
// The snapshot may take long for a large collection, so it is not taken
// here: on_request hands back a stream_start, the gateway has it copied
// off its own thread and holds that user's requests until finish_start.
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
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "actors/recording/redact.hpp"
#include "actors/recording/start_state.hpp"
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
  // The HTTP status a client gets for an error (net/http_status.hpp): a
  // recording keeps what went over the wire, but turning errors into HTTP
  // is the listener's business, so whoever wires the two hands it over.
  int (*status_of)(protocol::error_code) = nullptr;
};

// A stream on_request decided to open: copy_start_state(from, to) must run,
// then finish_start, before any request of `user` is recorded.
struct stream_start {
  std::string user;
  std::filesystem::path from; // the user's folder
  std::filesystem::path to;   // the stream's <stem>.start/
};

// on_request's answer: a ticket for on_response (0: the request is not
// recorded), or a stream to start first.
using request_step = std::variant<std::uint64_t, stream_start>;

class recorder {
public:
  explicit recorder(recorder_options options);
  // Ends every open stream with a footer.
  ~recorder();
  recorder(const recorder&) = delete;
  recorder& operator=(const recorder&) = delete;

  // Cheap: false at once while nobody is recorded. True too while a
  // stream of `user` is being started, even if switched off meanwhile, so
  // the gateway keeps holding that user's requests until finish_start.
  bool is_recording(std::string_view user) const;

  // Switches recording of one user on or off. Off ends the user's stream;
  // on starts one at the user's next hostKey, meta or media begin. Error
  // (a sentence): off for a user while every user is recorded.
  std::expected<void, std::string> set_user(const std::string& user, bool on);
  // {"all":bool,"dir":"...","users":[{"user":"..","file":".."},...]}
  std::string status_json() const;

  // A request of `user`, about to be handed on. A ticket is 0 when this
  // request is not recorded (user not recorded, no stream yet and the
  // request does not open one, or the stream failed). A stream_start
  // means the request is not recorded yet: call on_request again with it
  // after finish_start. Not to be called for a user whose start is under
  // way.
  request_step on_request(const std::string& user, const protocol::sync_request& request);
  // The starting state of `user`'s stream was copied (or failed to be).
  // Returns whether the stream is open; a failure is logged here.
  bool finish_start(const std::string& user,
                    const std::expected<start_state, std::string>& copied);
  void on_response(std::uint64_t ticket,
                   const std::expected<protocol::sync_reply, protocol::sync_error>& result);

  const recorder_options& options() const { return options_; }

private:
  struct stream;

  std::optional<stream_start> begin_stream(const std::string& user);
  void close_stream(const std::string& user);
  void update_any();

  recorder_options options_;
  // True while anyone is recorded: the fast path of is_recording.
  std::atomic<bool> any_{false};
  mutable std::mutex mutex_;
  std::unordered_set<std::string> users_;                         // switched on by name
  std::unordered_map<std::string, std::shared_ptr<stream>> open_; // streams by user
  // Streams whose starting state is being copied, by user.
  std::unordered_map<std::string, std::shared_ptr<stream>> starting_;
  struct pending {
    std::shared_ptr<stream> into;
    std::uint64_t seq = 0;
    bool binary = false; // a file or zip is answered: keep its size only
    reply_secret secret = reply_secret::none; // redacted before it is kept
  };
  std::unordered_map<std::uint64_t, pending> pending_; // by ticket
  std::uint64_t next_ticket_ = 0;
};

} // namespace ankisync::actors::recording
