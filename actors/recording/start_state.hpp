#pragma once

// The starting state of a recording: a consistent copy of one user's
// files, taken while that user's collection actor may have them open.

#include <expected>
#include <filesystem>
#include <string>

namespace ankisync::actors::recording {

struct start_state {
  bool had_collection = false;
  bool had_media_db = false;
};

// Copies <user_folder>/collection.anki2 and media.db (each from a
// connection of its own, seeing the last commit, without -wal files) and
// the content files under media/ into `dest`, which is created. A user
// who never synced has no files; that is an empty start state, not an
// error. Error: a copy failed (a sentence).
std::expected<start_state, std::string> copy_start_state(const std::filesystem::path& user_folder,
                                                         const std::filesystem::path& dest);

} // namespace ankisync::actors::recording
