#pragma once

// In a sanitizer build (tools/test.sh --sanitize) the server and the
// commands the tests run write their reports to stderr. A report fails the
// test even when every request still got its answer: a use after free or a
// leak need not change what the client sees.

#include <optional>
#include <string>
#include <string_view>

namespace ankisync::integration {

// The report in `stderr_text` from its first line on, when a sanitizer
// (ASan, LSan, UBSan, TSan) wrote one.
std::optional<std::string> sanitizer_report(std::string_view stderr_text);

} // namespace ankisync::integration
