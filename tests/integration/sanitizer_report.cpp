#include "tests/integration/sanitizer_report.hpp"

#include <algorithm>
#include <array>

namespace ankisync::integration {

std::optional<std::string> sanitizer_report(std::string_view stderr_text) {
  // How each report starts: ASan and LSan ("==pid==ERROR: AddressSanitizer",
  // "ERROR: LeakSanitizer"), UBSan ("file:line:col: runtime error: ..."),
  // TSan ("WARNING: ThreadSanitizer: data race").
  constexpr std::array<std::string_view, 4> starts{
      "ERROR: AddressSanitizer", "ERROR: LeakSanitizer", ": runtime error: ",
      "WARNING: ThreadSanitizer"};
  std::size_t first = std::string_view::npos;
  for (const auto start : starts)
    first = std::min(first, stderr_text.find(start));
  if (first == std::string_view::npos)
    return std::nullopt;
  const auto line = stderr_text.rfind('\n', first);
  return std::string(stderr_text.substr(line == std::string_view::npos ? 0 : line + 1));
}

} // namespace ankisync::integration
