// ankisync-replay: replays recorded sync streams against a fresh server
// and reports every answer that differs (docs/replay.md). The argument is
// a recording, or a folder whose recordings are replayed one after the
// other. Exit 0: every answer matched; 1: a divergence; 2: usage or I/O
// error, said in one line.
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#include "tools/replay/recording_set.hpp"
#include "tools/replay/replay_server.hpp"
#include "tools/replay/replayer.hpp"

namespace {

using namespace ankisync::replay;

int replay_all(const std::string& path, replay_options options) {
  auto files = find_recordings(path);
  if (!files) {
    std::cerr << "ankisync-replay: " << files.error() << "\n";
    return 2;
  }
  std::vector<replay_report> reports;
  for (const auto& file : *files) {
    options.recording = file;
    auto report = run_replay(options, std::cout);
    if (!report) {
      std::cerr << "ankisync-replay: " << report.error() << "\n";
      return 2;
    }
    reports.push_back(std::move(*report));
  }
  // A recording named on its own keeps the one-report output.
  const bool one_file = files->size() == 1 && files->front() == path;
  std::cout << (one_file ? format_report(reports.front(), options.verbose)
                         : format_summary(reports));
  return any_diverged(reports) ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"ankisync-replay: replay recorded sync streams and compare every answer"};
  replay_options options;
  std::string recording;
  app.add_option("recording", recording,
                 "A .ankirec file, or a folder: every recording under it")
      ->required();
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
  if (options.url.empty() && options.server_binary.empty())
    options.server_binary = default_server_binary();
  if (!options.url.empty() && options.password.empty()) {
    std::cerr << "ankisync-replay: --url needs --password\n";
    return 2;
  }
  try {
    return replay_all(recording, options);
  } catch (const std::exception& e) {
    // Whatever a library throws on a bad file is bad input: one line.
    std::cerr << "ankisync-replay: " << e.what() << "\n";
    return 2;
  }
}
