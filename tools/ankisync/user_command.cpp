#include <iostream>
#include <termios.h>
#include <unistd.h>

#include "protocol/printable.hpp"
#include "storage/password_hash.hpp"
#include "storage/username.hpp"
#include "storage/users_db.hpp"
#include "tools/ankisync/commands.hpp"
#include "tools/ankisync/data_folder.hpp"

namespace ankisync::app {
namespace {

// From a terminal the password is typed without echo; from a pipe it is
// the first line.
std::optional<std::string> read_password() {
  const bool tty = ::isatty(STDIN_FILENO);
  termios saved{};
  if (tty) {
    std::cerr << "Password: " << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!got)
    return std::nullopt;
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  return line;
}

int fail(const std::string& message) {
  std::cerr << "ankisync: " << message << "\n";
  return 1;
}

} // namespace

int run_user_command(const user_command& cmd) {
  const auto data_dir = resolve_data_dir(cmd.data_dir);
  if (auto refusal = refuse_foreign_folder(data_dir, "user ... --data " + data_dir.string()))
    return fail(*refusal);
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  auto db = storage::users_db::open(data_dir / "users.db");
  if (!db)
    return fail("cannot open users database: " + db.error().message);

  using action = user_command::action;
  if (cmd.what == action::list) {
    auto users = db->list_users();
    if (!users)
      return fail(users.error().message);
    for (auto& u : *users)
      std::cout << u.name << (u.source == storage::user_source::env ? "\t(SYNC_USER)" : "")
                << "\n";
    return 0;
  }
  if (cmd.what == action::set) {
    if (!cmd.quota.collection_mb && !cmd.quota.media_mb)
      return fail("give --max-collection-mb or --max-media-mb (0: no limit)");
    if (auto r = db->set_quota(cmd.name, cmd.quota); !r)
      return fail(r.error().message);
    auto q = db->quota_of(cmd.name);
    if (!q)
      return fail(q.error().message);
    auto shown = [](const std::optional<std::int64_t>& mb) {
      return !mb ? std::string("the profile's") : *mb == 0 ? std::string("no limit") : std::to_string(*mb) + " MB";
    };
    std::cout << cmd.name << ": collection " << shown(q->collection_mb) << ", media "
              << shown(q->media_mb) << "\n";
    return 0;
  }
  if (cmd.what == action::remove) {
    if (auto r = db->remove_user(cmd.name); !r)
      return fail(r.error().message);
    std::cout << "removed " << cmd.name << " (its data folder was kept)\n";
    return 0;
  }

  if (auto canonical = storage::canonical_username(cmd.name); !canonical)
    return fail("username '" + protocol::printable(cmd.name) + "' " + canonical.error());
  auto password = cmd.password ? cmd.password : read_password();
  if (!password || password->empty())
    return fail("a non-empty password is required");
  const auto hash = storage::hash_password(*password);
  auto r = cmd.what == action::add ? db->add_user(cmd.name, hash) : db->set_password(cmd.name, hash);
  if (!r)
    return fail(r.error().message);
  std::cout << (cmd.what == action::add ? "added " : "changed the password of ") << cmd.name
            << "\n";
  return 0;
}

} // namespace ankisync::app
