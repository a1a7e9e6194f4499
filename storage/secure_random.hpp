#pragma once

#include <cstddef>
#include <span>

namespace ankisync::storage {

// Fills `out` from the kernel's random source (getrandom), for salts,
// host keys and generated passwords. False if the kernel refused; never
// returns fewer bytes than asked for.
bool random_bytes(std::span<unsigned char> out);

} // namespace ankisync::storage
