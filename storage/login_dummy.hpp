#pragma once

#include <string_view>

namespace ankisync::storage {

// What login verifies against when the user does not exist, so a wrong
// name costs as much as a wrong password and timing does not reveal which
// names exist. Random salt and hash with the default rounds; no password
// matches it in practice, and nothing but timing depends on it.
inline constexpr std::string_view login_dummy_phc =
    "$pbkdf2-sha256$i=600000,l=32$VznqqeFWt0PpXzSnFS12cQ"
    "$e1+MuA11C88dowSEi8rPFBQ89ahSm/F2FFDutbaCa8E";

} // namespace ankisync::storage
