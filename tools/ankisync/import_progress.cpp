#include "tools/ankisync/import_progress.hpp"

#include <unistd.h>

#include <iostream>
#include <string>

namespace ankisync::app {

namespace {
constexpr auto redraw_every = std::chrono::milliseconds(200);
}

progress_line::progress_line() : enabled_(::isatty(STDERR_FILENO) == 1) {}

void progress_line::show(std::string_view text) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (shown_ && now - last_ < redraw_every) return;
  last_ = now;
  shown_ = true;
  // \r back to the start, \x1b[K erases what a longer text left.
  std::cerr << '\r' << text << "\x1b[K" << std::flush;
}

void progress_line::clear() {
  if (!enabled_ || !shown_) return;
  shown_ = false;
  std::cerr << "\r\x1b[K" << std::flush;
}

} // namespace ankisync::app
