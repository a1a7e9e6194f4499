#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/media_db.hpp"
#include "storage/media_store.hpp"
#include "storage/storage_error.hpp"

namespace ankisync::storage {

// Where a user's media lives inside the user's folder. The official
// server keeps each file by name in `media/`; ankisync keeps contents by
// SHA-1 in `media-store/`, so the two never share a folder and nothing
// ankisync cleans up can be a file someone else wrote.
struct media_folders {
  std::filesystem::path user;

  std::filesystem::path db() const { return user / "media.db"; }
  std::filesystem::path by_name() const { return user / "media"; }
  std::filesystem::path store() const { return user / "media-store"; }
  std::filesystem::path stage() const { return user / ".media-stage"; }
  media_store content_store() const { return media_store(store(), stage()); }
};

// What happened to one live row's file while changing layouts.
enum class media_file_step {
  moved,         // now where the new layout wants it
  already_there, // an earlier, interrupted run had placed it
  missing,       // no file with this row's content was found
  mismatched,    // a file has the row's name but other bytes: left as it is
  unsafe_name,   // the name cannot be a file name in one folder
  conflict,      // (to official) another file already has the name
  recorded,      // not a file: the database now records the new layout
};

struct media_file_event {
  media_file_step step = media_file_step::moved;
  std::string fname;
  std::size_t done = 0;  // rows handled so far, this one included
  std::size_t total = 0; // live rows
};

struct media_layout_options {
  bool dry_run = false; // report what would happen, change nothing
  // Called after each row and once after the layout is recorded: for
  // progress, logs and crash tests.
  std::function<void(const media_file_event&)> on_event;
};

struct media_layout_report {
  bool had_nothing_to_do = false; // the layout was already the wanted one
  std::size_t total = 0;          // live rows
  std::size_t moved = 0;
  std::int64_t moved_bytes = 0;
  std::size_t already_there = 0;
  std::vector<std::string> problems; // one sentence per row not moved
};

// Takes over media the official server (or an ankisync before the
// separate store) left: for each live row, the file under its name (or
// under its SHA-1 in the same folder) is hashed, flushed and renamed into
// the content store; only a file whose bytes match the row's SHA-1 is
// taken. The database records the new layout last, after the folders are
// synced, so a crash at any point leaves either the old layout with some
// contents already moved (a rerun finishes) or the finished one. Files no
// live row names are left where they are.
result<media_layout_report> move_media_into_store(media_db& db, const media_folders& folders,
                                                  const media_layout_options& options = {});

// The way back to the official layout: every live row's content is linked
// (or copied) under its name into `media/`, the folder is synced, the
// layout record dropped, and only then the content store removed. A name
// already taken by a file with other bytes refuses the whole user before
// anything changes.
result<media_layout_report> move_media_to_official(media_db& db, const media_folders& folders,
                                                   const media_layout_options& options = {});

// Whether a media.db name can be used as one file name in a folder.
bool usable_as_file_name(std::string_view fname);

} // namespace ankisync::storage
