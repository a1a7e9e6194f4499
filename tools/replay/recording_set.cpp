#include "tools/replay/recording_set.hpp"

#include <algorithm>
#include <sstream>

#include "actors/recording/record_file.hpp"

namespace ankisync::replay {

namespace fs = std::filesystem;

std::expected<std::vector<fs::path>, std::string> find_recordings(const fs::path& path) {
  // Every file system call takes an error_code: a bad argument is a
  // message and exit 2, never an exception out of main.
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status))
    return std::unexpected(path.string() + ": no such file or folder");
  if (!fs::is_directory(status))
    return std::vector<fs::path>{path};
  std::vector<fs::path> found;
  fs::recursive_directory_iterator it(path, ec), end;
  for (; !ec && it != end; it.increment(ec))
    if (it->path().extension() == actors::recording::record_extension &&
        it->is_regular_file(ec))
      found.push_back(it->path());
  if (ec)
    return std::unexpected("cannot list " + path.string() + ": " + ec.message());
  if (found.empty())
    return std::unexpected(path.string() + ": no " +
                           std::string(actors::recording::record_extension) +
                           " recording in this folder");
  std::sort(found.begin(), found.end());
  return found;
}

bool any_diverged(const std::vector<replay_report>& reports) {
  return std::any_of(reports.begin(), reports.end(),
                     [](const replay_report& r) { return r.divergences > 0; });
}

std::string format_summary(const std::vector<replay_report>& reports) {
  std::ostringstream o;
  replay_report all; // the sum, for the table
  unsigned diverged = 0;
  for (const auto& r : reports) {
    o << r.recording << ": user " << r.user << ", " << r.requests << " requests, "
      << (r.divergences == 0 ? std::string("matches")
                             : std::to_string(r.divergences) + " response(s) diverged")
      << (r.truncated ? " (ends inside a record)" : "") << "\n";
    diverged += r.divergences > 0;
    for (const auto& [method, t] : r.methods) {
      auto slot = std::find_if(all.methods.begin(), all.methods.end(),
                               [&](const auto& m) { return m.first == method; });
      if (slot == all.methods.end()) {
        all.methods.emplace_back(method, method_tally{});
        slot = std::prev(all.methods.end());
      }
      slot->second.count += t.count;
      slot->second.matched += t.matched;
      slot->second.diverged += t.diverged;
      slot->second.skipped += t.skipped;
    }
  }
  o << "\n" << format_table(all);
  for (const auto& r : reports)
    if (r.first)
      o << "\n" << r.recording << ":\n" << format_divergence(r);
  o << "\n"
    << (diverged == 0 ? "every recording matches"
                      : std::to_string(diverged) + " of " + std::to_string(reports.size()) +
                            " recordings diverged")
    << "\n";
  return o.str();
}

} // namespace ankisync::replay
