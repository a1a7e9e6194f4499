#pragma once

#include <string>
#include <string_view>

namespace ankisync::storage {

// Passwords of users imported from ankicommunity's anki-sync-server
// (ankisyncd). Its auth.db stores hex(sha256(username + password + salt))
// followed by the salt, the salt being the last 16 characters. We keep that
// hash until the user's first successful login, which replaces it by our
// own PBKDF2 PHC string (users_db::login), so nobody has to choose a new
// password when moving servers.
//
// In users.db such a hash is stored as "$ankisyncd-sha256$<auth.db value>".
// The '$' prefix keeps it apart from PHC strings (is_valid_phc refuses it)
// and tells login which check to run. Persisted: do not change.
inline constexpr std::string_view ankicommunity_hash_prefix = "$ankisyncd-sha256$";

// The users.db form of an auth.db hash value, or "" when the value does not
// have ankisyncd's shape (64 lowercase hex digits, then a 16-character salt).
std::string ankicommunity_stored_hash(std::string_view auth_db_hash);

// True when `stored` is a users.db value made by ankicommunity_stored_hash.
bool is_ankicommunity_hash(std::string_view stored);

// Checks a password against a users.db value made by
// ankicommunity_stored_hash. The digests are compared in constant time.
// False for anything else, a PHC string included.
bool verify_ankicommunity_password(std::string_view username, std::string_view password,
                                   std::string_view stored);

} // namespace ankisync::storage
