#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/host_key_index.hpp"
#include "storage/sqlite_handle.hpp"
#include "storage/storage_error.hpp"

struct sqlite3;

namespace ankisync::storage {

// Where a user came from: the CLI/first-start bootstrap, or a SYNC_USERn
// environment entry (which the server re-reads at every start).
enum class user_source { local, env };

struct user_row {
  std::string name;
  std::string password_hash; // PHC string
  user_source source = user_source::local;
  std::int64_t created_s = 0;
};

// An account brought over from another server (`ankisync import`).
struct imported_account {
  std::string name;
  // A PBKDF2 PHC string, or an ankicommunity hash in its users.db form
  // (ankicommunity_password.hpp), replaced at the first login.
  std::string password_hash;
  // Keys the old server gave the user's devices; they keep working.
  std::vector<std::string> host_keys;
};

// What import_account did with the account.
enum class import_account_outcome {
  created,       // a new local user with the given hash and keys
  kept_existing, // the user existed: its password stays, the keys were added
  // The user is set by SYNC_USERn, whose one host key is derived from the
  // entry at every start: its password stays and no keys were added.
  kept_env_user,
};

// One SYNC_USERn entry as given: "name:password" (or "name:<PHC>" when
// hashed). `env_value` is the whole entry, from which the legacy host key
// is derived.
struct env_user {
  std::string name;
  std::string secret;    // plain password, or PHC string when hashed
  bool hashed = false;
  std::string env_value; // the full "name:secret" value
};

// users.db: accounts and the host keys issued to their devices. Several
// processes use it at once (the server, `ankisync user ...`), so it runs
// in WAL mode with a busy timeout; each instance is one connection, used
// by one thread at a time.
class users_db {
public:
  static result<users_db> open(const std::filesystem::path& file);
  users_db(users_db&&) noexcept = default;
  users_db& operator=(users_db&&) noexcept = default;

  // Every method taking a name composes it to NFC first (username.hpp):
  // it is stored so, and either spelling finds the user.
  result<void> add_user(std::string_view name, std::string_view password_hash);
  // Replaces the hash and revokes every host key of the user.
  result<void> set_password(std::string_view name, std::string_view password_hash);
  // Removes the account and its host keys (its data folder is left alone).
  result<void> remove_user(std::string_view name);
  result<std::vector<user_row>> list_users();
  result<std::optional<user_row>> find_user(std::string_view name);

  // Per-user quotas in MB (docs/backup.md, "Quotas"): nullopt is the
  // profile's default, 0 no limit. set_quota changes only what is given.
  struct quota {
    std::optional<std::int64_t> collection_mb;
    std::optional<std::int64_t> media_mb;
  };
  result<void> set_quota(std::string_view name, const quota& q);
  result<quota> quota_of(std::string_view name);

  // Adds an imported account in one transaction: the user (unless it
  // exists, see import_account_outcome) and its host keys. Errors: a bad
  // name or hash or an empty key (invalid); a key that belongs to another
  // user (exists). Nothing is written then.
  result<import_account_outcome> import_account(const imported_account& account);

  // Makes the env users exactly `users`: adds/updates them (hashing plain
  // passwords), records each one's derived host key, and removes env users
  // no longer listed (with their keys). Local users are left alone; an env
  // entry whose name belongs to a local user is an error (exists).
  result<void> sync_env_users(const std::vector<env_user>& users,
                              std::uint32_t rounds);

  // Login. Runs the password hash whether or not the user exists, so both
  // failures cost the same. An imported ankicommunity hash is accepted once:
  // the login that matches it replaces it by a PBKDF2 hash of the password. On success returns the host key for the
  // device: the derived key for env users, else a new random one, stored.
  result<std::optional<std::string>> login(std::string_view name, std::string_view password);

  // Host key -> username for every valid key (the gateway's cache).
  result<host_key_index> host_keys();
  // Changes whenever another connection commits (PRAGMA data_version), so a
  // cache can tell cheaply that it is stale.
  result<std::int64_t> data_version();

private:
  explicit users_db(sqlite_handle db) : db_(std::move(db)) {}
  sqlite_handle db_;
};

} // namespace ankisync::storage
