#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/collection.hpp"

namespace ankisync::storage {

// Notetypes, decks and deck configs as a normal sync exchanges them: in
// their schema-11 JSON form (applyChanges). Callers see JSON text only;
// the protobuf rows and Boost.JSON stay inside storage/.

// Compact JSON text of each object with usn >= min_usn (usn == -1 when
// min_usn is -1), as stored (their own usn).
result<std::vector<std::string>> pending_notetypes_json(collection& col, std::int32_t min_usn);
result<std::vector<std::string>> pending_decks_json(collection& col, std::int32_t min_usn);
result<std::vector<std::string>> pending_deck_configs_json(collection& col, std::int32_t min_usn);

// Merges one incoming object as upstream's applyChanges does: absent ->
// insert; local mod <= incoming mod -> replace (ties go to the incoming
// side); else keep local. A name taken by another object (unicase) gets
// "+" appended until unique, stamped with now/server_usn. Notetypes whose
// field or template count would change are refused (invalid: "notetype
// schema changed"). Malformed JSON or a missing required key: invalid.
//
// `stored_usn`: a client keeps the usn the server's object carries; the
// server stamps a client's object with server_usn, because the client
// stamped it with the usn of its meta, which can be older than the session
// (another device synced in between) and then below what that device asks
// from next. An object left at -1 (a client that forgot to stamp it)
// stays -1 either way, for the sanity check to catch.
enum class incoming_usn { keep, server };
result<void> merge_notetype_json(collection& col, std::string_view json,
                                 std::int32_t server_usn, std::int64_t now_secs,
                                 incoming_usn stored_usn = incoming_usn::keep);
result<void> merge_deck_json(collection& col, std::string_view json, std::int32_t server_usn,
                             std::int64_t now_secs, incoming_usn stored_usn = incoming_usn::keep);
result<void> merge_deck_config_json(collection& col, std::string_view json,
                                    std::int32_t server_usn, std::int64_t now_secs,
                                    incoming_usn stored_usn = incoming_usn::keep);

// What storing a note of notetype `ntid` needs; nullopt when the notetype
// does not exist.
result<std::optional<note_shape>> note_shape_of(collection& col, std::int64_t ntid);

} // namespace ankisync::storage
