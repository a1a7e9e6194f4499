#pragma once

#include <filesystem>
#include <string_view>

namespace ankisync::actors {

// Temp files of full syncs and media downloads live in the user's folder,
// so a final rename stays on one file system. The leading dot keeps them
// apart from real files; the collection actor removes leftovers at start.
inline constexpr std::string_view upload_prefix = ".upload-";
inline constexpr std::string_view download_prefix = ".download-";

// A name no other temp file of this process has: prefix, pid, a counter
// and the clock.
std::filesystem::path temp_name(const std::filesystem::path& folder, std::string_view prefix);

} // namespace ankisync::actors
