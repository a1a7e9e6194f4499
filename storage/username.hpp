#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace ankisync::storage {

// Usernames become folder names under the data root, so they must be safe
// as one path component on every filesystem we run on: 1-64 bytes of valid
// UTF-8, no '/', '\\', ':' (the SYNC_USERn separator), NUL or control
// characters, not "." or "..", no leading or trailing space or dot. They
// are shown in `user list`, the admin endpoint and logs, so nothing that
// changes how text around it is shown is allowed either: no format
// characters (category Cf: bidi controls such as U+202E, zero-width
// characters) and no line or paragraph separators.
// Returns an empty string when valid, else the reason.
std::string username_problem(std::string_view name);
inline bool is_valid_username(std::string_view name) { return username_problem(name).empty(); }

// The one stored spelling of a name: composed to NFC, so "é" typed as one
// code point or as "e" + U+0301 (macOS and some keyboards send the
// latter) is one user with one folder. Error: username_problem's reason
// for the composed name.
std::expected<std::string, std::string> canonical_username(std::string_view name);

} // namespace ankisync::storage
