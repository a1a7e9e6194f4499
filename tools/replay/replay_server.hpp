#pragma once

// The server a recording is replayed against when no --url is given: the
// real ankisync binary on a fresh temp data folder whose user folder is
// the recording's starting state, listening on a free loopback port.

#include <cstdint>
#include <filesystem>
#include <string>
#include <sys/types.h>

namespace ankisync::replay {

struct replay_server_options {
  std::string binary;                   // path of `ankisync`
  std::string user;                     // the recorded user
  std::string password;                 // made up for the replay
  std::filesystem::path start_state;    // folder: collection.anki2, media.db, media/
  bool keep = false;                    // leave the temp folder (and its log) behind
};

class replay_server {
public:
  // Throws std::runtime_error, with the server's log, when it does not
  // come up.
  explicit replay_server(replay_server_options options);
  // SIGTERM (SIGKILL after 5 s); removes the temp folder unless kept.
  ~replay_server();
  replay_server(const replay_server&) = delete;
  replay_server& operator=(const replay_server&) = delete;

  std::uint16_t port() const { return port_; }
  const std::filesystem::path& root() const { return root_; }
  std::string log() const;

private:
  void stop();

  replay_server_options options_;
  std::filesystem::path root_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

// `ankisync` next to this program (installed side by side) or in the
// build tree's tools/ankisync/; "" when neither exists.
std::string default_server_binary();

} // namespace ankisync::replay
