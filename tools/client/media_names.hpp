#pragma once

// Which media file names the official client syncs, and under what name
// (upstream rslib/src/media/files.rs, simplified).

#include <string>
#include <string_view>

namespace ankisync::client {

// The name the official client would give a file: NFC; the characters
// [ ] < > : " / ? * ^ \ | and ASCII controls removed; no-break space made
// a space; a Windows device stem ("con.jpg") gets "_" after it; a trailing
// space or "." gets "_" appended; longer than 120 bytes is cut keeping
// the extension (at most 10 bytes of it). "" when the name is not UTF-8
// or nothing of it is left. Unassigned code points are kept (upstream
// drops them).
std::string normalize_media_name(std::string_view name);

// Files the official client never syncs, whatever their name
// (thumbs.db, .ds_store, any case).
bool is_nonsyncable_media_name(std::string_view name);

} // namespace ankisync::client
