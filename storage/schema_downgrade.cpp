// Schema 18 -> 11 on a copy: collection-schema.md 7.3.

#include "storage/schema_downgrade.hpp"

#include <system_error>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "storage/collection_schema.hpp"
#include "storage/deck_config_table.hpp"
#include "storage/decks_table.hpp"
#include "storage/full_sync.hpp"
#include "storage/json_text.hpp"
#include "storage/notetypes_table.hpp"
#include "storage/schema11_deck.hpp"
#include "storage/schema11_deck_config.hpp"
#include "storage/schema11_json_read.hpp"
#include "storage/schema11_notetype.hpp"
#include "storage/schema_convert.hpp"

namespace ankisync::storage {

namespace {

namespace json = boost::json;
using convert::error_of;

result<std::int64_t> schema_version(sqlite3* db) {
  auto stmt = sqlite_stmt::prepare(db, "select ver from col");
  if (!stmt) return error_of(stmt);
  auto row = stmt->step();
  if (!row) return error_of(row);
  if (!*row) return fail(storage_errc::corrupt, "the collection has no col row");
  return stmt->int64(0);
}

// The five JSON columns of a schema-11 col row.
struct schema11_json {
  json::object conf, models, decks, dconf, tags;
};

result<void> read_objects(sqlite3* db, schema11_json& out) {
  auto confs = all_deck_configs(db); // repaired on read, as upstream writes them
  if (!confs) return error_of(confs);
  for (const auto& c : *confs) out.dconf[std::to_string(c.id)] = deck_config_to_schema11(c);

  auto decks = all_decks(db);
  if (!decks) return error_of(decks);
  for (const auto& d : *decks) out.decks[std::to_string(d.id)] = deck_to_schema11(d);

  auto notetypes = all_notetypes(db);
  if (!notetypes) return error_of(notetypes);
  for (const auto& nt : *notetypes) out.models[std::to_string(nt.id)] = notetype_to_schema11(nt);

  {
    auto stmt = sqlite_stmt::prepare(db, "select KEY, val from config order by KEY");
    if (!stmt) return error_of(stmt);
    while (true) {
      auto row = stmt->step();
      if (!row) return error_of(row);
      if (!*row) break;
      std::string key = stmt->text(0);
      // Written as blobs; files from other tools may hold text.
      std::string val = stmt->blob(1).value_or(stmt->optional_text(1).value_or(""));
      auto value = s11::parse_json_text(val, "config " + key);
      if (!value) return fail(storage_errc::corrupt, value.error().message);
      out.conf[key] = std::move(*value);
    }
  }

  auto stmt = sqlite_stmt::prepare(db, "select tag, usn from tags order by tag");
  if (!stmt) return error_of(stmt);
  while (true) {
    auto row = stmt->step();
    if (!row) return error_of(row);
    if (!*row) break;
    out.tags[stmt->text(0)] = stmt->int64(1);
  }
  return {};
}

result<void> downgrade(sqlite3* db) {
  auto tx = convert::exclusive_tx::begin(db);
  if (!tx) return error_of(tx);
  auto ver = schema_version(db);
  if (!ver) return error_of(ver);
  if (*ver != 18)
    return fail(storage_errc::invalid,
                "schema 11 copy: the source is at schema " + std::to_string(*ver) + ", not 18");

  // graves back to the keyless table; its index goes with the old table.
  if (auto r = sqlite_exec(db, "alter table graves rename to graves_schema18"); !r) return r;
  if (auto r = sqlite_exec(db, schema11_graves_ddl); !r) return r;
  if (auto r = sqlite_exec(db, "insert into graves (usn, oid, type)"
                               " select usn, oid, type from graves_schema18;"
                               "drop table graves_schema18");
      !r)
    return r;

  schema11_json objects;
  if (auto r = read_objects(db, objects); !r) return r;
  auto update = sqlite_stmt::prepare(
      db, "update col set ver = 11, conf = ?, models = ?, decks = ?, dconf = ?, tags = ?");
  if (!update) return error_of(update);
  if (auto r = update->bind_all(to_json_text(objects.conf), to_json_text(objects.models),
                                to_json_text(objects.decks), to_json_text(objects.dconf),
                                to_json_text(objects.tags));
      !r)
    return r;
  if (auto r = update->run(); !r) return r;

  // What schemas 14-17 added (upstream drops exactly these).
  if (auto r = sqlite_exec(db, "drop table config;"
                               "drop table deck_config;"
                               "drop table tags;"
                               "drop table fields;"
                               "drop table templates;"
                               "drop table notetypes;"
                               "drop table decks;"
                               "drop index if exists idx_cards_odid;"
                               "drop index if exists idx_notes_mid");
      !r)
    return r;
  return tx->commit();
}

result<void> downgrade_file(const std::filesystem::path& file) {
  auto db = convert::open_file(file, false);
  if (!db) return error_of(db);
  if (auto r = downgrade(db->get()); !r) return r;
  // Upstream switches a file it closes as schema 11 to rollback journaling.
  auto mode = sqlite_stmt::prepare(db->get(), "pragma journal_mode = delete");
  if (!mode) return error_of(mode);
  auto row = mode->step();
  if (!row) return error_of(row);
  if (!*row || mode->text(0) != "delete")
    return fail(storage_errc::io, "schema 11 copy: could not switch to journal mode DELETE");
  return {};
}

void remove_copy(const std::filesystem::path& dest) {
  std::error_code ec;
  std::filesystem::remove(dest, ec);
  for (const char* suffix : {"-journal", "-wal", "-shm"})
    std::filesystem::remove(dest.string() + suffix, ec);
}

} // namespace

result<void> write_schema11_copy(const std::filesystem::path& schema18_source,
                                 const std::filesystem::path& dest) {
  return convert::guarded("schema 11 copy", [&]() -> result<void> {
    std::error_code ec;
    if (std::filesystem::exists(dest, ec))
      return fail(storage_errc::exists, "schema 11 copy: " + dest.string() + " already exists");
    if (auto r = snapshot_collection(schema18_source, dest); !r) {
      remove_copy(dest);
      return r;
    }
    auto r = downgrade_file(dest);
    if (!r) remove_copy(dest);
    return r;
  });
}

} // namespace ankisync::storage
