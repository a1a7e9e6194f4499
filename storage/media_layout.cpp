#include "storage/media_layout.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>

#include "storage/file_ops.hpp"

namespace ankisync::storage {
namespace {

namespace fs = std::filesystem;

template <class T>
std::unexpected<storage_error> error_of(result<T>& r) {
  return std::unexpected(std::move(r.error()));
}

bool exists_no_follow(const fs::path& p) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(p, ec));
}

struct event_sink {
  const media_layout_options& options;
  std::size_t total = 0;
  std::size_t done = 0;

  void row(media_file_step step, const std::string& fname) {
    ++done;
    if (options.on_event) options.on_event({step, fname, done, total});
  }
  void recorded() {
    if (options.on_event) options.on_event({media_file_step::recorded, {}, done, total});
  }
};

// The first candidate whose bytes are `sha1_raw`, flushed to disk. A
// candidate with other bytes is reported through `mismatch`.
result<std::optional<fs::path>> find_content(const std::vector<fs::path>& candidates,
                                             std::string_view sha1_raw, bool& mismatch) {
  for (const auto& candidate : candidates) {
    if (!exists_no_follow(candidate)) continue;
    auto digest = sha1_of_file(candidate, true);
    if (!digest) {
      // Not a regular file (a link, a folder), or gone: never ours to take.
      if (digest.error().code == storage_errc::invalid ||
          digest.error().code == storage_errc::not_found) {
        mismatch = true;
        continue;
      }
      return error_of(digest);
    }
    if (*digest == sha1_raw) return std::optional<fs::path>(candidate);
    mismatch = true;
  }
  return std::optional<fs::path>{};
}

// rename(2) when both folders share a file system; otherwise a durable
// copy, and the original stays where it was.
result<void> move_or_copy(const fs::path& from, const fs::path& to) {
  if (::rename(from.c_str(), to.c_str()) == 0) return {};
  if (errno != EXDEV)
    return fail(storage_errc::io, "move " + from.string() + " to " + to.string() + ": " +
                                      std::strerror(errno));
  return copy_file_durably(from, to);
}

result<void> make_folder(const fs::path& p) {
  std::error_code ec;
  fs::create_directories(p, ec);
  if (ec) return fail(storage_errc::io, "create " + p.string() + ": " + ec.message());
  return {};
}

// Whether `named` already holds the content stored at `stored`.
result<bool> same_content(const fs::path& named, const fs::path& stored, std::string_view sha1_raw) {
  struct stat a{}, b{};
  if (::lstat(named.c_str(), &a) == 0 && ::stat(stored.c_str(), &b) == 0 && a.st_dev == b.st_dev &&
      a.st_ino == b.st_ino)
    return true;
  auto digest = sha1_of_file(named, false);
  if (!digest) {
    if (digest.error().code == storage_errc::invalid) return false;
    return error_of(digest);
  }
  return *digest == sha1_raw;
}

// The live rows to move, or nothing when the contents already live where
// `into_store` wants them.
result<std::optional<std::vector<media_live_file>>> rows_to_move(media_db& db, bool into_store) {
  auto in_store = db.in_content_store();
  if (!in_store) return error_of(in_store);
  if (*in_store == into_store) return std::optional<std::vector<media_live_file>>{};
  auto rows = db.live_files();
  if (!rows) return error_of(rows);
  return std::optional(std::move(*rows));
}

} // namespace

bool usable_as_file_name(std::string_view fname) {
  if (fname.empty() || fname == "." || fname == "..") return false;
  return fname.find('/') == std::string_view::npos && fname.find('\0') == std::string_view::npos;
}

result<media_layout_report> move_media_into_store(media_db& db, const media_folders& folders,
                                                  const media_layout_options& options) {
  media_layout_report report;
  auto to_move = rows_to_move(db, true);
  if (!to_move) return error_of(to_move);
  report.had_nothing_to_do = !*to_move;
  if (report.had_nothing_to_do) return report;
  const auto& rows = *to_move;
  report.total = rows->size();
  event_sink events{options, rows->size()};

  const auto store = folders.content_store();
  if (!options.dry_run)
    if (auto r = make_folder(folders.store()); !r) return error_of(r);

  for (const auto& row : *rows) {
    const auto target = store.path_of(row.sha1_raw);
    // Only this function and the store's adopt() write there, each by
    // renaming a complete, flushed file: present means done.
    if (exists_no_follow(target)) {
      ++report.already_there;
      events.row(media_file_step::already_there, row.fname);
      continue;
    }
    std::vector<fs::path> candidates;
    const bool name_ok = usable_as_file_name(row.fname);
    if (name_ok) candidates.push_back(folders.by_name() / row.fname);
    // An ankisync from before the separate store kept contents by SHA-1.
    candidates.push_back(folders.by_name() / sha1_hex(row.sha1_raw));

    bool mismatch = false;
    auto found = find_content(candidates, row.sha1_raw, mismatch);
    if (!found) return error_of(found);
    if (!*found) {
      const auto step = !name_ok ? media_file_step::unsafe_name
                        : mismatch ? media_file_step::mismatched
                                   : media_file_step::missing;
      report.problems.push_back(
          "'" + row.fname + "': " +
          (step == media_file_step::unsafe_name ? "its name cannot be a file name; no file under its SHA-1 either"
           : step == media_file_step::mismatched
               ? "the file's bytes are not the content media.db names; left where it is"
               : "no file with its content; devices that have it will keep theirs"));
      events.row(step, row.fname);
      continue;
    }
    if (!options.dry_run)
      if (auto r = move_or_copy(**found, target); !r) return error_of(r);
    ++report.moved;
    report.moved_bytes += row.size;
    events.row(media_file_step::moved, row.fname);
  }
  if (options.dry_run) return report;

  // The renames must be on disk before the database says they happened.
  if (auto r = fsync_path(folders.store(), true); !r) return error_of(r);
  if (exists_no_follow(folders.by_name()))
    if (auto r = fsync_path(folders.by_name(), true); !r) return error_of(r);
  if (auto r = db.set_in_content_store(true); !r) return error_of(r);
  events.recorded();
  return report;
}

result<media_layout_report> move_media_to_official(media_db& db, const media_folders& folders,
                                                   const media_layout_options& options) {
  media_layout_report report;
  auto to_move = rows_to_move(db, false);
  if (!to_move) return error_of(to_move);
  report.had_nothing_to_do = !*to_move;
  if (report.had_nothing_to_do) return report;
  const auto& rows = *to_move;
  report.total = rows->size();
  event_sink events{options, rows->size()};
  const auto store = folders.content_store();

  // Everything that could refuse is checked before anything changes.
  std::vector<bool> in_place(rows->size(), false);
  for (std::size_t i = 0; i < rows->size(); ++i) {
    const auto& row = (*rows)[i];
    if (!usable_as_file_name(row.fname))
      return fail(storage_errc::invalid,
                  "media name '" + row.fname + "' cannot be a file name; nothing was changed");
    const auto named = folders.by_name() / row.fname;
    if (!exists_no_follow(named)) continue;
    auto same = same_content(named, store.path_of(row.sha1_raw), row.sha1_raw);
    if (!same) return error_of(same);
    if (!*same)
      return fail(storage_errc::exists, named.string() +
                                            " exists with other bytes than media.db names; "
                                            "move it away first; nothing was changed");
    in_place[i] = true;
  }

  if (!options.dry_run)
    if (auto r = make_folder(folders.by_name()); !r) return error_of(r);
  for (std::size_t i = 0; i < rows->size(); ++i) {
    const auto& row = (*rows)[i];
    if (in_place[i]) {
      ++report.already_there;
      events.row(media_file_step::already_there, row.fname);
      continue;
    }
    const auto stored = store.path_of(row.sha1_raw);
    if (!exists_no_follow(stored)) {
      report.problems.push_back("'" + row.fname + "': its content is missing from the store");
      events.row(media_file_step::missing, row.fname);
      continue;
    }
    if (!options.dry_run)
      if (auto r = link_or_copy(stored, folders.by_name() / row.fname); !r) return error_of(r);
    ++report.moved;
    report.moved_bytes += row.size;
    events.row(media_file_step::moved, row.fname);
  }
  if (options.dry_run) return report;

  if (auto r = fsync_path(folders.by_name(), true); !r) return error_of(r);
  if (auto r = db.set_in_content_store(false); !r) return error_of(r);
  events.recorded();

  // The store is ankisync's own; with the layout record gone nothing reads
  // it. Only names it writes are removed, so a stray file keeps the folder.
  std::error_code ec;
  std::vector<fs::path> found;
  for (fs::directory_iterator it(folders.store(), ec), end; !ec && it != end; it.increment(ec))
    found.push_back(it->path());
  for (const auto& p : found)
    if (!sha1_raw_from_hex(p.filename().string()).empty()) fs::remove(p, ec);
  fs::remove(folders.store(), ec); // only if empty
  return report;
}

} // namespace ankisync::storage
