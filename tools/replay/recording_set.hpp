#pragma once

// Which recordings one `ankisync-replay PATH` replays (docs/replay.md): a
// recording file, or every recording under a folder (a --record folder,
// or one user's folder in it), and the one summary printed for a folder.

#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "tools/replay/replayer.hpp"

namespace ankisync::replay {

// A file: itself. A folder: every *.ankirec under it, at any depth, sorted
// by path (recordings are named by their start time, so a user's streams
// come in the order they were made). Error (a sentence): the path does not
// exist, cannot be listed, or a folder holds no recording.
std::expected<std::vector<std::filesystem::path>, std::string>
find_recordings(const std::filesystem::path& path);

// For a folder: a line per recording, the method table over all of them,
// then the first divergence of each recording that diverged.
std::string format_summary(const std::vector<replay_report>& reports);

// True when any report has a divergence.
bool any_diverged(const std::vector<replay_report>& reports);

} // namespace ankisync::replay
