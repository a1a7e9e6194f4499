#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/collection_rows.hpp"
#include "storage/merge_rule.hpp"
#include "storage/storage_error.hpp"

struct sqlite3;

namespace ankisync::storage {

// PRAGMA synchronous. With WAL, `normal` survives a crash of the process
// but may lose the last commits on power loss; `full` syncs every commit.
enum class synchronous_mode { off, normal, full };

// How a collection connection is set up. The server fills these from its
// profile (sqlite_cache_kib, sqlite_mmap_bytes).
struct collection_options {
  // Page cache per connection, KiB (upstream uses 40 MiB).
  std::int64_t cache_kib = 2048;
  // Memory-mapped I/O window, bytes; 0 = plain reads.
  std::int64_t mmap_bytes = 0;
  synchronous_mode synchronous = synchronous_mode::normal;
  // How long a statement waits for another connection's lock. Small: the
  // owning actor is the only writer, so a wait means an outside reader or
  // a checkpoint, which finish quickly (upstream waits 0).
  std::chrono::milliseconds busy_timeout{250};
  // A file without a `col` table becomes a new empty collection (as
  // upstream does, also for uploads); false refuses it as corrupt.
  bool create_if_missing = true;
  // Run PRAGMA integrity_check on open and refuse anything but "ok".
  bool check_integrity = false;
  // Creation time of a new collection (unix ms); 0 = the clock. Tests pin
  // it to get stable ids.
  std::int64_t now_ms = 0;
};

// What register_tag did.
struct registered_tag {
  std::string name; // as stored: normalised, in the case of the existing tag
  bool added = false;
};

// One open schema-18 Anki collection file (collection-schema.md), as the
// sync server uses it. One connection; use from one thread at a time.
// Moveable, not copyable. Runs in WAL mode with normal locking, so other
// processes (backups, admin tools, a second read-only connection of ours)
// can read while it is open.
//
// Every write method runs in the session transaction when one is open
// (begin), else commits on its own.
class collection {
public:
  // Opens `file`, creating it (collection-schema.md §10: the empty
  // collection the official server gives a new user) when it does not
  // exist or has no `col` table. Refuses `ver` outside 11..18 and 12/13
  // (corrupt); files at 11 or 14-17 are refused as needing an upgrade
  // (invalid): convert them first with upgrade_to_schema18
  // (schema_upgrade.hpp), which needs the file to itself.
  static result<collection> open(const std::filesystem::path& file,
                                 const collection_options& options = {});

  collection(collection&&) noexcept;
  collection& operator=(collection&&) noexcept;
  collection(const collection&) = delete;
  collection& operator=(const collection&) = delete;
  // Rolls back an open session transaction, then closes.
  ~collection();

  const std::filesystem::path& path() const noexcept;
  // The raw connection, for other storage-room code (notetypes, decks,
  // deck configs) that keeps its SQL next to its blobs. Not for callers
  // outside storage/.
  sqlite3* handle() const noexcept;

  // ---- the sync session's transaction ----
  //
  // BEGIN IMMEDIATE, not a SAVEPOINT: the write lock is taken at begin, so
  // no statement of the session can fail later on a lock upgrade (a
  // deferred transaction, which a SAVEPOINT outside a transaction is,
  // upgrades at its first write), and a crash rolls everything back on
  // the next open. Readers keep reading the last commit meanwhile (WAL).
  result<void> begin();
  result<void> commit();
  // No-op without an open transaction, so error paths can call it freely.
  result<void> rollback();
  bool in_transaction() const noexcept;

  // ---- the col row ----
  result<col_row> read_col();
  result<void> set_usn(std::int32_t usn);
  result<void> set_mod(std::int64_t mod_ms);
  result<void> set_ls(std::int64_t ls_ms);
  result<void> set_crt(std::int64_t crt_secs);
  result<void> set_scm(std::int64_t scm_ms);

  // ---- rows pending for a client ----
  //
  // Ids whose usn is >= min_usn, or == -1 when min_usn is -1 (upstream's
  // pending_object_clause), in SQLite's order for that query.
  result<std::vector<std::int64_t>> pending_ids(synced_table table, std::int32_t min_usn);

  // ---- cards ----
  result<std::optional<card_row>> get_card(std::int64_t id);
  // INSERT OR REPLACE, all columns as given.
  result<void> put_card(const card_row& card);
  // Stores `card` unless `rule` keeps the stored row with its id. One
  // statement: a new id costs what a plain INSERT does.
  result<void> merge_card(const card_row& card, merge_rule rule);

  // ---- notes ----
  result<std::optional<note_row>> get_note(std::int64_t id);
  result<std::optional<row_stamp>> note_stamp(std::int64_t id);
  // INSERT OR REPLACE as Anki's sync stores a note: the field count must be
  // max(1, shape.field_count) (else invalid), control characters other
  // than \n and \t are removed from fields, tags are re-spaced, sfld and
  // csum are recomputed, flags and data are stored as 0 and "" whatever
  // the input. Returns the row as stored.
  result<note_row> put_note(const note_row& note, const note_shape& shape);
  // put_note's rules under merge_rule, as merge_card. A note that would
  // lose is skipped even when its field count is wrong: only what is
  // written is checked.
  result<void> merge_note(const note_row& note, const note_shape& shape, merge_rule rule);

  // ---- revlog ----
  result<std::optional<revlog_row>> get_revlog(std::int64_t id);
  // INSERT OR IGNORE: an existing entry never changes. True if added.
  result<bool> add_revlog(const revlog_row& entry);

  // ---- deletions and graves ----
  //
  // Deletes the row (only that row: a note's cards, a deck's cards and
  // children stay) and records a grave with `usn`. A grave that already
  // exists keeps its usn.
  result<void> remove_card(std::int64_t id, std::int32_t usn);
  result<void> remove_note(std::int64_t id, std::int32_t usn);
  result<void> remove_deck(std::int64_t id, std::int32_t usn);
  result<void> add_grave(const grave& g, std::int32_t usn);
  // Graves with usn >= min_usn (== -1 when min_usn is -1).
  result<graves_by_kind> pending_graves(std::int32_t min_usn);

  // ---- tags ----
  result<std::vector<std::string>> pending_tags(std::int32_t min_usn);
  // Registers a tag as Anki's sync does: the name is normalised
  // (tag_names.hpp); if a tag equal to it under unicase exists, nothing
  // changes and its stored name is returned; else the case of the nearest
  // existing parent is adopted and the tag is added with `usn`, collapsed.
  result<registered_tag> register_tag(std::string_view name, std::int32_t usn);
  result<std::vector<std::string>> all_tags();

  // ---- config table ----
  result<std::vector<config_entry>> all_config();
  result<std::optional<config_entry>> get_config(std::string_view key);
  result<void> set_config(const config_entry& entry);
  // Deletes every row, then writes `entries`.
  result<void> replace_config(const std::vector<config_entry>& entries);
  result<void> clear_config_usns();

  // ---- checks ----
  result<collection_counts> counts();
  // The first of cards, notes, revlog, graves, decks, deck_config, tags,
  // notetypes (upstream's order) holding a row with usn = -1, if any.
  result<std::optional<std::string>> table_with_pending_row();
  // PRAGMA integrity_check's answer ("ok" when healthy).
  result<std::string> integrity_check();
  // Size of the main database file in bytes (not the -wal).
  result<std::uint64_t> file_size() const;

  struct connection; // defined in collection_connection.hpp

private:
  explicit collection(std::unique_ptr<connection> c);
  std::unique_ptr<connection> c_;
};

} // namespace ankisync::storage
