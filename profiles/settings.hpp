#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "profiles/profile.hpp"

namespace ankisync::profiles {

// Sets one profile field by the key `ankisync serve --dump-config` prints
// for it ("http.idle_timeout_ms", "connections.max", ...), from its text.
// The command line's `--set KEY=VALUE` lands here, so a setting needs no
// flag of its own and a test can shrink any of them. Errors are sentences
// for the operator (unknown key, not a number, out of range).
std::expected<void, std::string> set_value(profile& p, std::string_view key,
                                           std::string_view value);

// `KEY=VALUE` split and applied as above.
std::expected<void, std::string> apply_setting(profile& p, std::string_view assignment);

} // namespace ankisync::profiles
