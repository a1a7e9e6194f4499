#include "storage/sync_objects.hpp"

#include "storage/deck_config_table.hpp"
#include "storage/decks_table.hpp"
#include "storage/notetypes_table.hpp"
#include "storage/schema11_deck.hpp"
#include "storage/schema11_deck_config.hpp"
#include "storage/schema11_notetype.hpp"

namespace ankisync::storage {
namespace {

template <class Row, class ToText>
result<std::vector<std::string>> as_json(result<std::vector<Row>> rows, ToText to_text) {
  if (!rows)
    return std::unexpected(rows.error());
  std::vector<std::string> out;
  out.reserve(rows->size());
  for (auto& row : *rows)
    out.push_back(to_text(row));
  return out;
}

} // namespace

result<std::vector<std::string>> pending_notetypes_json(collection& col, std::int32_t min_usn) {
  return as_json(pending_notetypes(col.handle(), min_usn), notetype_to_schema11_text);
}

result<std::vector<std::string>> pending_decks_json(collection& col, std::int32_t min_usn) {
  return as_json(pending_decks(col.handle(), min_usn), deck_to_schema11_text);
}

result<std::vector<std::string>> pending_deck_configs_json(collection& col, std::int32_t min_usn) {
  return as_json(pending_deck_configs(col.handle(), min_usn), deck_config_to_schema11_text);
}

result<void> merge_notetype_json(collection& col, std::string_view json, std::int32_t server_usn,
                                 std::int64_t now_secs, incoming_usn stored_usn) {
  auto incoming = notetype_from_schema11_text(json);
  if (!incoming)
    return std::unexpected(incoming.error());
  if (stored_usn == incoming_usn::server && incoming->usn != -1)
    incoming->usn = server_usn;
  auto existing = get_notetype(col.handle(), incoming->id);
  if (!existing)
    return std::unexpected(existing.error());
  if (*existing) {
    const auto& local = **existing;
    if (local.mtime_secs > incoming->mtime_secs)
      return {};
    // Changing the shape of a notetype is a schema change: it needs a full
    // sync, which the client is told to do (upstream: ResyncRequired).
    if (local.fields.size() != incoming->fields.size() ||
        local.templates.size() != incoming->templates.size())
      return fail(storage_errc::invalid, "notetype schema changed");
  }
  if (auto r = ensure_notetype_name_unique(col.handle(), *incoming, server_usn, now_secs); !r)
    return std::unexpected(r.error());
  return put_notetype(col.handle(), *incoming);
}

result<void> merge_deck_json(collection& col, std::string_view json, std::int32_t server_usn,
                             std::int64_t now_secs, incoming_usn stored_usn) {
  auto incoming = deck_from_schema11_text(json);
  if (!incoming)
    return std::unexpected(incoming.error());
  if (stored_usn == incoming_usn::server && incoming->usn != -1)
    incoming->usn = server_usn;
  auto existing = get_deck(col.handle(), incoming->id);
  if (!existing)
    return std::unexpected(existing.error());
  if (*existing && (*existing)->mtime_secs > incoming->mtime_secs)
    return {};
  if (auto r = ensure_deck_name_unique(col.handle(), *incoming, server_usn, now_secs); !r)
    return std::unexpected(r.error());
  return put_deck(col.handle(), *incoming);
}

result<void> merge_deck_config_json(collection& col, std::string_view json,
                                    std::int32_t server_usn, std::int64_t,
                                    incoming_usn stored_usn) {
  auto incoming = deck_config_from_schema11_text(json);
  if (!incoming)
    return std::unexpected(incoming.error());
  if (stored_usn == incoming_usn::server && incoming->usn != -1)
    incoming->usn = server_usn;
  auto existing = get_deck_config(col.handle(), incoming->id);
  if (!existing)
    return std::unexpected(existing.error());
  if (*existing && (*existing)->mtime_secs > incoming->mtime_secs)
    return {};
  return put_deck_config(col.handle(), *incoming);
}

result<std::optional<note_shape>> note_shape_of(collection& col, std::int64_t ntid) {
  auto nt = get_notetype(col.handle(), ntid);
  if (!nt)
    return std::unexpected(nt.error());
  if (!*nt)
    return std::optional<note_shape>{};
  note_shape shape;
  shape.field_count = (*nt)->fields.size();
  shape.sort_idx = (*nt)->config.sort_field_idx();
  return std::optional<note_shape>{shape};
}

} // namespace ankisync::storage
