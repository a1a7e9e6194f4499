#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <fstream>
#include <regex>
#include <string>

#include "storage/ankicommunity_password.hpp"
#include "storage/password_hash.hpp"
#include "storage/users_db.hpp"
#include "temp_dir.hpp"

using namespace ankisync::storage;
using ankisync::storage::test::temp_dir;

namespace {

// Few rounds keep the suite fast; login verifies with whatever rounds the
// stored string names, so this costs nothing in realism.
constexpr std::uint32_t test_rounds = 1000;

users_db open_db(const std::filesystem::path& file) {
  auto db = users_db::open(file);
  if (!db) FAIL("open failed: " << db.error().message);
  return std::move(*db);
}

std::string hash(std::string_view password) { return hash_password(password, test_rounds); }

env_user plain_env(const std::string& name, const std::string& password) {
  return env_user{name, password, false, name + ":" + password};
}

// One value from the file, through a connection of its own.
std::string query_text(const std::filesystem::path& file, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(file.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK);
  std::string value;
  if (sqlite3_step(stmt) == SQLITE_ROW)
    value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

std::size_t keys_of(users_db& db, const std::string& name) {
  auto keys = db.host_keys();
  REQUIRE(keys);
  std::size_t n = 0;
  for (std::size_t i = 0; i < keys->size(); ++i) n += keys->user_at(i) == name;
  return n;
}

} // namespace

TEST_CASE("open creates the file with the schema, WAL and a version") {
  temp_dir dir;
  auto file = dir / "users.db";
  REQUIRE_FALSE(std::filesystem::exists(file));
  {
    auto db = open_db(file);
    auto users = db.list_users();
    REQUIRE(users);
    CHECK(users->empty());
  }
  CHECK(std::filesystem::exists(file));
  using std::filesystem::perms;
  CHECK((std::filesystem::status(file).permissions() & perms::all) ==
        (perms::owner_read | perms::owner_write));
  CHECK(query_text(file, "PRAGMA user_version") == "2");
  CHECK(query_text(file, "PRAGMA journal_mode") == "wal");
  CHECK(query_text(file, "SELECT group_concat(name, ',') FROM "
                         "(SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name)") ==
        "host_keys,users");
  // Reopening an existing file keeps its contents.
  {
    auto db = open_db(file);
    REQUIRE(db.add_user("alice", hash("pw")));
  }
  auto db = open_db(file);
  auto found = db.find_user("alice");
  REQUIRE(found);
  CHECK(found->has_value());
}

TEST_CASE("open keeps the mode of an existing file") {
  temp_dir dir;
  auto file = dir / "users.db";
  std::ofstream{file}.close(); // empty: SQLite treats it as a new database
  using std::filesystem::perms;
  std::filesystem::permissions(file, perms::owner_read | perms::owner_write | perms::group_read);
  auto db = open_db(file);
  REQUIRE(db.add_user("alice", hash("pw")));
  CHECK((std::filesystem::status(file).permissions() & perms::all) ==
        (perms::owner_read | perms::owner_write | perms::group_read));
}

TEST_CASE("open refuses a missing folder, a non-database and a newer schema") {
  temp_dir dir;
  auto missing = users_db::open(dir / "no-such-dir" / "users.db");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == storage_errc::io);
  CHECK_FALSE(std::filesystem::exists(dir / "no-such-dir"));

  auto junk = dir / "junk.db";
  std::ofstream(junk) << std::string(4096, 'x');
  auto not_db = users_db::open(junk);
  REQUIRE_FALSE(not_db);
  CHECK(not_db.error().code == storage_errc::corrupt);

  auto future = dir / "future.db";
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(future.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw, "PRAGMA user_version = 99", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    sqlite3_close(raw);
  }
  auto newer = users_db::open(future);
  REQUIRE_FALSE(newer);
  CHECK(newer.error().code == storage_errc::corrupt);
}

TEST_CASE("local users: add, find, list, duplicates and bad input") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  auto h = hash("pw");
  REQUIRE(db.add_user("bob", h));
  REQUIRE(db.add_user("alice", hash("pw2")));

  auto bob = db.find_user("bob");
  REQUIRE(bob);
  REQUIRE(bob->has_value());
  CHECK((*bob)->name == "bob");
  CHECK((*bob)->password_hash == h);
  CHECK((*bob)->source == user_source::local);
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  CHECK((*bob)->created_s <= now);
  CHECK((*bob)->created_s > now - 60);

  auto nobody = db.find_user("carol");
  REQUIRE(nobody);
  CHECK_FALSE(nobody->has_value());

  auto all = db.list_users();
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].name == "alice");
  CHECK((*all)[1].name == "bob");

  auto dup = db.add_user("bob", h);
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == storage_errc::exists);

  auto bad_name = db.add_user("a/b", h);
  REQUIRE_FALSE(bad_name);
  CHECK(bad_name.error().code == storage_errc::invalid);

  auto bad_hash = db.add_user("carol", "plaintext");
  REQUIRE_FALSE(bad_hash);
  CHECK(bad_hash.error().code == storage_errc::invalid);

  all = db.list_users();
  REQUIRE(all);
  CHECK(all->size() == 2);
}

TEST_CASE("login issues a new stored key per device for local users") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  REQUIRE(db.add_user("alice", hash("right")));

  auto first = db.login("alice", "right");
  REQUIRE(first);
  REQUIRE(first->has_value());
  CHECK(std::regex_match(**first, std::regex("[0-9a-f]{32}")));
  auto second = db.login("alice", "right");
  REQUIRE(second);
  REQUIRE(second->has_value());
  CHECK(**first != **second);

  auto keys = db.host_keys();
  REQUIRE(keys);
  CHECK(keys->size() == 2);
  CHECK(keys->user_of(**first) == "alice");
  CHECK(keys->user_of(**second) == "alice");

  auto wrong = db.login("alice", "wrong");
  REQUIRE(wrong);
  CHECK_FALSE(wrong->has_value());
  auto unknown = db.login("mallory", "right");
  REQUIRE(unknown);
  CHECK_FALSE(unknown->has_value());
  CHECK(db.host_keys()->size() == 2);
}

TEST_CASE("set_password replaces the hash and logs every device out") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  REQUIRE(db.add_user("alice", hash("old")));
  REQUIRE(db.add_user("bob", hash("bobs")));
  REQUIRE(db.login("alice", "old")->has_value());
  REQUIRE(db.login("alice", "old")->has_value());
  REQUIRE(db.login("bob", "bobs")->has_value());
  REQUIRE(keys_of(db, "alice") == 2);

  REQUIRE(db.set_password("alice", hash("new")));
  CHECK(keys_of(db, "alice") == 0);
  CHECK(keys_of(db, "bob") == 1);
  CHECK_FALSE(db.login("alice", "old")->has_value());
  CHECK(db.login("alice", "new")->has_value());

  auto missing = db.set_password("carol", hash("x"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == storage_errc::not_found);
  auto bad = db.set_password("alice", "$pbkdf2-sha256$broken");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == storage_errc::invalid);
}

TEST_CASE("remove_user drops the account and its host keys") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  REQUIRE(db.add_user("alice", hash("pw")));
  REQUIRE(db.add_user("bob", hash("pw")));
  REQUIRE(db.login("alice", "pw")->has_value());
  REQUIRE(db.login("bob", "pw")->has_value());

  REQUIRE(db.remove_user("alice"));
  CHECK_FALSE(db.find_user("alice")->has_value());
  CHECK(keys_of(db, "alice") == 0);
  CHECK(keys_of(db, "bob") == 1);
  CHECK_FALSE(db.login("alice", "pw")->has_value());

  auto again = db.remove_user("alice");
  REQUIRE_FALSE(again);
  CHECK(again.error().code == storage_errc::not_found);
}

TEST_CASE("sync_env_users adds env users with their derived key") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  REQUIRE(db.sync_env_users({plain_env("user", "pass")}, test_rounds));

  auto user = db.find_user("user");
  REQUIRE(user);
  REQUIRE(user->has_value());
  CHECK((*user)->source == user_source::env);
  CHECK((*user)->password_hash.starts_with("$pbkdf2-sha256$i=1000,l=32$"));
  CHECK(verify_password("pass", (*user)->password_hash));

  const std::string derived = "b2619aa1529dfdc4248e6edbf3c1b2a2b014cf6d";
  auto keys = db.host_keys();
  REQUIRE(keys);
  REQUIRE(keys->size() == 1);
  CHECK(keys->user_of(derived) == "user");

  // Every device of an env user gets the same derived key; nothing new is stored.
  auto login = db.login("user", "pass");
  REQUIRE(login);
  CHECK(*login == derived);
  CHECK(db.login("user", "pass").value() == derived);
  CHECK(db.host_keys()->size() == 1);
  CHECK_FALSE(db.login("user", "wrong")->has_value());

  // Their password belongs to the environment.
  auto set = db.set_password("user", hash("other"));
  REQUIRE_FALSE(set);
  CHECK(set.error().code == storage_errc::invalid);
}

TEST_CASE("sync_env_users stores pre-hashed secrets as given") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  auto phc = hash("pass");
  env_user hashed{"user", phc, true, "user:" + phc};
  REQUIRE(db.sync_env_users({hashed}, test_rounds));
  auto user = db.find_user("user");
  REQUIRE(user);
  REQUIRE(user->has_value());
  CHECK((*user)->password_hash == phc);
  CHECK(db.login("user", "pass").value() == derive_env_host_key("user:" + phc));

  env_user broken{"other", "not-a-hash", true, "other:not-a-hash"};
  auto r = db.sync_env_users({hashed, broken}, test_rounds);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == storage_errc::invalid);
  CHECK_FALSE(db.find_user("other")->has_value());
}

TEST_CASE("sync_env_users skips unchanged users and rehashes changed ones") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  REQUIRE(db.sync_env_users({plain_env("a", "1"), plain_env("b", "2")}, test_rounds));
  auto a_hash = db.find_user("a")->value().password_hash;
  auto b_hash = db.find_user("b")->value().password_hash;
  auto a_created = db.find_user("a")->value().created_s;

  // Same entries: a fresh random salt would change the hash if it rehashed.
  REQUIRE(db.sync_env_users({plain_env("a", "1"), plain_env("b", "2")}, test_rounds));
  CHECK(db.find_user("a")->value().password_hash == a_hash);
  CHECK(db.find_user("b")->value().password_hash == b_hash);

  // b's password changes: new hash, new key, old key gone; a untouched.
  REQUIRE(db.sync_env_users({plain_env("a", "1"), plain_env("b", "3")}, test_rounds));
  CHECK(db.find_user("a")->value().password_hash == a_hash);
  CHECK(db.find_user("a")->value().created_s == a_created);
  auto b_new = db.find_user("b")->value().password_hash;
  CHECK(b_new != b_hash);
  CHECK(verify_password("3", b_new));
  auto keys = db.host_keys();
  REQUIRE(keys);
  CHECK(keys->size() == 2);
  CHECK(keys->contains(derive_env_host_key("a:1")));
  CHECK(keys->contains(derive_env_host_key("b:3")));
  CHECK_FALSE(keys->contains(derive_env_host_key("b:2")));
  CHECK_FALSE(db.login("b", "2")->has_value());
  CHECK(db.login("b", "3").value() == derive_env_host_key("b:3"));
}

TEST_CASE("sync_env_users removes unlisted env users and leaves local ones") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  REQUIRE(db.add_user("local", hash("pw")));
  REQUIRE(db.login("local", "pw")->has_value());
  REQUIRE(db.sync_env_users({plain_env("a", "1"), plain_env("b", "2")}, test_rounds));

  REQUIRE(db.sync_env_users({plain_env("b", "2")}, test_rounds));
  CHECK_FALSE(db.find_user("a")->has_value());
  CHECK(db.find_user("b")->has_value());
  CHECK(db.find_user("local")->has_value());
  CHECK(keys_of(db, "a") == 0);
  CHECK(keys_of(db, "b") == 1);
  CHECK(keys_of(db, "local") == 1);

  REQUIRE(db.sync_env_users({}, test_rounds));
  auto all = db.list_users();
  REQUIRE(all);
  REQUIRE(all->size() == 1);
  CHECK((*all)[0].name == "local");
  CHECK(keys_of(db, "local") == 1);
}

TEST_CASE("sync_env_users notices PASSWORDS_HASHED being turned on or off") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  auto phc = hash("pass");
  // Same SYNC_USER1 value, so the same derived key, read two ways.
  env_user as_hash{"user", phc, true, "user:" + phc};
  env_user as_plain{"user", phc, false, "user:" + phc};

  REQUIRE(db.sync_env_users({as_hash}, test_rounds));
  CHECK(db.login("user", "pass")->has_value());
  REQUIRE(db.sync_env_users({as_plain}, test_rounds));
  CHECK_FALSE(db.login("user", "pass")->has_value());
  CHECK(db.login("user", phc)->has_value()); // the PHC text is now the password
  REQUIRE(db.sync_env_users({as_hash}, test_rounds));
  CHECK(db.find_user("user")->value().password_hash == phc);
  CHECK(db.login("user", "pass")->has_value());
}

TEST_CASE("a closed (moved-from) users_db reports errors instead of crashing") {
  temp_dir dir;
  auto a = open_db(dir / "users.db");
  users_db b = std::move(a);
  auto r = a.list_users(); // NOLINT(bugprone-use-after-move): on purpose
  REQUIRE_FALSE(r);
  CHECK(r.error().code == storage_errc::sqlite);
  CHECK_FALSE(a.login("x", "y"));
  CHECK_FALSE(a.set_password("x", hash("y")));
  CHECK_FALSE(a.data_version());
}

TEST_CASE("sync_env_users is all or nothing") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  REQUIRE(db.add_user("taken", hash("pw")));
  REQUIRE(db.sync_env_users({plain_env("old", "1")}, test_rounds));

  // A clash with a local user fails the whole sync, after "new" was written
  // and "old" would have been removed: both must be rolled back.
  auto clash = db.sync_env_users({plain_env("new", "1"), plain_env("taken", "2")}, test_rounds);
  REQUIRE_FALSE(clash);
  CHECK(clash.error().code == storage_errc::exists);
  CHECK_FALSE(db.find_user("new")->has_value());
  CHECK(db.find_user("old")->has_value());
  CHECK(db.find_user("taken")->value().source == user_source::local);
  CHECK(db.login("taken", "pw")->has_value());

  auto dup = db.sync_env_users({plain_env("x", "1"), plain_env("x", "2")}, test_rounds);
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == storage_errc::invalid);

  auto bad_name = db.sync_env_users({plain_env("..", "1")}, test_rounds);
  REQUIRE_FALSE(bad_name);
  CHECK(bad_name.error().code == storage_errc::invalid);

  auto no_rounds = db.sync_env_users({plain_env("y", "1")}, 0);
  REQUIRE_FALSE(no_rounds);
  CHECK(no_rounds.error().code == storage_errc::invalid);

  CHECK(db.list_users()->size() == 2);
}

TEST_CASE("two connections see each other's commits") {
  temp_dir dir;
  auto file = dir / "users.db";
  auto server = open_db(file);
  auto cli = open_db(file);

  auto before = server.data_version();
  REQUIRE(before);
  auto unchanged = server.data_version();
  REQUIRE(unchanged);
  CHECK(*unchanged == *before);

  // The CLI adds a user while the server runs.
  REQUIRE(cli.add_user("alice", hash("pw")));
  auto after = server.data_version();
  REQUIRE(after);
  CHECK(*after != *before);
  auto seen = server.find_user("alice");
  REQUIRE(seen);
  CHECK(seen->has_value());

  // The server logs a device in; the CLI sees the key.
  auto key = server.login("alice", "pw");
  REQUIRE(key);
  REQUIRE(key->has_value());
  auto cli_keys = cli.host_keys();
  REQUIRE(cli_keys);
  CHECK(cli_keys->user_of(**key) == "alice");

  // The CLI resets the password; the server's cache must notice.
  auto version = server.data_version().value();
  REQUIRE(cli.set_password("alice", hash("new")));
  CHECK(server.data_version().value() != version);
  CHECK(server.host_keys()->empty());
  CHECK(server.login("alice", "new")->has_value());

  version = server.data_version().value();
  REQUIRE(cli.remove_user("alice"));
  CHECK(server.data_version().value() != version);
  CHECK_FALSE(server.find_user("alice")->has_value());
}

TEST_CASE("a moved-from users_db hands its connection over") {
  temp_dir dir;
  auto a = open_db(dir / "users.db");
  REQUIRE(a.add_user("alice", hash("pw")));
  users_db b = std::move(a);
  CHECK(b.find_user("alice")->has_value());
  auto c = open_db(dir / "other.db");
  c = std::move(b);
  CHECK(c.find_user("alice")->has_value());
}

// ---- accounts imported from ankicommunity's server ----

namespace {

// auth.db's formula, hex(sha256(name + password + salt)) + salt, for
// alice / "pw" / salt "0123456789abcdef", computed with Python's hashlib:
// sha256(b"alicepw0123456789abcdef").hexdigest().
const std::string alice_stored = ankicommunity_stored_hash(
    "24a41b2856dba7b83e9ac2061c3c88976de5ed4b43b2f870857a5a4bf4a56287"
    "0123456789abcdef");

} // namespace

TEST_CASE("an imported user logs in once with the old hash, which is then replaced") {
  temp_dir dir;
  auto file = dir / "users.db";
  auto db = open_db(file);
  REQUIRE_FALSE(alice_stored.empty());
  auto imported = db.import_account({"alice", alice_stored, {"oldkey1", "oldkey2"}});
  REQUIRE(imported);
  CHECK(*imported == import_account_outcome::created);
  CHECK(keys_of(db, "alice") == 2);

  auto wrong = db.login("alice", "nope");
  REQUIRE(wrong);
  CHECK_FALSE(*wrong);
  CHECK(query_text(file, "SELECT password_hash FROM users WHERE name = 'alice'") == alice_stored);

  auto good = db.login("alice", "pw");
  REQUIRE(good);
  REQUIRE(*good);
  const auto now_stored = query_text(file, "SELECT password_hash FROM users WHERE name = 'alice'");
  CHECK(is_valid_phc(now_stored));
  CHECK(verify_password("pw", now_stored));
  // The old keys stay, the login added one.
  CHECK(keys_of(db, "alice") == 3);

  auto again = db.login("alice", "pw");
  REQUIRE(again);
  CHECK(*again);
}

TEST_CASE("an old hash written back after the upgrade is not accepted by a changed password") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  REQUIRE(db.import_account({"alice", alice_stored, {}}));
  REQUIRE(db.set_password("alice", hash("new")));
  auto old = db.login("alice", "pw");
  REQUIRE(old);
  CHECK_FALSE(*old);
  auto fresh = db.login("alice", "new");
  REQUIRE(fresh);
  CHECK(*fresh);
}

TEST_CASE("importing an existing local user keeps its password and adds the keys") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  REQUIRE(db.add_user("alice", hash("mine")));
  auto imported = db.import_account({"alice", alice_stored, {"k1"}});
  REQUIRE(imported);
  CHECK(*imported == import_account_outcome::kept_existing);
  CHECK(keys_of(db, "alice") == 1);
  auto mine = db.login("alice", "mine");
  REQUIRE(mine);
  CHECK(*mine);
  auto old = db.login("alice", "pw");
  REQUIRE(old);
  CHECK_FALSE(*old);
}

TEST_CASE("an imported key of another user refuses the whole import") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  REQUIRE(db.import_account({"bob", alice_stored, {"shared"}}));
  auto r = db.import_account({"alice", alice_stored, {"mine", "shared"}});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == storage_errc::exists);
  auto alice = db.find_user("alice");
  REQUIRE(alice);
  CHECK_FALSE(*alice);
  CHECK(keys_of(db, "alice") == 0);
}

TEST_CASE("an import with a hash of neither kind or a bad name writes nothing") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  auto bad_hash = db.import_account({"alice", "plain text", {}});
  REQUIRE_FALSE(bad_hash);
  CHECK(bad_hash.error().code == storage_errc::invalid);
  auto bad_name = db.import_account({"../x", alice_stored, {}});
  REQUIRE_FALSE(bad_name);
  CHECK(bad_name.error().code == storage_errc::invalid);
  auto users = db.list_users();
  REQUIRE(users);
  CHECK(users->empty());
}

TEST_CASE("a user name is stored in NFC and the NFD spelling finds the same user") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  const std::string nfc = "Ren\xc3\xa9";  // René, é as one code point
  const std::string nfd = "Rene\xcc\x81"; // e + U+0301
  REQUIRE(db.add_user(nfd, hash("pw")));

  auto all = db.list_users();
  REQUIRE(all);
  REQUIRE(all->size() == 1);
  CHECK((*all)[0].name == nfc);

  auto again = db.add_user(nfc, hash("pw"));
  REQUIRE_FALSE(again);
  CHECK(again.error().code == storage_errc::exists);

  for (const auto& spelling : {nfc, nfd}) {
    INFO(spelling);
    auto found = db.find_user(spelling);
    REQUIRE(found);
    REQUIRE(found->has_value());
    CHECK((*found)->name == nfc);
    auto key = db.login(spelling, "pw");
    REQUIRE(key);
    REQUIRE(key->has_value());
    CHECK(db.host_keys()->user_of(**key) == nfc);
  }
  REQUIRE(db.set_password(nfd, hash("new")));
  CHECK(db.login(nfc, "new")->has_value());
  REQUIRE(db.remove_user(nfd));
  CHECK(db.list_users()->empty());
}

TEST_CASE("a name with a right-to-left override is refused") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  auto added = db.add_user("bob\xe2\x80\xae" "evil", hash("pw"));
  REQUIRE_FALSE(added);
  CHECK(added.error().code == storage_errc::invalid);
  auto env = db.sync_env_users({plain_env("bob\xe2\x80\xae" "evil", "pw")}, test_rounds);
  REQUIRE_FALSE(env);
  CHECK(env.error().code == storage_errc::invalid);
  CHECK(db.list_users()->empty());
}

TEST_CASE("an env user given in NFD is stored in NFC and keeps its derived key") {
  temp_dir dir;
  auto db = open_db(dir / "users.db");
  const std::string nfc = "Ren\xc3\xa9";
  const std::string nfd = "Rene\xcc\x81";
  REQUIRE(db.sync_env_users({plain_env(nfd, "pw")}, test_rounds));
  auto all = db.list_users();
  REQUIRE(all);
  REQUIRE(all->size() == 1);
  CHECK((*all)[0].name == nfc);
  auto key = db.login(nfc, "pw");
  REQUIRE(key);
  REQUIRE(key->has_value());
  CHECK(db.host_keys()->user_of(**key) == nfc);
  // Started again with the same entry: still one user, nothing changed.
  REQUIRE(db.sync_env_users({plain_env(nfd, "pw")}, test_rounds));
  CHECK(db.list_users()->size() == 1);
  CHECK(db.login(nfd, "pw").value() == *key);
}

TEST_CASE("a user's quotas are the profile's until set, and a file of version 1 gains them") {
  temp_dir dir;
  auto file = dir / "users.db";
  {
    // users.db as version 1 left it, with one user.
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(file.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw,
                         "CREATE TABLE users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, "
                         "source TEXT NOT NULL, created INTEGER NOT NULL, env_key TEXT);"
                         "CREATE TABLE host_keys (key TEXT PRIMARY KEY, name TEXT NOT NULL "
                         "REFERENCES users(name) ON DELETE CASCADE, created INTEGER NOT NULL);"
                         "INSERT INTO users VALUES ('old', 'x', 'local', 1, NULL);"
                         "PRAGMA user_version = 1",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  }
  auto db = open_db(file);
  auto q = db.quota_of("old");
  REQUIRE(q);
  CHECK_FALSE(q->collection_mb);
  CHECK_FALSE(q->media_mb);
  REQUIRE(db.set_quota("old", {std::int64_t{500}, std::nullopt}));
  REQUIRE(db.set_quota("old", {std::nullopt, std::int64_t{0}}));
  q = db.quota_of("old");
  REQUIRE(q);
  CHECK(q->collection_mb == 500);
  CHECK(q->media_mb == 0);
  CHECK(db.set_quota("nobody", {std::int64_t{1}, std::nullopt}).error().code ==
        storage_errc::not_found);
  CHECK(db.set_quota("old", {std::int64_t{-1}, std::nullopt}).error().code == storage_errc::invalid);
}
