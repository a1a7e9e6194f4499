#include "storage/users_db.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <unordered_set>
#include <utility>

#include "storage/ankicommunity_password.hpp"
#include "storage/login_dummy.hpp"
#include "storage/password_hash.hpp"
#include "storage/sqlite_stmt.hpp"
#include "storage/sqlite_tx.hpp"
#include "storage/unicode_text.hpp"
#include "storage/username.hpp"
#include "storage/users_schema.hpp"

namespace ankisync::storage {

namespace {

constexpr std::string_view local_source = "local";
constexpr std::string_view env_source = "env";

std::int64_t now_s() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

template <class T>
std::unexpected<storage_error> error_of(result<T>& r) {
  return std::unexpected(std::move(r.error()));
}

// Public functions promise not to throw; the only thing that can is an
// allocation, which becomes an error like any other.
template <class F>
auto guarded(F&& body) noexcept -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return fail(storage_errc::io, std::string("users.db: ") + e.what());
  } catch (...) {
    return fail(storage_errc::io, "users.db: unknown failure");
  }
}

// users.db holds password hashes, so a new one is readable by its owner
// only; SQLite gives the -wal and -shm files the database file's mode.
// An existing file keeps whatever mode the admin chose.
result<void> create_private_file(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return {};
  }
  if (errno == EEXIST) return {};
  return fail(storage_errc::io, "create " + file.string() + ": " + std::strerror(errno));
}

// Reads "name, password_hash, source, created" at columns 0-3.
result<user_row> read_user(const sqlite_stmt& stmt) {
  user_row row;
  row.name = stmt.text(0);
  row.password_hash = stmt.text(1);
  auto source = stmt.text(2);
  if (source == local_source) row.source = user_source::local;
  else if (source == env_source) row.source = user_source::env;
  else return fail(storage_errc::corrupt, "users.db: user " + row.name + " has source '" +
                                              source + "'");
  row.created_s = stmt.int64(3);
  return row;
}

// What sync_env_users needs to know about an existing row.
struct env_state {
  std::string source;
  std::optional<std::string> env_key;
  std::string password_hash;
};

result<std::optional<env_state>> read_env_state(sqlite3* db, std::string_view name) {
  auto stmt = sqlite_stmt::prepare(
      db, "SELECT source, env_key, password_hash FROM users WHERE name = ?");
  if (!stmt) return error_of(stmt);
  if (auto r = stmt->bind(1, name); !r) return error_of(r);
  auto row = stmt->step();
  if (!row) return error_of(row);
  if (!*row) return std::optional<env_state>{};
  return std::optional<env_state>{
      env_state{stmt->text(0), stmt->optional_text(1), stmt->text(2)}};
}

// Unchanged means the same SYNC_USERn value, read the same way: the value
// alone does not tell whether PASSWORDS_HASHED was set, but the stored hash
// does (it is the secret itself exactly when the secret was a hash).
bool env_unchanged(const std::optional<env_state>& state, const env_user& user,
                   std::string_view derived_key) {
  return state && state->source == env_source && state->env_key == derived_key &&
         (state->password_hash == user.secret) == user.hashed;
}

// The stored form of an env user's secret; empty when hashing failed.
std::string env_hash(const env_user& user, std::uint32_t rounds) {
  return user.hashed ? user.secret : hash_password(user.secret, rounds);
}

// A name as stored: NFC (username.hpp). Lookups compose the name they are
// given, so either spelling finds the user.
std::string stored_name(std::string_view name) { return to_nfc(name); }

// The env users with their names as stored. `env_value` stays as given:
// the derived host key comes from it, as upstream derives it.
std::vector<env_user> with_stored_names(std::vector<env_user> users) {
  for (auto& user : users) user.name = stored_name(user.name);
  return users;
}

result<void> check_env_users(const std::vector<env_user>& users, std::uint32_t rounds) {
  if (rounds == 0) return fail(storage_errc::invalid, "PBKDF2 needs at least one round");
  std::unordered_set<std::string_view> seen;
  for (const auto& user : users) {
    if (auto problem = username_problem(user.name); !problem.empty())
      return fail(storage_errc::invalid, "env user '" + user.name + "': " + problem);
    if (!seen.insert(user.name).second)
      return fail(storage_errc::invalid, "env user '" + user.name + "' is listed twice");
    if (user.hashed && !is_valid_phc(user.secret))
      return fail(storage_errc::invalid,
                  "env user '" + user.name + "': not a PBKDF2 PHC string");
  }
  return {};
}

// Writes one env user and makes its derived key its only host key.
result<void> store_env_user(sqlite3* db, const env_user& user, const std::string& key,
                            const std::string* new_hash, std::int64_t now) {
  if (new_hash != nullptr) {
    auto upsert = sqlite_stmt::prepare(
        db, "INSERT INTO users (name, password_hash, source, created, env_key) "
            "VALUES (?, ?, 'env', ?, ?) ON CONFLICT (name) DO UPDATE SET "
            "password_hash = excluded.password_hash, env_key = excluded.env_key");
    if (!upsert) return error_of(upsert);
    if (auto r = upsert->bind_all(user.name, *new_hash, now, key); !r) return r;
    if (auto r = upsert->run(); !r) return r;
  }
  auto revoke = sqlite_stmt::prepare(db, "DELETE FROM host_keys WHERE name = ? AND key <> ?");
  if (!revoke) return error_of(revoke);
  if (auto r = revoke->bind_all(user.name, key); !r) return r;
  if (auto r = revoke->run(); !r) return r;

  auto grant = sqlite_stmt::prepare(
      db, "INSERT INTO host_keys (key, name, created) VALUES (?, ?, ?) "
          "ON CONFLICT (key) DO UPDATE SET name = excluded.name");
  if (!grant) return error_of(grant);
  if (auto r = grant->bind_all(key, user.name, now); !r) return r;
  return grant->run();
}

result<void> remove_unlisted_env_users(sqlite3* db, const std::vector<env_user>& users) {
  std::unordered_set<std::string_view> listed;
  for (const auto& user : users) listed.insert(user.name);

  std::vector<std::string> gone;
  {
    auto stmt = sqlite_stmt::prepare(db, "SELECT name FROM users WHERE source = 'env'");
    if (!stmt) return error_of(stmt);
    while (true) {
      auto row = stmt->step();
      if (!row) return error_of(row);
      if (!*row) break;
      auto name = stmt->text(0);
      if (!listed.contains(name)) gone.push_back(std::move(name));
    }
  }
  for (const auto& name : gone) {
    auto del = sqlite_stmt::prepare(db, "DELETE FROM users WHERE name = ?");
    if (!del) return error_of(del);
    if (auto r = del->bind(1, name); !r) return r;
    if (auto r = del->run(); !r) return r;
  }
  return {};
}

// The first login of an imported user: our own hash replaces the one the
// old server made, unless the stored value changed since it was read
// (false then). The old hash is never accepted again.
result<bool> replace_imported_hash(sqlite3* db, std::string_view name, std::string_view old_hash,
                                   const std::string& new_hash) {
  if (new_hash.empty()) return fail(storage_errc::io, "random source failed");
  auto stmt = sqlite_stmt::prepare(
      db, "UPDATE users SET password_hash = ? WHERE name = ? AND password_hash = ?");
  if (!stmt) return error_of(stmt);
  if (auto r = stmt->bind_all(new_hash, name, old_hash); !r) return error_of(r);
  if (auto r = stmt->run(); !r) return error_of(r);
  return sqlite3_changes(db) == 1;
}

// Grants an imported host key to `name`; a key it already has is fine, a
// key of another user is not (the old server's keys were unique too).
result<void> grant_imported_key(sqlite3* db, std::string_view name, std::string_view key,
                                std::int64_t now) {
  if (key.empty()) return fail(storage_errc::invalid, "an imported host key is empty");
  auto owner = sqlite_stmt::prepare(db, "SELECT name FROM host_keys WHERE key = ?");
  if (!owner) return error_of(owner);
  if (auto r = owner->bind(1, key); !r) return r;
  auto row = owner->step();
  if (!row) return error_of(row);
  if (*row) {
    if (owner->text(0) == name) return {};
    return fail(storage_errc::exists, "a host key of '" + std::string(name) +
                                          "' already belongs to user '" + owner->text(0) + "'");
  }
  auto grant = sqlite_stmt::prepare(db, "INSERT INTO host_keys (key, name, created) VALUES (?, ?, ?)");
  if (!grant) return error_of(grant);
  if (auto r = grant->bind_all(key, name, now); !r) return r;
  return grant->run();
}

} // namespace

result<users_db> users_db::open(const std::filesystem::path& file) {
  return guarded([&]() -> result<users_db> {
    // The file but not its folder: a missing parent means a wrong data
    // root, which should fail loudly rather than be created.
    if (auto r = create_private_file(file); !r) return error_of(r);
    auto db = open_read_write(file);
    if (!db) return error_of(db);
    if (auto r = configure_users_connection(*db); !r) return error_of(r);
    if (auto r = migrate_users_db(*db); !r) return error_of(r);
    return users_db(std::move(*db));
  });
}

result<void> users_db::add_user(std::string_view given, std::string_view password_hash) {
  return guarded([&]() -> result<void> {
    auto canonical = canonical_username(given);
    if (!canonical) return fail(storage_errc::invalid, canonical.error());
    const std::string& name = *canonical;
    if (!is_valid_phc(password_hash))
      return fail(storage_errc::invalid, "password hash is not a PBKDF2 PHC string");
    auto stmt = sqlite_stmt::prepare(
        db_, "INSERT INTO users (name, password_hash, source, created) VALUES (?, ?, 'local', ?)");
    if (!stmt) return error_of(stmt);
    if (auto r = stmt->bind_all(name, password_hash, now_s()); !r) return r;
    auto r = stmt->run();
    if (!r && r.error().code == storage_errc::exists)
      return fail(storage_errc::exists, "user '" + std::string(name) + "' already exists");
    return r;
  });
}

result<void> users_db::set_password(std::string_view given, std::string_view password_hash) {
  return guarded([&]() -> result<void> {
    const auto name = stored_name(given);
    if (!is_valid_phc(password_hash))
      return fail(storage_errc::invalid, "password hash is not a PBKDF2 PHC string");
    auto tx = sqlite_tx::begin(db_);
    if (!tx) return error_of(tx);
    auto state = read_env_state(db_, name);
    if (!state) return error_of(state);
    if (!*state) return fail(storage_errc::not_found, "no user '" + std::string(name) + "'");
    // An env user's password is whatever SYNC_USERn says at the next start,
    // and its one host key is derived from that; changing it here would only
    // break its login until then.
    if ((*state)->source == env_source)
      return fail(storage_errc::invalid,
                  "user '" + std::string(name) + "' is set by SYNC_USERn; change it there");

    auto update = sqlite_stmt::prepare(db_, "UPDATE users SET password_hash = ? WHERE name = ?");
    if (!update) return error_of(update);
    if (auto r = update->bind_all(password_hash, name); !r) return r;
    if (auto r = update->run(); !r) return r;

    // A new password must log out every device that knew the old one.
    auto revoke = sqlite_stmt::prepare(db_, "DELETE FROM host_keys WHERE name = ?");
    if (!revoke) return error_of(revoke);
    if (auto r = revoke->bind(1, name); !r) return r;
    if (auto r = revoke->run(); !r) return r;
    return tx->commit();
  });
}

result<import_account_outcome> users_db::import_account(const imported_account& account) {
  return guarded([&]() -> result<import_account_outcome> {
    if (auto problem = username_problem(account.name); !problem.empty())
      return fail(storage_errc::invalid, "username '" + account.name + "' " + problem);
    if (!is_ankicommunity_hash(account.password_hash) && !is_valid_phc(account.password_hash))
      return fail(storage_errc::invalid, "user '" + account.name +
                                             "': the password hash is neither PBKDF2 nor ankisyncd's");
    auto tx = sqlite_tx::begin(db_);
    if (!tx) return error_of(tx);
    auto state = read_env_state(db_, account.name);
    if (!state) return error_of(state);
    const auto now = now_s();
    auto outcome = import_account_outcome::created;
    if (!*state) {
      auto insert = sqlite_stmt::prepare(
          db_, "INSERT INTO users (name, password_hash, source, created) VALUES (?, ?, 'local', ?)");
      if (!insert) return error_of(insert);
      if (auto r = insert->bind_all(account.name, account.password_hash, now); !r)
        return error_of(r);
      if (auto r = insert->run(); !r) return error_of(r);
    } else if ((*state)->source == env_source) {
      // store_env_user would revoke any other key at the next start.
      if (auto r = tx->commit(); !r) return error_of(r);
      return import_account_outcome::kept_env_user;
    } else {
      outcome = import_account_outcome::kept_existing;
    }
    for (const auto& key : account.host_keys)
      if (auto r = grant_imported_key(db_, account.name, key, now); !r) return error_of(r);
    if (auto r = tx->commit(); !r) return error_of(r);
    return outcome;
  });
}

result<void> users_db::remove_user(std::string_view given) {
  return guarded([&]() -> result<void> {
    const auto name = stored_name(given);
    // Host keys go by ON DELETE CASCADE (foreign_keys is on per connection).
    auto stmt = sqlite_stmt::prepare(db_, "DELETE FROM users WHERE name = ?");
    if (!stmt) return error_of(stmt);
    if (auto r = stmt->bind(1, name); !r) return r;
    if (auto r = stmt->run(); !r) return r;
    if (sqlite3_changes(db_) == 0)
      return fail(storage_errc::not_found, "no user '" + std::string(name) + "'");
    return {};
  });
}

result<void> users_db::set_quota(std::string_view given, const quota& q) {
  return guarded([&]() -> result<void> {
    const auto name = stored_name(given);
    for (auto [column, value] : {std::pair{"max_collection_mb", q.collection_mb},
                                 std::pair{"max_media_mb", q.media_mb}}) {
      if (!value) continue;
      if (*value < 0) return fail(storage_errc::invalid, "a quota is 0 (no limit) or more MB");
      auto stmt = sqlite_stmt::prepare(
          db_, "UPDATE users SET " + std::string(column) + " = ? WHERE name = ?");
      if (!stmt) return error_of(stmt);
      if (auto r = stmt->bind(1, *value); !r) return r;
      if (auto r = stmt->bind(2, name); !r) return r;
      if (auto r = stmt->run(); !r) return r;
      if (sqlite3_changes(db_) == 0)
        return fail(storage_errc::not_found, "no user '" + std::string(name) + "'");
    }
    return {};
  });
}

result<users_db::quota> users_db::quota_of(std::string_view given) {
  return guarded([&]() -> result<quota> {
    const auto name = stored_name(given);
    auto stmt = sqlite_stmt::prepare(
        db_, "SELECT coalesce(max_collection_mb, -1), coalesce(max_media_mb, -1) FROM users "
             "WHERE name = ?");
    if (!stmt) return error_of(stmt);
    if (auto r = stmt->bind(1, name); !r) return std::unexpected(r.error());
    auto row = stmt->step();
    if (!row) return error_of(row);
    quota q;
    if (!*row) return q;
    for (int column : {0, 1})
      if (const auto mb = stmt->int64(column); mb >= 0)
        (column == 0 ? q.collection_mb : q.media_mb) = mb;
    return q;
  });
}

result<std::vector<user_row>> users_db::list_users() {
  return guarded([&]() -> result<std::vector<user_row>> {
    auto stmt = sqlite_stmt::prepare(
        db_, "SELECT name, password_hash, source, created FROM users ORDER BY name");
    if (!stmt) return error_of(stmt);
    std::vector<user_row> rows;
    while (true) {
      auto more = stmt->step();
      if (!more) return error_of(more);
      if (!*more) return rows;
      auto row = read_user(*stmt);
      if (!row) return error_of(row);
      rows.push_back(std::move(*row));
    }
  });
}

result<std::optional<user_row>> users_db::find_user(std::string_view given) {
  return guarded([&]() -> result<std::optional<user_row>> {
    const auto name = stored_name(given);
    auto stmt = sqlite_stmt::prepare(
        db_, "SELECT name, password_hash, source, created FROM users WHERE name = ?");
    if (!stmt) return error_of(stmt);
    if (auto r = stmt->bind(1, name); !r) return error_of(r);
    auto more = stmt->step();
    if (!more) return error_of(more);
    if (!*more) return std::optional<user_row>{};
    auto row = read_user(*stmt);
    if (!row) return error_of(row);
    return std::optional<user_row>{std::move(*row)};
  });
}

result<void> users_db::sync_env_users(const std::vector<env_user>& given,
                                      std::uint32_t rounds) {
  return guarded([&]() -> result<void> {
    const auto users = with_stored_names(given);
    if (auto r = check_env_users(users, rounds); !r) return r;

    // Hash before taking the write lock: each hash takes a good fraction of
    // a second at full rounds, and the CLI waits only 5 s for the lock.
    std::unordered_map<std::string, std::string> fresh;
    for (const auto& user : users) {
      auto state = read_env_state(db_, user.name);
      if (!state) return error_of(state);
      if (!env_unchanged(*state, user, derive_env_host_key(user.env_value)))
        fresh[user.name] = env_hash(user, rounds);
    }

    auto tx = sqlite_tx::begin(db_);
    if (!tx) return error_of(tx);
    const auto now = now_s();
    for (const auto& user : users) {
      // Decide again under the lock; the file may have changed meanwhile.
      auto state = read_env_state(db_, user.name);
      if (!state) return error_of(state);
      if (*state && (*state)->source != env_source)
        return fail(storage_errc::exists,
                    "env user '" + user.name + "' clashes with a local user of that name");
      const auto key = derive_env_host_key(user.env_value);
      const std::string* new_hash = nullptr;
      std::string late_hash;
      if (!env_unchanged(*state, user, key)) {
        if (auto it = fresh.find(user.name); it != fresh.end()) {
          new_hash = &it->second;
        } else {
          late_hash = env_hash(user, rounds);
          new_hash = &late_hash;
        }
        if (new_hash->empty())
          return fail(storage_errc::io, "hashing the password of '" + user.name + "' failed");
      }
      if (auto r = store_env_user(db_, user, key, new_hash, now); !r) return r;
    }
    if (auto r = remove_unlisted_env_users(db_, users); !r) return r;
    return tx->commit();
  });
}

result<std::optional<std::string>> users_db::login(std::string_view given,
                                                   std::string_view password) {
  return guarded([&]() -> result<std::optional<std::string>> {
    const auto name = stored_name(given);
    using answer = std::optional<std::string>;
    std::string stored_hash, source;
    std::optional<std::string> env_key;
    bool found = false;
    {
      // Scoped so the read ends before the slow hash below: no lock held.
      auto stmt = sqlite_stmt::prepare(
          db_, "SELECT password_hash, source, env_key FROM users WHERE name = ?");
      if (!stmt) return error_of(stmt);
      if (auto r = stmt->bind(1, name); !r) return error_of(r);
      auto row = stmt->step();
      if (!row) return error_of(row);
      if (*row) {
        found = true;
        stored_hash = stmt->text(0);
        source = stmt->text(1);
        env_key = stmt->optional_text(2);
      }
    }
    if (!found) {
      (void)verify_password(password, login_dummy_phc);
      return answer{};
    }
    if (is_ankicommunity_hash(stored_hash)) {
      if (!verify_ankicommunity_password(name, password, stored_hash)) {
        // A SHA-256 is far quicker than PBKDF2: pay the same as any failure.
        (void)verify_password(password, login_dummy_phc);
        return answer{};
      }
      auto upgraded = replace_imported_hash(db_, name, stored_hash, hash_password(password));
      if (!upgraded) return error_of(upgraded);
      // Someone else changed the password since we read it: the old one
      // no longer counts.
      if (!*upgraded) return answer{};
    } else if (!verify_password(password, stored_hash)) {
      return answer{};
    }

    if (source == env_source) {
      if (!env_key || env_key->empty())
        return fail(storage_errc::corrupt, "env user '" + std::string(name) + "' has no key");
      return answer{std::move(*env_key)};
    }

    auto key = random_host_key();
    if (key.empty()) return fail(storage_errc::io, "random source failed");
    auto stmt = sqlite_stmt::prepare(
        db_, "INSERT INTO host_keys (key, name, created) VALUES (?, ?, ?)");
    if (!stmt) return error_of(stmt);
    if (auto r = stmt->bind_all(key, name, now_s()); !r) return error_of(r);
    if (auto r = stmt->run(); !r) {
      // The user was removed between the check and now: as if never there.
      if (r.error().code == storage_errc::not_found) return answer{};
      return error_of(r);
    }
    return answer{std::move(key)};
  });
}

result<host_key_index> users_db::host_keys() {
  return guarded([&]() -> result<host_key_index> {
    auto stmt = sqlite_stmt::prepare(db_, "SELECT key, name FROM host_keys");
    if (!stmt) return error_of(stmt);
    host_key_index keys;
    while (true) {
      auto row = stmt->step();
      if (!row) return error_of(row);
      if (!*row) break;
      keys.add(stmt->text(0), stmt->text(1));
    }
    keys.seal();
    return keys;
  });
}

result<std::int64_t> users_db::data_version() {
  return guarded([&]() -> result<std::int64_t> {
    auto stmt = sqlite_stmt::prepare(db_, "PRAGMA data_version");
    if (!stmt) return error_of(stmt);
    auto row = stmt->step();
    if (!row) return error_of(row);
    if (!*row) return fail(storage_errc::sqlite, "PRAGMA data_version returned no row");
    return stmt->int64(0);
  });
}

} // namespace ankisync::storage
