#include "tools/ankisync/data_folder.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "protocol/printable.hpp"
#include "storage/private_files.hpp"

namespace ankisync::app {
namespace {

namespace fs = std::filesystem;

void tighten(const fs::path& path) {
  if (auto ec = storage::make_private(path))
    spdlog::warn("cannot make {} private: {}", protocol::printable(path.string()), ec.message());
}

} // namespace

void make_data_folder_private(const fs::path& data_dir, storage::users_db& db) {
  tighten(data_dir);
  for (const char* name : {"users.db", "users.db-wal", "users.db-shm", ".recordings"})
    tighten(data_dir / name);
  auto users = db.list_users();
  if (!users) {
    spdlog::warn("cannot list users to make their folders private: {}", users.error().message);
    return;
  }
  std::error_code ec;
  for (const auto& u : *users)
    if (fs::is_directory(fs::symlink_status(data_dir / u.name, ec)))
      tighten(data_dir / u.name);
}

std::optional<std::string> refuse_foreign_folder(const fs::path& data_dir,
                                                 std::string_view command) {
  struct stat st {};
  if (::geteuid() != 0 || ::stat(data_dir.c_str(), &st) != 0 || st.st_uid == 0)
    return std::nullopt;
  std::string owner = std::to_string(st.st_uid);
  if (const passwd* pw = ::getpwuid(st.st_uid))
    owner = pw->pw_name;
  return protocol::printable(data_dir.string()) + " belongs to the account '" + owner +
         "', which the server runs as; as root, files made here would shut it out. Run: "
         "runuser -u " + owner + " -- ankisync " + std::string(command);
}

} // namespace ankisync::app
