// ankisync-replay: replays a recorded sync stream against a fresh server
// and reports every answer that differs (docs/replay.md). Exit 0: every
// answer matched; 1: a divergence; 2: usage or I/O error.
#include <CLI/CLI.hpp>

#include <iostream>

#include "tools/replay/replay_server.hpp"
#include "tools/replay/replayer.hpp"

int main(int argc, char** argv) {
  using namespace ankisync::replay;
  CLI::App app{"ankisync-replay: replay a recorded sync stream and compare every answer"};
  replay_options options;
  std::string recording;
  app.add_option("recording", recording, "The .ankirec file")->required();
  app.add_option("--server", options.server_binary,
                 "ankisync binary to start (default: the one next to this program)");
  app.add_option("--url", options.url,
                 "Replay against this running server instead (http://host:port/)");
  app.add_option("--password", options.password,
                 "With --url: the recorded user's password on that server");
  app.add_flag("--verbose,-v", options.verbose, "A line per request; bodies in full");
  app.add_flag("--keep", options.keep, "Keep the replay server's temp folder and log");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  options.recording = recording;
  if (options.url.empty() && options.server_binary.empty())
    options.server_binary = default_server_binary();
  if (!options.url.empty() && options.password.empty()) {
    std::cerr << "ankisync-replay: --url needs --password\n";
    return 2;
  }

  auto report = run_replay(options, std::cout);
  if (!report) {
    std::cerr << "ankisync-replay: " << report.error() << "\n";
    return 2;
  }
  std::cout << format_report(*report, options.verbose);
  return report->first ? 1 : 0;
}
