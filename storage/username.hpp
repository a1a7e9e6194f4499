#pragma once

#include <string>
#include <string_view>

namespace ankisync::storage {

// Usernames become folder names under the data root, so they must be safe
// as one path component on every filesystem we run on: 1-64 bytes of valid
// UTF-8, no '/', '\\', ':' (the SYNC_USERn separator), NUL or control
// characters, not "." or "..", no leading or trailing space or dot.
// Returns an empty string when valid, else the reason.
std::string username_problem(std::string_view name);
inline bool is_valid_username(std::string_view name) { return username_problem(name).empty(); }

} // namespace ankisync::storage
