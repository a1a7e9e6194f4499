// What a user does on a device between syncs. Each edit is one transaction
// that marks what it touched with usn -1 and the current mtime, and bumps
// col.mod, as Anki's clients do (rslib notes/, card/, decks/, notetype/).

#include <algorithm>
#include <charconv>

#include "storage/client_objects.hpp"
#include "storage/deck_name.hpp"
#include "storage/sync_objects.hpp"
#include "tools/client/device.hpp"
#include "tools/client/object_ids.hpp"

namespace ankisync::client {
namespace {

using storage::fail;
using storage::storage_errc;

// Marks a locally changed object: "send me at the next sync".
constexpr std::int32_t pending_usn = -1;
constexpr std::int64_t default_deck_id = 1;
constexpr std::int64_t default_deck_config_id = 1;
constexpr std::string_view stock_basic = "Basic";

std::string join_fields(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i)
      out += '\x1f';
    out += fields[i];
  }
  return out;
}

// " a b ", or "" without tags (the notes.tags column form).
std::string join_tags(const std::vector<std::string>& tags) {
  if (tags.empty())
    return {};
  std::string out = " ";
  for (const auto& t : tags)
    out += t + " ";
  return out;
}

template <class T>
std::unexpected<storage::storage_error> error_of(storage::result<T>& r) {
  return std::unexpected(std::move(r.error()));
}

std::unexpected<storage::storage_error> missing(const char* what, std::int64_t id) {
  return std::unexpected(
      storage::storage_error{storage_errc::not_found, std::string(what) + " " + std::to_string(id) +
                                                          " does not exist"});
}

} // namespace

// ---- notes and cards ----

edit_result<added_note> device::add_note(std::vector<std::string> fields,
                                         std::vector<std::string> tags, std::int64_t deck_id,
                                         std::int64_t notetype_id) {
  added_note added;
  auto r = transact([&]() -> edit_result<void> {
    auto nt = notetype_id == 0 ? storage::find_notetype_by_name(col_, stock_basic)
                               : storage::find_notetype(col_, notetype_id);
    if (!nt)
      return error_of(nt);
    if (!*nt)
      return missing("notetype", notetype_id);
    const auto& type = **nt;
    if (fields.size() > type.fields.size())
      return fail(storage_errc::invalid, "notetype " + type.name + " has " +
                                             std::to_string(type.fields.size()) + " fields");
    fields.resize(std::max<std::size_t>(1, type.fields.size()));
    auto deck = storage::find_deck(col_, deck_id);
    if (!deck)
      return error_of(deck);
    if (!*deck)
      return missing("deck", deck_id);

    storage::note_row note;
    note.id = unique_id(now_ms());
    note.guid = new_guid();
    note.mid = type.id;
    note.mod = now_secs();
    note.usn = pending_usn;
    note.tags = join_tags(tags);
    note.flds = join_fields(fields);
    storage::note_shape shape{type.fields.size(), type.config.sort_field_idx()};
    if (auto put = col_.put_note(note, shape); !put)
      return error_of(put);
    for (const auto& tag : tags)
      if (auto t = col_.register_tag(tag, pending_usn); !t)
        return error_of(t);
    added.note_id = note.id;

    // New cards queue up in creation order: due is the collection's next
    // position, which the add consumes.
    std::int64_t position = 1;
    auto next_pos = col_.get_config("nextPos");
    if (!next_pos)
      return error_of(next_pos);
    if (*next_pos) {
      const auto& v = (*next_pos)->value;
      std::from_chars(v.data(), v.data() + v.size(), position);
    }
    const bool cloze = type.config.kind() == storage::pb::NotetypeConfig::KIND_CLOZE;
    // Upstream makes a card only for templates whose front renders
    // non-empty; a simulated device makes one per template (one for cloze).
    const std::size_t card_count = cloze ? 1 : std::max<std::size_t>(1, type.templates.size());
    for (std::size_t ord = 0; ord < card_count; ++ord) {
      storage::card_row card;
      card.id = unique_id(now_ms());
      card.nid = note.id;
      card.did = deck_id;
      card.ord = static_cast<std::int64_t>(ord);
      card.mod = now_secs();
      card.usn = pending_usn;
      card.due = position;
      card.data = "{}"; // what upstream writes for a new card
      if (auto put = col_.put_card(card); !put)
        return put;
      added.card_ids.push_back(card.id);
    }
    return col_.set_config(storage::config_entry{"nextPos", pending_usn, now_secs(),
                                                 std::to_string(position + 1)});
  });
  if (!r)
    return std::unexpected(r.error());
  return added;
}

edit_result<void> device::edit_note(std::int64_t note_id,
                                    std::optional<std::vector<std::string>> fields,
                                    std::optional<std::vector<std::string>> tags) {
  return transact([&]() -> edit_result<void> {
    auto found = col_.get_note(note_id);
    if (!found)
      return error_of(found);
    if (!*found)
      return missing("note", note_id);
    auto note = std::move(**found);
    auto shape = storage::note_shape_of(col_, note.mid);
    if (!shape)
      return error_of(shape);
    if (!*shape)
      return missing("notetype", note.mid);
    if (fields)
      note.flds = join_fields(*fields);
    if (tags) {
      note.tags = join_tags(*tags);
      for (const auto& tag : *tags)
        if (auto t = col_.register_tag(tag, pending_usn); !t)
          return error_of(t);
    }
    note.mod = now_secs();
    note.usn = pending_usn;
    if (auto put = col_.put_note(note, **shape); !put)
      return error_of(put);
    return {};
  });
}

edit_result<void> device::remove_cards(const std::vector<std::int64_t>& card_ids) {
  for (auto id : card_ids)
    if (auto r = col_.remove_card(id, pending_usn); !r)
      return r;
  return {};
}

edit_result<void> device::remove_notes(const std::vector<std::int64_t>& note_ids) {
  for (auto nid : note_ids) {
    auto cards = storage::card_ids_of_note(col_, nid);
    if (!cards)
      return error_of(cards);
    if (auto r = remove_cards(*cards); !r)
      return r;
    if (auto r = col_.remove_note(nid, pending_usn); !r)
      return r;
  }
  return {};
}

edit_result<void> device::delete_note(std::int64_t note_id) {
  return transact([&]() -> edit_result<void> {
    auto found = col_.get_note(note_id);
    if (!found)
      return error_of(found);
    if (!*found)
      return missing("note", note_id);
    return remove_notes({note_id});
  });
}

edit_result<std::int64_t> device::review_card(std::int64_t card_id, int ease) {
  if (ease < 1 || ease > 4)
    return fail(storage_errc::invalid, "ease must be 1..4");
  std::int64_t revlog_id = 0;
  auto r = transact([&]() -> edit_result<void> {
    auto found = col_.get_card(card_id);
    if (!found)
      return error_of(found);
    if (!*found)
      return missing("card", card_id);
    auto card = std::move(**found);
    auto col_row = col_.read_col();
    if (!col_row)
      return error_of(col_row);

    // A simple scheduler: again resets to one day, anything else doubles.
    const std::int64_t last_ivl = card.ivl;
    const std::int64_t ivl = ease == 1 ? 1 : std::max<std::int64_t>(1, card.ivl * 2);
    storage::revlog_row entry;
    entry.id = unique_id(now_ms());
    entry.cid = card.id;
    entry.usn = pending_usn;
    entry.ease = ease;
    entry.ivl = ivl;
    entry.last_ivl = last_ivl;
    entry.factor = card.factor == 0 ? 2500 : card.factor;
    entry.time = 6000;
    entry.type = card.type == 0 ? 0 : 1; // learn for a new card, else review
    if (auto added = col_.add_revlog(entry); !added)
      return error_of(added);
    revlog_id = entry.id;

    const std::int64_t today = (now_secs() - col_row->crt) / 86400;
    card.type = 2;
    card.queue = 2;
    card.ivl = ivl;
    card.due = today + ivl;
    card.factor = entry.factor;
    card.reps += 1;
    if (ease == 1)
      card.lapses += 1;
    card.left = 0;
    card.mod = now_secs();
    card.usn = pending_usn;
    return col_.put_card(card);
  });
  if (!r)
    return std::unexpected(r.error());
  return revlog_id;
}

edit_result<void> device::move_card(std::int64_t card_id, std::int64_t deck_id) {
  return transact([&]() -> edit_result<void> {
    auto found = col_.get_card(card_id);
    if (!found)
      return error_of(found);
    if (!*found)
      return missing("card", card_id);
    auto deck = storage::find_deck(col_, deck_id);
    if (!deck)
      return error_of(deck);
    if (!*deck)
      return missing("deck", deck_id);
    auto card = std::move(**found);
    card.did = deck_id;
    card.mod = now_secs();
    card.usn = pending_usn;
    return col_.put_card(card);
  });
}

edit_result<std::vector<std::int64_t>> device::cards_of_note(std::int64_t note_id) {
  return storage::card_ids_of_note(col_, note_id);
}

// ---- decks and deck configs ----

edit_result<std::int64_t> device::add_deck(std::string_view name, std::int64_t config_id) {
  std::int64_t id = 0;
  auto r = transact([&]() -> edit_result<void> {
    // Upstream Deck::new_normal: collapsed in both views, config 1.
    storage::deck_row deck;
    deck.id = unique_id(now_ms());
    deck.name = storage::native_deck_name(name);
    deck.mtime_secs = now_secs();
    deck.usn = pending_usn;
    deck.common.set_study_collapsed(true);
    deck.common.set_browser_collapsed(true);
    deck.kind.mutable_normal()->set_config_id(config_id);
    id = deck.id;
    return storage::save_deck(col_, deck, now_secs());
  });
  if (!r)
    return std::unexpected(r.error());
  return id;
}

edit_result<void> device::rename_deck(std::int64_t deck_id, std::string_view name) {
  return transact([&]() -> edit_result<void> {
    auto found = storage::find_deck(col_, deck_id);
    if (!found)
      return error_of(found);
    if (!*found)
      return missing("deck", deck_id);
    auto deck = std::move(**found);
    deck.name = storage::native_deck_name(name);
    deck.mtime_secs = now_secs();
    deck.usn = pending_usn;
    return storage::save_deck(col_, deck, now_secs());
  });
}

edit_result<void> device::set_deck_config(std::int64_t deck_id, std::int64_t config_id) {
  return transact([&]() -> edit_result<void> {
    auto found = storage::find_deck(col_, deck_id);
    if (!found)
      return error_of(found);
    if (!*found)
      return missing("deck", deck_id);
    auto deck = std::move(**found);
    if (deck.is_filtered())
      return fail(storage_errc::invalid, "a filtered deck has no options group");
    auto conf = storage::find_deck_config(col_, config_id);
    if (!conf)
      return error_of(conf);
    if (!*conf)
      return missing("deck config", config_id);
    deck.kind.mutable_normal()->set_config_id(config_id);
    deck.mtime_secs = now_secs();
    deck.usn = pending_usn;
    return storage::save_deck(col_, deck, now_secs());
  });
}

edit_result<void> device::delete_deck(std::int64_t deck_id) {
  return transact([&]() -> edit_result<void> {
    auto found = storage::find_deck(col_, deck_id);
    if (!found)
      return error_of(found);
    if (!*found)
      return missing("deck", deck_id);
    auto all = storage::every_deck(col_);
    if (!all)
      return error_of(all);
    std::vector<storage::deck_row> doomed{**found};
    const std::string prefix = (*found)->name + '\x1f';
    for (auto& d : *all)
      if (d.name.starts_with(prefix))
        doomed.push_back(std::move(d));

    for (auto& deck : doomed) {
      // A filtered deck's cards would go home first; devices here make none.
      if (!deck.is_filtered()) {
        auto cards = storage::card_ids_in_deck(col_, deck.id);
        if (!cards)
          return error_of(cards);
        std::vector<std::int64_t> notes;
        for (auto cid : *cards) {
          auto card = col_.get_card(cid);
          if (!card)
            return error_of(card);
          if (*card)
            notes.push_back((*card)->nid);
        }
        if (auto r = remove_cards(*cards); !r)
          return r;
        // Notes left without cards go too (remove_cards_and_orphaned_notes).
        std::sort(notes.begin(), notes.end());
        notes.erase(std::unique(notes.begin(), notes.end()), notes.end());
        for (auto nid : notes) {
          auto left = storage::card_ids_of_note(col_, nid);
          if (!left)
            return error_of(left);
          if (left->empty())
            if (auto r = col_.remove_note(nid, pending_usn); !r)
              return r;
        }
      }
      if (deck.id == default_deck_id) {
        // The default deck cannot go: it is emptied and gets its name back.
        deck.name = "Default";
        deck.mtime_secs = now_secs();
        deck.usn = pending_usn;
        if (auto r = storage::save_deck(col_, deck, now_secs()); !r)
          return r;
      } else if (auto r = col_.remove_deck(deck.id, pending_usn); !r) {
        return r;
      }
    }
    return {};
  });
}

edit_result<std::int64_t> device::add_deck_config(std::string_view name) {
  std::int64_t id = 0;
  auto r = transact([&]() -> edit_result<void> {
    auto base = storage::find_deck_config(col_, default_deck_config_id);
    if (!base)
      return error_of(base);
    if (!*base)
      return missing("deck config", default_deck_config_id);
    auto conf = std::move(**base);
    conf.id = unique_id(now_ms());
    conf.name = std::string(name);
    conf.mtime_secs = now_secs();
    conf.usn = pending_usn;
    id = conf.id;
    return storage::save_deck_config(col_, conf);
  });
  if (!r)
    return std::unexpected(r.error());
  return id;
}

// ---- notetypes ----

edit_result<std::int64_t> device::add_notetype(std::string_view name) {
  std::int64_t id = 0;
  auto r = transact([&]() -> edit_result<void> {
    auto basic = storage::find_notetype_by_name(col_, stock_basic);
    if (!basic)
      return error_of(basic);
    if (!*basic)
      return fail(storage_errc::not_found, "no notetype named Basic to copy");
    auto nt = std::move(**basic);
    nt.id = unique_id(now_ms());
    nt.name = std::string(name);
    nt.mtime_secs = now_secs();
    nt.usn = pending_usn;
    nt.config.clear_original_id();
    id = nt.id;
    if (auto r = storage::save_notetype(col_, nt, now_secs()); !r)
      return r;
    // Adding a notetype makes it the current one (set_current_notetype_id).
    return col_.set_config(
        storage::config_entry{"curModel", pending_usn, now_secs(), std::to_string(nt.id)});
  });
  if (!r)
    return std::unexpected(r.error());
  return id;
}

edit_result<void> device::rename_notetype(std::int64_t notetype_id, std::string_view name) {
  return transact([&]() -> edit_result<void> {
    auto found = storage::find_notetype(col_, notetype_id);
    if (!found)
      return error_of(found);
    if (!*found)
      return missing("notetype", notetype_id);
    auto nt = std::move(**found);
    nt.name = std::string(name);
    nt.mtime_secs = now_secs();
    nt.usn = pending_usn;
    return storage::save_notetype(col_, nt, now_secs());
  });
}

edit_result<void> device::delete_notetype(std::int64_t notetype_id) {
  return transact([&]() -> edit_result<void> {
    auto found = storage::find_notetype(col_, notetype_id);
    if (!found)
      return error_of(found);
    if (!*found)
      return missing("notetype", notetype_id);
    auto notes = storage::note_ids_of_notetype(col_, notetype_id);
    if (!notes)
      return error_of(notes);
    if (auto r = remove_notes(*notes); !r)
      return r;
    if (auto r = storage::erase_notetype(col_, notetype_id); !r)
      return r;
    // Notetypes leave no graves: the other side learns of the deletion
    // only through a full sync, which a new scm forces.
    auto row = col_.read_col();
    if (!row)
      return error_of(row);
    if (auto r = col_.set_scm(std::max(now_ms(), row->scm + 1)); !r)
      return r;
    // Upstream then points curModel at another notetype; Basic will do.
    auto current = col_.get_config("curModel");
    if (!current)
      return error_of(current);
    if (*current && (*current)->value == std::to_string(notetype_id)) {
      auto basic = storage::find_notetype_by_name(col_, stock_basic);
      if (!basic)
        return error_of(basic);
      if (*basic)
        return col_.set_config(storage::config_entry{"curModel", pending_usn, now_secs(),
                                                     std::to_string((*basic)->id)});
    }
    return {};
  });
}

edit_result<std::int64_t> device::notetype_id(std::string_view name) {
  auto found = storage::find_notetype_by_name(col_, name);
  if (!found)
    return error_of(found);
  if (!*found)
    return fail(storage_errc::not_found, "no notetype named " + std::string(name));
  return (*found)->id;
}

// ---- config and tags ----

edit_result<void> device::set_config(std::string_view key, std::string_view json_value) {
  return transact([&]() -> edit_result<void> {
    return col_.set_config(
        storage::config_entry{std::string(key), pending_usn, now_secs(), std::string(json_value)});
  });
}

edit_result<void> device::add_tag(std::string_view name) {
  return transact([&]() -> edit_result<void> {
    if (auto r = col_.register_tag(name, pending_usn); !r)
      return error_of(r);
    return {};
  });
}

// ---- for tests ----

edit_result<void> device::force_usn(object_kind kind, std::int64_t id, std::int32_t usn) {
  using storage::synced_table;
  switch (kind) {
  case object_kind::card:
    return storage::set_row_usns(col_, synced_table::cards, {id}, usn);
  case object_kind::note:
    return storage::set_row_usns(col_, synced_table::notes, {id}, usn);
  case object_kind::revlog:
    return storage::set_row_usns(col_, synced_table::revlog, {id}, usn);
  case object_kind::notetype: {
    auto found = storage::find_notetype(col_, id);
    if (!found)
      return error_of(found);
    if (!*found)
      return missing("notetype", id);
    (*found)->usn = usn;
    return storage::save_notetype(col_, **found, now_secs());
  }
  case object_kind::deck: {
    auto found = storage::find_deck(col_, id);
    if (!found)
      return error_of(found);
    if (!*found)
      return missing("deck", id);
    (*found)->usn = usn;
    return storage::save_deck(col_, **found, now_secs());
  }
  case object_kind::deck_config: {
    auto found = storage::find_deck_config(col_, id);
    if (!found)
      return error_of(found);
    if (!*found)
      return missing("deck config", id);
    (*found)->usn = usn;
    return storage::save_deck_config(col_, **found);
  }
  }
  return fail(storage_errc::invalid, "unknown object kind");
}

} // namespace ankisync::client
