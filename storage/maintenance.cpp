#include "storage/maintenance.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>

#include <boost/json.hpp>

#include "storage/backup.hpp"
#include "storage/folder_check.hpp"
#include "storage/restore.hpp"
#include "storage/users_db.hpp"

namespace ankisync::storage {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

using clock_type = std::chrono::steady_clock;

std::string megabytes(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

std::string seconds_since(clock_type::time_point start) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s",
                std::chrono::duration<double>(clock_type::now() - start).count());
  return buf;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Every user in users.db (or only the chosen one, which must be there).
result<std::vector<std::string>> users_of(const maintenance_options& o) {
  auto db = users_db::open(o.data_dir / "users.db");
  if (!db) return std::unexpected(db.error());
  auto rows = db->list_users();
  if (!rows) return std::unexpected(rows.error());
  std::vector<std::string> names;
  for (const auto& row : *rows)
    if (o.only_user.empty() || row.name == o.only_user) names.push_back(row.name);
  if (!o.only_user.empty() && names.empty())
    return fail(storage_errc::not_found, "no user named " + o.only_user);
  return names;
}

bool stopping(const maintenance_options& o) {
  return o.stop != nullptr && o.stop->load(std::memory_order_acquire);
}

// Runs `step` for each user through the owner, in order.
void for_each_user(const maintenance_options& o, const std::vector<std::string>& users,
                   bool replaces_files,
                   const std::function<user_outcome(const std::string&)>& step,
                   maintenance_report& report) {
  for (const auto& user : users) {
    if (stopping(o)) {
      report.ok = false;
      report.error = "the server is stopping";
      return;
    }
    auto outcome = o.owner(user, replaces_files, [&step, user] { return step(user); });
    outcome.user = user;
    report.ok = report.ok && outcome.ok;
    if (o.on_user) o.on_user(outcome);
    report.users.push_back(std::move(outcome));
  }
}

maintenance_report failed(std::string why) {
  maintenance_report r;
  r.ok = false;
  r.error = std::move(why);
  return r;
}

} // namespace

user_outcome run_directly(const std::string&, bool, std::function<user_outcome()> step) {
  return step();
}

maintenance_report run_backup(const maintenance_options& o, const fs::path& backup_dir) {
  auto users = users_of(o);
  if (!users) return failed(users.error().message);
  auto folder = make_backup_folder(backup_dir);
  if (!folder) return failed(folder.error().message);
  maintenance_report report;
  report.path = folder->string();
  backup_manifest manifest;
  manifest.created_s = static_cast<std::int64_t>(std::time(nullptr));
  manifest.users = *users;
  auto db = backup_users_db(o.data_dir / "users.db", *folder);
  if (!db) return failed("users.db: " + db.error().message);
  manifest.files.push_back(*db);
  for_each_user(o, *users, false, [&](const std::string& user) {
    const auto start = clock_type::now();
    user_outcome out;
    auto files = backup_user(o.data_dir / user, *folder, user);
    if (!files) {
      out.line = "backup failed: " + files.error().message;
      return out;
    }
    out.ok = true;
    out.line = std::to_string(files->size()) + " files, " + megabytes(total_bytes(*files)) +
               " in " + seconds_since(start);
    manifest.files.insert(manifest.files.end(), files->begin(), files->end());
    return out;
  }, report);
  // Only a backup of every user it set out to copy is complete.
  if (!report.ok) {
    if (report.error.empty()) report.error = "not every user was copied: the backup is incomplete";
    return report;
  }
  if (auto r = write_manifest(*folder, manifest); !r) {
    report.ok = false;
    report.error = "manifest: " + r.error().message;
  }
  return report;
}

maintenance_report run_restore(const maintenance_options& o, const fs::path& backup) {
  auto manifest = read_manifest(backup);
  if (!manifest) return failed(manifest.error().message);
  std::vector<std::string> users;
  for (const auto& u : manifest->users)
    if (o.only_user.empty() || u == o.only_user) users.push_back(u);
  if (users.empty()) return failed("the backup has no user named " + o.only_user);
  // Every file first: a damaged backup changes nothing.
  for (const auto& u : users)
    if (auto r = verify_backup(backup, *manifest, u); !r)
      return failed("refusing to restore, nothing was changed: " + r.error().message);
  maintenance_report report;
  report.path = backup.string();
  for_each_user(o, users, true, [&](const std::string& user) {
    user_outcome out;
    auto done = restore_user(backup, *manifest, user, o.data_dir / user, now_ms());
    out.ok = done.has_value();
    out.line = done ? *done : "restore failed: " + done.error().message;
    return out;
  }, report);
  return report;
}

maintenance_report run_check(const maintenance_options& o, bool repair_media) {
  auto users = users_of(o);
  if (!users) return failed(users.error().message);
  maintenance_report report;
  for_each_user(o, *users, false, [&](const std::string& user) {
    const auto c = check_user_folder(o.data_dir / user, repair_media);
    user_outcome out;
    out.ok = c.ok();
    out.line = "collection " + c.collection + " | media db " + c.media_db + " | media " +
               std::to_string(c.media_files) + " files, " + std::to_string(c.media_missing) +
               " missing, " + std::to_string(c.media_corrupt) + " damaged | temp files " +
               std::to_string(c.stray_temp);
    if (c.repaired > 0) out.line += " | repaired " + std::to_string(c.repaired);
    return out;
  }, report);
  return report;
}

std::string encode_report(const maintenance_report& r) {
  json::array users;
  for (const auto& u : r.users)
    users.emplace_back(json::object{{"user", u.user}, {"ok", u.ok}, {"line", u.line}});
  json::object root{{"ok", r.ok}, {"path", r.path}, {"error", r.error}};
  root["users"] = std::move(users);
  return json::serialize(root);
}

maintenance_report decode_report(const std::string& text) {
  maintenance_report r;
  try {
    const auto root = json::parse(text).as_object();
    r.ok = root.at("ok").as_bool();
    r.path = root.at("path").as_string();
    r.error = root.at("error").as_string();
    for (const auto& u : root.at("users").as_array()) {
      const auto& o = u.as_object();
      r.users.push_back({std::string(o.at("user").as_string()), o.at("ok").as_bool(),
                         std::string(o.at("line").as_string())});
    }
  } catch (const std::exception& e) {
    return failed(std::string("the server's answer is not a report: ") + e.what());
  }
  return r;
}

} // namespace ankisync::storage
