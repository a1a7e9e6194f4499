#pragma once

#include <optional>
#include <string_view>

namespace ankisync::protocol {

// Collection sync methods, as spelled in `/sync/<name>` (case-sensitive).
enum class sync_method {
  host_key,      // hostKey
  meta,          // meta
  start,         // start
  apply_graves,  // applyGraves
  apply_changes, // applyChanges
  chunk,         // chunk
  apply_chunk,   // applyChunk
  sanity_check,  // sanityCheck2
  finish,        // finish
  abort,         // abort
  upload,        // upload
  download,      // download
};

// Media sync methods, as spelled in `/msync/<name>`.
enum class media_method {
  begin,          // begin
  media_changes,  // mediaChanges
  upload_changes, // uploadChanges
  download_files, // downloadFiles
  media_sanity,   // mediaSanity
};

std::optional<sync_method> parse_sync_method(std::string_view name);
std::optional<media_method> parse_media_method(std::string_view name);
std::string_view to_string(sync_method m);
std::string_view to_string(media_method m);

// Methods that need a running session (and its key).
bool is_stateful(sync_method m);

} // namespace ankisync::protocol
