#pragma once

// The one line `ankisync import` keeps redrawing on a terminal while it
// copies a large media folder. Off when stderr is not a terminal (a cron
// job, a log file), so such runs print their summary only.

#include <chrono>
#include <string_view>

namespace ankisync::app {

class progress_line {
public:
  // Enabled when stderr is a terminal.
  progress_line();
  explicit progress_line(bool enabled) : enabled_(enabled) {}
  ~progress_line() { clear(); }
  progress_line(const progress_line&) = delete;
  progress_line& operator=(const progress_line&) = delete;

  // Redraws the line, at most a few times a second.
  void show(std::string_view text);
  // Removes the line, so the summary starts on a clean one.
  void clear();

private:
  bool enabled_ = false;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

} // namespace ankisync::app
