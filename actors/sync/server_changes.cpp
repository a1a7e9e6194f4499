#include "actors/sync/phases.hpp"
#include "actors/sync/row_convert.hpp"
#include "storage/sync_objects.hpp"

namespace ankisync::actors::sync {

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

  // Then merge theirs.
  const auto& theirs = req.changes;
  for (auto& json : theirs.models)
    if (auto r = storage::merge_notetype_json(col, json, session.server_usn, now_secs); !r)
      return failed(r.error());
  for (auto& json : theirs.decks)
    if (auto r = storage::merge_deck_json(col, json, session.server_usn, now_secs); !r)
      return failed(r.error());
  for (auto& json : theirs.deck_configs)
    if (auto r = storage::merge_deck_config_json(col, json, session.server_usn, now_secs); !r)
      return failed(r.error());
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
