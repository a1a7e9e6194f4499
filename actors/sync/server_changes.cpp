#include "actors/sync/phases.hpp"
#include "actors/sync/row_convert.hpp"
#include "storage/schema11_deck.hpp"
#include "storage/schema11_deck_config.hpp"
#include "storage/schema11_notetype.hpp"
#include "storage/sync_objects.hpp"

#include <map>

namespace ankisync::actors::sync {
namespace {

// id -> mtime of the objects the server sends back in this sync.
template <class Parse>
std::map<std::int64_t, std::int64_t> mtimes_of(const std::vector<std::string>& texts,
                                               Parse parse) {
  std::map<std::int64_t, std::int64_t> out;
  for (const auto& text : texts)
    if (auto row = parse(text))
      out[row->id] = row->mtime_secs;
  return out;
}

// Upstream lets the incoming side win a tie on both ends, so on an equal
// mtime the two sides swap versions and never meet again (nor does the
// usn each stamped). The server keeps its own when it is sending it back:
// the client then takes it, and both hold one version (docs/sync.md).
template <class Parse>
bool server_keeps_tie(const std::map<std::int64_t, std::int64_t>& ours, std::string_view theirs,
                      Parse parse) {
  auto row = parse(theirs);
  if (!row)
    return false; // the merge reports it
  auto it = ours.find(row->id);
  return it != ours.end() && it->second == row->mtime_secs;
}

} // namespace

phase_result server_apply_changes(const protocol::apply_changes_request& req,
                                  storage::collection& col, sync_session& session,
                                  std::int64_t now_ms) {
  const auto now_secs = now_ms / 1000;
  auto failed = [](const storage::storage_error& e) {
    return std::unexpected(step_failed("applying changes", e));
  };

  // Collect ours first, so nothing the client sends is echoed back.
  protocol::changes_entry ours;
  auto models = storage::pending_notetypes_json(col, session.client_usn);
  if (!models)
    return failed(models.error());
  ours.models = std::move(*models);
  auto decks = storage::pending_decks_json(col, session.client_usn);
  if (!decks)
    return failed(decks.error());
  ours.decks = std::move(*decks);
  auto dconfs = storage::pending_deck_configs_json(col, session.client_usn);
  if (!dconfs)
    return failed(dconfs.error());
  ours.deck_configs = std::move(*dconfs);
  auto tags = col.pending_tags(session.client_usn);
  if (!tags)
    return failed(tags.error());
  ours.tags = std::move(*tags);
  if (!session.client_is_newer) {
    // Config travels whole, from the newer side only.
    auto config = col.all_config();
    if (!config)
      return failed(config.error());
    std::vector<std::pair<std::string, std::string>> conf;
    conf.reserve(config->size());
    for (auto& entry : *config)
      conf.emplace_back(entry.key, entry.value);
    ours.conf = std::move(conf);
    auto row = col.read_col();
    if (!row)
      return failed(row.error());
    ours.crt = row->crt;
    if (auto r = col.clear_config_usns(); !r)
      return failed(r.error());
  }

  // Then merge theirs, stamped with this session's usn (see
  // storage::incoming_usn; server_apply_chunk does the same for rows).
  const auto& theirs = req.changes;
  const auto our_models = mtimes_of(ours.models, storage::notetype_from_schema11_text);
  const auto our_decks = mtimes_of(ours.decks, storage::deck_from_schema11_text);
  const auto our_dconfs = mtimes_of(ours.deck_configs, storage::deck_config_from_schema11_text);
  for (auto& json : theirs.models) {
    if (server_keeps_tie(our_models, json, storage::notetype_from_schema11_text))
      continue;
    if (auto r = storage::merge_notetype_json(col, json, session.server_usn, now_secs,
                                              storage::incoming_usn::server);
        !r)
      return failed(r.error());
  }
  for (auto& json : theirs.decks) {
    if (server_keeps_tie(our_decks, json, storage::deck_from_schema11_text))
      continue;
    if (auto r = storage::merge_deck_json(col, json, session.server_usn, now_secs,
                                          storage::incoming_usn::server);
        !r)
      return failed(r.error());
  }
  for (auto& json : theirs.deck_configs) {
    if (server_keeps_tie(our_dconfs, json, storage::deck_config_from_schema11_text))
      continue;
    if (auto r = storage::merge_deck_config_json(col, json, session.server_usn, now_secs,
                                                 storage::incoming_usn::server);
        !r)
      return failed(r.error());
  }
  for (auto& tag : theirs.tags)
    if (auto r = col.register_tag(tag, session.server_usn); !r)
      return failed(r.error());
  if (theirs.crt)
    if (auto r = col.set_crt(*theirs.crt); !r)
      return failed(r.error());
  if (theirs.conf) {
    std::vector<storage::config_entry> entries;
    entries.reserve(theirs.conf->size());
    for (auto& [key, value] : *theirs.conf)
      entries.push_back(storage::config_entry{key, session.server_usn, now_secs, value});
    if (auto r = col.replace_config(entries); !r)
      return failed(r.error());
  }
  return protocol::encode_changes_entry(ours);
}

} // namespace ankisync::actors::sync
