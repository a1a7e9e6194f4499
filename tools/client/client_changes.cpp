// applyChanges, client side (upstream collection/changes.rs).

#include "protocol/changes.hpp"
#include "storage/client_objects.hpp"
#include "storage/sync_objects.hpp"
#include "tools/client/normal_sync_steps.hpp"

namespace ankisync::client::detail {
namespace {

using protocol::sync_method;

std::expected<protocol::changes_entry, storage::storage_error>
local_changes(storage::collection& col, const sync_decision& d) {
  protocol::changes_entry ours;
  // Stamped with the server's usn here and in what is sent, so they stop
  // being pending once the sync commits.
  auto models = storage::stamp_pending_notetypes_json(col, d.server_usn);
  if (!models)
    return std::unexpected(models.error());
  ours.models = std::move(*models);
  auto decks = storage::stamp_pending_decks_json(col, d.server_usn);
  if (!decks)
    return std::unexpected(decks.error());
  ours.decks = std::move(*decks);
  auto dconfs = storage::stamp_pending_deck_configs_json(col, d.server_usn);
  if (!dconfs)
    return std::unexpected(dconfs.error());
  ours.deck_configs = std::move(*dconfs);
  auto tags = storage::stamp_pending_tags(col, d.server_usn);
  if (!tags)
    return std::unexpected(tags.error());
  ours.tags = std::move(*tags);
  if (d.local_is_newer) {
    // Config travels whole, from the newer side only.
    auto config = col.all_config();
    if (!config)
      return std::unexpected(config.error());
    std::vector<std::pair<std::string, std::string>> conf;
    conf.reserve(config->size());
    for (auto& e : *config)
      conf.emplace_back(std::move(e.key), std::move(e.value));
    ours.conf = std::move(conf);
    if (auto r = col.clear_config_usns(); !r)
      return std::unexpected(r.error());
    auto row = col.read_col();
    if (!row)
      return std::unexpected(row.error());
    ours.crt = row->crt;
  }
  return ours;
}

// The server's changes, merged with the rules it uses for ours.
storage::result<void> apply_remote(storage::collection& col, const protocol::changes_entry& theirs,
                                   const sync_decision& d, std::int64_t now_secs) {
  for (auto& json : theirs.models)
    if (auto r = storage::merge_notetype_json(col, json, d.server_usn, now_secs); !r)
      return r;
  for (auto& json : theirs.decks)
    if (auto r = storage::merge_deck_json(col, json, d.server_usn, now_secs); !r)
      return r;
  for (auto& json : theirs.deck_configs)
    if (auto r = storage::merge_deck_config_json(col, json, d.server_usn, now_secs); !r)
      return r;
  for (auto& tag : theirs.tags)
    if (auto r = col.register_tag(tag, d.server_usn); !r)
      return std::unexpected(r.error());
  if (theirs.crt)
    if (auto r = col.set_crt(*theirs.crt); !r)
      return r;
  if (theirs.conf) {
    std::vector<storage::config_entry> entries;
    entries.reserve(theirs.conf->size());
    for (auto& [key, value] : *theirs.conf)
      entries.push_back(storage::config_entry{key, d.server_usn, now_secs, value});
    if (auto r = col.replace_config(entries); !r)
      return r;
  }
  return {};
}

} // namespace

step_result exchange_changes(storage::collection& col, sync_channel& channel,
                             const sync_decision& d, std::int64_t now_secs) {
  auto ours = local_changes(col, d);
  if (!ours)
    return std::unexpected(local_failure(sync_method::apply_changes, ours.error()));
  auto reply = channel.call(sync_method::apply_changes,
                            protocol::encode_apply_changes_request({std::move(*ours)}));
  if (!reply)
    return std::unexpected(reply.error());
  auto theirs = protocol::decode_changes_entry(*reply);
  if (!theirs)
    return std::unexpected(bad_reply(sync_method::apply_changes, theirs.error()));
  if (auto r = apply_remote(col, *theirs, d, now_secs); !r)
    return std::unexpected(local_failure(sync_method::apply_changes, r.error()));
  return {};
}

} // namespace ankisync::client::detail
