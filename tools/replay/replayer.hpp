#pragma once

// Replays a recording (docs/replay.md): every recorded request, in order
// and in its original envelope, against a fresh server started from the
// recording's starting state (or a given URL), each answer compared with
// the recorded one (response_compare.hpp).

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace ankisync::replay {

struct replay_options {
  std::filesystem::path recording; // the .ankirec file
  std::string server_binary;       // start this ankisync (ignored with url)
  std::string url;                 // or replay against http://host:port/
  std::string password;            // with url: the user's password
  bool verbose = false;            // a line per request, bodies in full
  bool keep = false;               // keep the replay server's temp folder
};

struct method_tally {
  unsigned count = 0;
  unsigned matched = 0;
  unsigned diverged = 0;
  unsigned skipped = 0; // no recorded answer (the recording stopped first)
};

struct divergence {
  std::uint64_t seq = 0;
  std::string method;
  std::string request;  // envelope and body, readable
  std::string expected; // status and body
  std::string got;
  std::string difference; // where they first differ
};

struct replay_report {
  std::string user;
  std::string recording;
  std::uint64_t requests = 0;
  bool truncated = false; // the recording ends inside a record
  std::vector<std::pair<std::string, method_tally>> methods; // first use first
  std::optional<divergence> first;
  unsigned divergences = 0;
};

// Error (a sentence): the recording cannot be read, or the server cannot
// be started or reached at all. A server that answers wrongly or stops
// answering midway is a divergence, not an error.
std::expected<replay_report, std::string> run_replay(const replay_options& options,
                                                     std::ostream& progress);

// The per-method table with its total line.
std::string format_table(const replay_report& report);

// "replay matches the recording", or the first divergence in full and
// the number of divergences.
std::string format_divergence(const replay_report& report);

// The per-method table, then the first divergence in full (bodies cut at
// 2000 characters unless `verbose`).
std::string format_report(const replay_report& report, bool verbose);

} // namespace ankisync::replay
