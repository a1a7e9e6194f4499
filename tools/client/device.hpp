#pragma once

// One simulated Anki device: its own schema-18 collection file, the local
// edits a user makes (marked usn -1, with mtimes and col.mod as Anki's
// clients set them), and the client side of a sync over real HTTP. Tests
// and tools drive several devices against one server to check that they
// converge.
//
// sync() reports when a full sync is required; full_upload and
// full_download then do it. Media has its own folder and DB beside the
// collection (media_folder.hpp), synced by media_sync.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/collection.hpp"
#include "tools/client/media_folder.hpp"
#include "tools/client/media_sync.hpp"
#include "tools/client/normal_sync.hpp"
#include "tools/client/sync_channel.hpp"
#include "tools/client/sync_client.hpp"
#include "tools/client/sync_outcome.hpp"

namespace ankisync::client {

struct device_options {
  // Every mtime, id and col.mod comes from here; tests may pin it.
  clock_ms_fn clock = system_clock_ms;
  // meta "cv".
  std::string client_version = "ankisync-client,0.1.0,linux";
};

// Edits fail only when the file does, or on ids that do not exist
// (storage_errc::not_found) or bad arguments (invalid).
template <class T>
using edit_result = storage::result<T>;

// What add_note created.
struct added_note {
  std::int64_t note_id = 0;
  std::vector<std::int64_t> card_ids; // one per template of the notetype
};

// Objects whose usn a test can force (to break a sync as upstream's tests do).
enum class object_kind { card, note, revlog, notetype, deck, deck_config };

class device {
public:
  // A brand-new collection at <folder>/collection.anki2 (the folder is
  // created): never synced, mod 0, its own scm.
  static edit_result<device> create(const std::filesystem::path& folder,
                                    device_options options = {});
  // A byte copy of an existing, quiescent collection file (and its -wal)
  // into <folder>/collection.anki2, e.g. the server's fresh collection or
  // another device's file: the devices then share scm and can sync
  // normally.
  static edit_result<device> copy_of(const std::filesystem::path& source_file,
                                     const std::filesystem::path& folder,
                                     device_options options = {});

  device(device&&) noexcept = default;
  device& operator=(device&&) noexcept = default;

  const std::filesystem::path& file() const { return file_; }
  // The device's open collection, for checks. Writes through it bypass the
  // usn/mtime bookkeeping of the edits below.
  storage::collection& collection() { return col_; }

  // ---- account ----
  void set_host_key(std::string key) { host_key_ = std::move(key); }
  const std::string& host_key() const { return host_key_; }
  // hostKey with the user's name and password; keeps the key on success.
  // Errors: the status (403 for a bad login) or a transport failure.
  std::expected<void, sync_failure> login(sync_client& client, std::string_view user,
                                          std::string_view password);

  // ---- sync ----
  // A normal sync as the official client runs it (normal_sync.hpp).
  sync_result sync(sync_client& client, sync_hooks hooks = {});
  // A full upload as the official client runs it (upstream before_upload,
  // then /sync/upload): graves cleared, pending usns (-1) set to 0, col.usn
  // + 1, mod, scm and ls set to now; then a consistent copy of the file is
  // sent (over the legacy envelope: converted to schema 11 first, as
  // legacy clients keep their files). The server must answer "OK"; any other reply is a failure (a
  // 200 with another body is a sync_failure of kind http_status, status 200).
  std::expected<void, sync_failure> full_upload(sync_client& client);
  // A full download: the server's file is written to a temp file beside
  // ours (legacy: upgraded from schema 11), opened, integrity-checked,
  // then renamed over ours and reopened.
  std::expected<void, sync_failure> full_download(sync_client& client);

  // ---- media (device_media.cpp) ----
  // The folder <device folder>/collection.media and its DB
  // collection.media.db, opened on first use.
  storage::result<media_folder*> media();
  // Writes a file into the media folder, marked for upload. The name must
  // already be normalised (normalize_media_name): storage_errc::invalid
  // otherwise, as the official client leaves such files to Check Media.
  edit_result<void> add_media(std::string_view name, std::string_view bytes);
  // Deletes a media file; the deletion is sent at the next media sync.
  edit_result<void> remove_media(std::string_view name);
  // The syncable files in the media folder, name -> bytes.
  edit_result<std::map<std::string, std::string>> media_files();
  // A media sync as the official client runs it (media_sync.hpp). The
  // server usn comes from the last sync's /sync/meta when given
  // (sync_outcome::server_media_usn), else from begin.
  media_sync_result media_sync(sync_client& client,
                               std::optional<std::int64_t> server_usn = std::nullopt);

  // ---- notes and cards ----
  // A note of `notetype_id` (0: "Basic") with one card per template in
  // `deck_id`. Missing fields are empty, extra ones an error. Tags are
  // registered in the tag list, as the desktop does.
  edit_result<added_note> add_note(std::vector<std::string> fields,
                                   std::vector<std::string> tags = {}, std::int64_t deck_id = 1,
                                   std::int64_t notetype_id = 0);
  // Replaces the fields and/or tags that are given.
  edit_result<void> edit_note(std::int64_t note_id,
                              std::optional<std::vector<std::string>> fields,
                              std::optional<std::vector<std::string>> tags = std::nullopt);
  // The note and its cards, each leaving a grave.
  edit_result<void> delete_note(std::int64_t note_id);
  // Answers a card: a revlog entry plus the card's new state. Returns the
  // revlog id. ease 1..4 (1 = again).
  edit_result<std::int64_t> review_card(std::int64_t card_id, int ease = 3);
  edit_result<void> move_card(std::int64_t card_id, std::int64_t deck_id);
  edit_result<std::vector<std::int64_t>> cards_of_note(std::int64_t note_id);

  // ---- decks and deck configs ----
  // A normal deck with upstream's defaults (config 1 unless given). Names
  // use "::"; parents are not created.
  edit_result<std::int64_t> add_deck(std::string_view name, std::int64_t config_id = 1);
  edit_result<void> rename_deck(std::int64_t deck_id, std::string_view name);
  // Points a normal deck at another options group.
  edit_result<void> set_deck_config(std::int64_t deck_id, std::int64_t config_id);
  // The deck and its children, with their cards and the notes left without
  // cards (upstream remove_decks_and_child_decks). Deck 1 is kept, emptied.
  edit_result<void> delete_deck(std::int64_t deck_id);
  // A copy of the "Default" options group (id 1) under a new id and name.
  edit_result<std::int64_t> add_deck_config(std::string_view name);

  // ---- notetypes ----
  // A copy of "Basic" under a new id and name; becomes the current notetype.
  edit_result<std::int64_t> add_notetype(std::string_view name);
  edit_result<void> rename_notetype(std::int64_t notetype_id, std::string_view name);
  // The notetype with its notes and cards. A schema change: scm is bumped,
  // so the next sync must be a full one (upstream remove_notetype).
  edit_result<void> delete_notetype(std::int64_t notetype_id);
  edit_result<std::int64_t> notetype_id(std::string_view name);

  // ---- config and tags ----
  // `json_value` is the JSON text of the value, e.g. "\"text\"" or "5".
  edit_result<void> set_config(std::string_view key, std::string_view json_value);
  edit_result<void> add_tag(std::string_view name);

  // ---- for tests ----
  // Sets an object's usn directly, without touching mtimes or col.mod (as
  // upstream's tests do to make a sync fail).
  edit_result<void> force_usn(object_kind kind, std::int64_t id, std::int32_t usn);

private:
  device(std::filesystem::path file, storage::collection col, device_options options);

  std::int64_t now_ms() const { return options_.clock(); }
  std::int64_t now_secs() const { return options_.clock() / 1000; }
  // Runs `edit` in one transaction and marks the collection modified
  // (col.mod), as every undoable operation of the desktop does.
  edit_result<void> transact(const std::function<edit_result<void>()>& edit);
  edit_result<void> touch_collection();
  edit_result<void> remove_cards(const std::vector<std::int64_t>& card_ids);
  edit_result<void> remove_notes(const std::vector<std::int64_t>& note_ids);

  std::filesystem::path file_;
  storage::collection col_;
  device_options options_;
  std::string host_key_;
  std::optional<media_folder> media_; // opened by media()
};

} // namespace ankisync::client
