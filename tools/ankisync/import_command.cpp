#include <stdlib.h> // mkdtemp

#include <algorithm>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

#include "tools/ankisync/ankicommunity_import.hpp"
#include "tools/ankisync/commands.hpp"
#include "tools/ankisync/data_folder.hpp"
#include "tools/ankisync/import_progress.hpp"

namespace ankisync::app {

namespace {

namespace fs = std::filesystem;

int fail(const std::string& message) {
  std::cerr << "ankisync import: " << message << "\n";
  return 1;
}

// A new private folder from a template ending in XXXXXX; removed with its
// contents when this goes.
class work_folder {
public:
  static std::expected<work_folder, std::string> make(const fs::path& parent,
                                                      const std::string& prefix) {
    std::string pattern = (parent / (prefix + "XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr)
      return std::unexpected("create a work folder in " + parent.string() + ": " +
                             std::error_code(errno, std::generic_category()).message());
    return work_folder(pattern);
  }
  work_folder(work_folder&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  work_folder& operator=(work_folder&&) = delete;
  ~work_folder() {
    if (path_.empty()) return;
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

private:
  explicit work_folder(fs::path p) : path_(std::move(p)) {}
  fs::path path_;
};

std::string plural(std::int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

void print_report(const import::user_report& r, bool dry_run) {
  auto& out = std::cout;
  if (!r.ok) {
    out << r.name << ": FAILED: " << r.error << "\n";
  } else {
    out << r.name << ": " << (dry_run ? "would be imported" : "imported") << "\n";
  }
  if (r.has_collection)
    out << "  collection: schema " << r.collection.ver << ", "
        << plural(r.collection.notes, "note", "notes") << ", "
        << plural(r.collection.cards, "card", "cards") << ", usn " << r.collection.usn
        << ", scm " << r.collection.scm << "\n";
  if (r.media_files > 0 || r.media_deletions > 0 || r.media_last_usn > 0)
    out << "  media: " << plural(r.media_files, "file", "files") << ", "
        << plural(r.media_bytes, "byte", "bytes") << ", "
        << plural(r.media_deletions, "deletion record", "deletion records") << ", media usn "
        << r.media_last_usn << "\n";
  if (r.ok) out << "  device keys: " << r.host_keys << "\n";
  for (const auto& note : r.notes) out << "  note: " << note << "\n";
  for (const auto& s : r.skipped) out << "  skipped: " << s.name << " (" << s.reason << ")\n";
}

} // namespace

int run_import_command(const import_command& cmd) {
  if (cmd.from != "ankicommunity")
    return fail("--from must be 'ankicommunity' (ankicommunity's anki-sync-server)");
  const auto data_dir = resolve_data_dir(cmd.data_dir);
  if (auto refusal = refuse_foreign_folder(data_dir, "import ... --data " + data_dir.string()))
    return fail(*refusal);
  import::source_layout source;
  source.root = cmd.source_dir;
  source.auth_db = cmd.auth_db.empty() ? source.root / "auth.db" : fs::path(cmd.auth_db);
  source.session_db =
      cmd.session_db.empty() ? source.root / "session.db" : fs::path(cmd.session_db);
  std::error_code ec;
  if (!fs::is_directory(source.root, ec))
    return fail(source.root.string() + " is not a folder");
  if (!fs::exists(source.auth_db, ec))
    return fail("no " + source.auth_db.string() + " (give its place with --auth-db)");
  if (fs::equivalent(source.root, data_dir, ec))
    return fail("the source and the data folder are the same folder");

  // A real run works inside the data folder (same file system, so the new
  // user folders arrive by rename); a dry run leaves it alone.
  if (!cmd.dry_run) {
    fs::create_directories(data_dir, ec);
    if (ec) return fail("create " + data_dir.string() + ": " + ec.message());
  }
  auto work = work_folder::make(cmd.dry_run ? fs::temp_directory_path() : data_dir,
                                ".import-ankicommunity-");
  if (!work) return fail(work.error());

  auto accounts = import::read_accounts(source, work->path());
  if (!accounts) return fail(accounts.error());

  if (!cmd.only_user.empty() &&
      std::none_of(accounts->accounts.begin(), accounts->accounts.end(),
                   [&](const auto& a) { return a.name == cmd.only_user; }))
    return fail("no user '" + cmd.only_user + "' in " + source.auth_db.string());

  // A dry run leaves users.db closed: even a read-only look could
  // checkpoint and remove its -wal, changing the folder.
  std::optional<storage::users_db> users;
  if (!cmd.dry_run) {
    auto opened = storage::users_db::open(data_dir / "users.db");
    if (!opened) return fail("users.db: " + opened.error().message);
    users.emplace(std::move(*opened));
  }

  std::cout << (cmd.dry_run ? "dry run, nothing is written: " : "") << "importing from "
            << source.root.string() << " into " << data_dir.string() << "\n";
  progress_line progress;
  import::run_options options{data_dir, work->path(), cmd.dry_run,
                              [&](std::string_view text) { progress.show(text); }};
  int imported = 0, failed = 0;
  for (const auto& account : accounts->accounts) {
    if (!cmd.only_user.empty() && account.name != cmd.only_user) continue;
    progress.show(account.name + ": collection");
    auto keys = accounts->host_keys[account.name];
    auto report = import::import_user(account, keys, source, options, users ? &*users : nullptr);
    progress.clear();
    print_report(report, cmd.dry_run);
    (report.ok ? imported : failed) += 1;
  }
  if (cmd.only_user.empty()) {
    for (const auto& name : accounts->folders_without_account) {
      std::cout << name << ": FAILED: a folder but no account in auth.db\n";
      ++failed;
    }
  }
  if (accounts->orphan_sessions > 0)
    std::cout << "ignored " << plural(static_cast<std::int64_t>(accounts->orphan_sessions),
                                      "session", "sessions")
              << " of users not in auth.db\n";
  std::cout << plural(imported + failed, "user", "users") << ": " << imported
            << (cmd.dry_run ? " would be imported, " : " imported, ") << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}

} // namespace ankisync::app
