#pragma once

// Client strings (media names, user names, client versions, paths, error
// reasons that quote them) reach log lines and error reasons. Written as
// they came, a "\n" starts a forged log line, a "\r" or an escape sequence
// rewrites what a terminal shows, and a U+202E shows the rest of the line
// reversed. Every such string passes through printable() on its way there.

#include <string>
#include <string_view>

namespace ankisync::protocol {

// `text` with what does not print as itself escaped: "\n", "\r", "\t";
// other C0 controls, DEL and bytes that are not UTF-8 as "\xHH"; C1
// controls, format characters (Unicode category Cf: bidi controls,
// zero-width characters, BOM) and line/paragraph separators as
// "\u{HHHH}". Everything else, backslashes included, is kept: the result
// has nothing left to escape, so escaping it again at another layer
// changes nothing.
std::string printable(std::string_view text);

} // namespace ankisync::protocol
