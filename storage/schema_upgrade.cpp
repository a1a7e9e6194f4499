// Schema 11 (and 14-17) -> 18: collection-schema.md 7.1 and 7.2.

#include "storage/schema_upgrade.hpp"

#include <charconv>
#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "storage/collection_schema.hpp"
#include "storage/deck_config_table.hpp"
#include "storage/deck_name.hpp"
#include "storage/decks_table.hpp"
#include "storage/json_text.hpp"
#include "storage/notetypes_table.hpp"
#include "storage/proto_blob.hpp"
#include "storage/schema11_deck.hpp"
#include "storage/schema11_deck_config.hpp"
#include "storage/schema11_json_read.hpp"
#include "storage/schema11_notetype.hpp"
#include "storage/schema_convert.hpp"
#include "storage/unicase.hpp"
#include "storage/unicode_text.hpp"

namespace ankisync::storage {

namespace {

namespace json = boost::json;
using convert::error_of;

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// The col row as the upgrade needs it.
struct col_state {
  std::int64_t ver = 0;
  std::int32_t usn = 0;
  std::string conf, models, decks, dconf, tags;
};

result<col_state> read_col(sqlite3* db) {
  auto stmt = sqlite_stmt::prepare(db, "select ver, usn, conf, models, decks, dconf, tags from col");
  if (!stmt) {
    // No col table: not a collection (SQLite's own errors pass through,
    // e.g. "file is not a database", which is corrupt as well).
    if (stmt.error().code == storage_errc::sqlite)
      return fail(storage_errc::corrupt, "not an Anki collection: " + stmt.error().message);
    return error_of(stmt);
  }
  auto row = stmt->step();
  if (!row) return error_of(row);
  if (!*row) return fail(storage_errc::corrupt, "the collection has no col row");
  col_state c;
  auto ver = parse_integer(stmt->optional_text(0).value_or(""));
  if (!ver) return fail(storage_errc::corrupt, "collection version is not a number");
  c.ver = *ver;
  c.usn = static_cast<std::int32_t>(stmt->int64(1));
  c.conf = stmt->optional_text(2).value_or("");
  c.models = stmt->optional_text(3).value_or("");
  c.decks = stmt->optional_text(4).value_or("");
  c.dconf = stmt->optional_text(5).value_or("");
  c.tags = stmt->optional_text(6).value_or("");
  return c;
}

result<void> check_version(std::int64_t v) {
  if (v < 11) return fail(storage_errc::corrupt, "collection schema " + std::to_string(v) + " is too old");
  if (v > 18 || v == 12 || v == 13)
    return fail(storage_errc::corrupt, "collection schema " + std::to_string(v) + " is too new");
  return {};
}

std::unexpected<storage_error> corrupt(std::string_view what, const storage_error& e) {
  return fail(storage_errc::corrupt, std::string(what) + ": " + e.message);
}

// A JSON column that must hold an object.
result<json::object> json_object_column(std::string_view text, std::string_view column) {
  auto v = s11::parse_json_text(text, "col." + std::string(column));
  if (!v) return fail(storage_errc::corrupt, v.error().message);
  if (!v->is_object())
    return fail(storage_errc::corrupt, "col." + std::string(column) + ": not a JSON object");
  return std::move(v->get_object());
}

// A map keyed by id strings ("1581236385343"), by numeric id. Keys that
// name the same id: the later one wins, as upstream's hash map does.
result<std::map<std::int64_t, const json::value*>> by_id(const json::object& o,
                                                         std::string_view column) {
  std::map<std::int64_t, const json::value*> out;
  for (const auto& [key, value] : o) {
    auto id = parse_integer(key);
    if (!id)
      return fail(storage_errc::corrupt,
                  "col." + std::string(column) + ": key is not an id: " + std::string(key));
    out[*id] = &value;
  }
  return out;
}

result<bool> row_exists(sqlite3* db, std::string_view sql, std::int64_t id) {
  auto stmt = sqlite_stmt::prepare(db, sql);
  if (!stmt) return error_of(stmt);
  if (auto r = stmt->bind(1, id); !r) return error_of(r);
  auto row = stmt->step();
  if (!row) return error_of(row);
  return *row;
}

// ---- what schema 14 added: deck_config, config, tags ----

// One deck_config row per dconf entry, keyed by the map key (buggy clients
// left the inner id different). An id already taken becomes max(id) + 1,
// as upstream's insert does.
result<void> deck_configs_from_json(sqlite3* db, const json::object& dconf) {
  auto entries = by_id(dconf, "dconf");
  if (!entries) return error_of(entries);
  for (const auto& [key, value] : *entries) {
    auto conf = deck_config_from_schema11(*value);
    if (!conf) return corrupt("col.dconf " + std::to_string(key), conf.error());
    conf->id = key;
    auto taken = row_exists(db, "select 1 from deck_config where id = ?", key);
    if (!taken) return error_of(taken);
    if (*taken || key == 0) {
      auto max = sqlite_stmt::prepare(db, "select coalesce(max(id), 0) + 1 from deck_config");
      if (!max) return error_of(max);
      if (auto row = max->step(); !row) return error_of(row);
      conf->id = max->int64(0);
    }
    if (auto r = put_deck_config(db, *conf); !r) return r;
  }
  return {};
}

// Every conf key becomes a config row holding its value's compact JSON,
// with usn 0 and mtime 0.
result<void> config_from_json(sqlite3* db, const json::object& conf) {
  for (const auto& [key, value] : conf) {
    auto stmt = sqlite_stmt::prepare(
        db, "insert or replace into config (KEY, usn, mtime_secs, val) values (?, 0, 0, ?)");
    if (!stmt) return error_of(stmt);
    if (auto r = stmt->bind(1, std::string_view(key)); !r) return r;
    // A blob, as upstream reads it.
    if (auto r = stmt->bind_blob(2, to_json_text(value)); !r) return r;
    if (auto r = stmt->run(); !r) return r;
  }
  return {};
}

result<void> insert_tag(sqlite3* db, std::string_view sql, std::string_view tag, std::int64_t usn) {
  auto stmt = sqlite_stmt::prepare(db, sql);
  if (!stmt) return error_of(stmt);
  if (auto r = stmt->bind_all(tag, usn); !r) return r;
  return stmt->run();
}

// {"name": usn}. A name equal to an earlier one under unicase is dropped.
// Tags end up collapsed, as the schema-17 step leaves every tag.
result<void> tags_from_json(sqlite3* db, const json::object& tags) {
  for (const auto& [name, usn_value] : tags) {
    auto usn = s11::parse_int<std::int32_t>(usn_value);
    if (!usn)
      return fail(storage_errc::corrupt, "col.tags: usn of tag " + std::string(name) + " is not a usn");
    if (auto r = insert_tag(db, "insert or ignore into tags (tag, usn, collapsed) values (?, ?, 1)",
                            name, *usn);
        !r)
      return r;
  }
  return {};
}

// ---- schema 14's deck_config rows still hold schema-11 JSON ----

result<void> deck_configs_from_json_rows(sqlite3* db) {
  std::vector<deck_config_row> rows;
  {
    auto stmt = sqlite_stmt::prepare(db, "select id, config from deck_config order by id");
    if (!stmt) return error_of(stmt);
    while (true) {
      auto row = stmt->step();
      if (!row) return error_of(row);
      if (!*row) break;
      const std::int64_t id = stmt->int64(0);
      // Upstream reads the column as a blob; accept text holding JSON too.
      std::string text = stmt->blob(1).value_or(stmt->optional_text(1).value_or(""));
      auto conf = deck_config_from_schema11_text(text);
      if (!conf) return corrupt("deck_config " + std::to_string(id), conf.error());
      conf->id = id;
      rows.push_back(std::move(*conf));
    }
  }
  for (const auto& c : rows)
    if (auto r = put_deck_config(db, c); !r) return r;
  return {};
}

// ---- what schema 15 added: notetypes, decks ----

void make_names_unique(std::vector<std::string*> names) {
  std::set<std::string> seen;
  for (std::string* name : names) {
    while (!seen.insert(unicase_key(*name)).second) *name += '+';
  }
}

std::int64_t random_notetype_id() {
  static thread_local std::mt19937 gen{std::random_device{}()};
  std::uniform_int_distribution<std::uint32_t> dist(1, UINT32_MAX);
  return dist(gen);
}

result<void> notetypes_from_json(sqlite3* db, const json::object& models) {
  auto entries = by_id(models, "models");
  if (!entries) return error_of(entries);
  std::set<std::string> names;
  for (const auto& [key, value] : *entries) {
    auto nt = notetype_from_schema11(*value);
    if (!nt) return corrupt("col.models " + std::to_string(key), nt.error());
    // The inner id names the notetypes row (as upstream writes it); where
    // the file left it 0, the key. Upstream gives a notetype keyed 0 a
    // random id; so do we, avoiding ids in use.
    if (nt->id == 0) nt->id = key;
    if (key == 0 || nt->id == 0) {
      while (true) {
        nt->id = random_notetype_id();
        auto taken = row_exists(db, "select 1 from notetypes where id = ?", nt->id);
        if (!taken) return error_of(taken);
        if (!*taken && !entries->contains(nt->id)) break;
      }
    }
    nt->name = to_nfc(nt->name);
    std::vector<std::string*> template_names, field_names;
    for (auto& f : nt->fields) {
      f.name = to_nfc(f.name);
      field_names.push_back(&f.name);
    }
    for (auto& t : nt->templates) {
      t.name = to_nfc(t.name);
      template_names.push_back(&t.name);
    }
    make_names_unique(template_names);
    make_names_unique(field_names);
    // Upstream renames a clashing notetype without marking it changed.
    while (!names.insert(unicase_key(nt->name)).second) nt->name += '_';
    if (auto r = put_notetype(db, *nt); !r) return r;
  }
  return {};
}

result<void> decks_from_json(sqlite3* db, const json::object& decks, std::int32_t usn,
                             std::int64_t now_secs) {
  auto entries = by_id(decks, "decks");
  if (!entries) return error_of(entries);
  std::set<std::string> names;
  for (const auto& [key, value] : *entries) {
    auto deck = deck_from_schema11(*value);
    if (!deck) return corrupt("col.decks " + std::to_string(key), deck.error());
    // deck_from_schema11 checked that it is an object with a string name.
    const json::string& name = value->get_object().at("name").get_string();
    const std::string_view original(name.data(), name.size());
    bool changed = human_deck_name(deck->name) != original;
    while (!names.insert(unicase_key(deck->name)).second) {
      deck->name += '_';
      changed = true;
    }
    if (changed) {
      deck->mtime_secs = now_secs;
      deck->usn = usn;
    }
    if (auto r = put_deck(db, *deck); !r) return r;
  }
  return {};
}

// ---- schema 16: initial ease ----

// Schema 15 stored the initial ease x100 (`stored_x100`). A config at or
// below 1.3 (written with a wrong default by schema 15) is reset to 2.5,
// and the cards of the normal decks using it, by did or odid, with an
// ease in 1..2000 permille (factor != 0 and <= 2000) get 2500.
result<void> repair_initial_eases(sqlite3* db, bool stored_x100, std::int32_t usn) {
  std::vector<std::pair<std::int64_t, std::string>> updates;
  std::set<std::int64_t> reset;
  {
    auto stmt = sqlite_stmt::prepare(db, "select id, config from deck_config order by id");
    if (!stmt) return error_of(stmt);
    while (true) {
      auto row = stmt->step();
      if (!row) return error_of(row);
      if (!*row) break;
      const std::int64_t id = stmt->int64(0);
      auto config = decode_blob<pb::DeckConfigConfig>(*stmt, 1, "deck_config.config");
      if (!config) return error_of(config);
      bool changed = false;
      if (stored_x100) {
        config->set_initial_ease(config->initial_ease() / 100.0f);
        changed = true;
      }
      if (config->initial_ease() <= 1.3f) {
        config->set_initial_ease(2.5f);
        reset.insert(id);
        changed = true;
      }
      if (!changed) continue;
      auto bytes = encode_blob(*config, "deck config");
      if (!bytes) return error_of(bytes);
      updates.emplace_back(id, std::move(*bytes));
    }
  }
  for (const auto& [id, bytes] : updates) {
    auto stmt = sqlite_stmt::prepare(db, "update deck_config set config = ? where id = ?");
    if (!stmt) return error_of(stmt);
    if (auto r = stmt->bind_blob(1, bytes); !r) return r;
    if (auto r = stmt->bind(2, id); !r) return r;
    if (auto r = stmt->run(); !r) return r;
  }
  if (reset.empty()) return {};

  auto decks = all_decks(db);
  if (!decks) return error_of(decks);
  for (const auto& d : *decks) {
    if (!d.kind.has_normal() || !reset.contains(d.kind.normal().config_id())) continue;
    auto stmt = sqlite_stmt::prepare(
        db, "update cards set factor = 2500, usn = ?1"
            " where factor != 0 and factor <= 2000 and (did = ?2 or odid = ?2)");
    if (!stmt) return error_of(stmt);
    if (auto r = stmt->bind_all(std::int64_t{usn}, d.id); !r) return r;
    if (auto r = stmt->run(); !r) return r;
  }
  return {};
}

// ---- schema 17: tags with collapsed and config ----

result<void> rebuild_tags(sqlite3* db) {
  std::vector<std::pair<std::string, std::int64_t>> tags;
  {
    auto stmt = sqlite_stmt::prepare(db, "select tag, usn from tags");
    if (!stmt) return error_of(stmt);
    while (true) {
      auto row = stmt->step();
      if (!row) return error_of(row);
      if (!*row) break;
      tags.emplace_back(stmt->text(0), stmt->int64(1));
    }
  }
  if (auto r = sqlite_exec(db, "drop table tags"); !r) return r;
  if (auto r = sqlite_exec(db, schema17_tags_ddl); !r) return r;
  for (const auto& [tag, usn] : tags)
    if (auto r = insert_tag(db, "insert or replace into tags (tag, usn, collapsed) values (?, ?, 1)",
                            tag, usn);
        !r)
      return r;
  return {};
}

// ---- schema 18: graves keyed by (oid, type) ----

result<void> rebuild_graves(sqlite3* db) {
  // A stray index of that name (third-party files) would clash with ours.
  for (std::string_view sql : {
           std::string_view("drop index if exists idx_graves_pending"),
           std::string_view("alter table graves rename to graves_schema11"),
       })
    if (auto r = sqlite_exec(db, sql); !r) return r;
  if (auto r = sqlite_exec(db, schema18_graves_ddl); !r) return r;
  return sqlite_exec(db,
                     "insert or ignore into graves (oid, type, usn)"
                     " select oid, type, usn from graves_schema11;"
                     "drop table graves_schema11");
}

std::int64_t clock_secs() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

result<void> upgrade(sqlite3* db, const schema_upgrade_options& options) {
  if (options.check_integrity) {
    auto answer = convert::integrity_check(db);
    if (!answer) return error_of(answer);
    if (*answer != "ok") return fail(storage_errc::corrupt, "integrity check failed: " + *answer);
  }
  auto tx = convert::exclusive_tx::begin(db);
  if (!tx) return error_of(tx);
  auto col = read_col(db);
  if (!col) return error_of(col);
  if (auto r = check_version(col->ver); !r) return r;
  if (col->ver == 18) return {};

  const std::int64_t ver = col->ver;
  const std::int32_t usn = options.server ? col->usn : -1;
  const std::int64_t now = options.now_secs != 0 ? options.now_secs : clock_secs();

  if (ver < 14) {
    // Parse everything first: a bad column fails before anything changes
    // (the transaction would undo it anyway).
    auto dconf = json_object_column(col->dconf, "dconf");
    if (!dconf) return error_of(dconf);
    auto tags = json_object_column(col->tags, "tags");
    if (!tags) return error_of(tags);
    auto conf = json_object_column(col->conf, "conf");
    if (!conf) return error_of(conf);
    if (auto r = sqlite_exec(db, schema14_ddl); !r) return r;
    if (auto r = sqlite_exec(db, schema17_tags_ddl); !r) return r;
    if (auto r = deck_configs_from_json(db, *dconf); !r) return r;
    if (auto r = tags_from_json(db, *tags); !r) return r;
    if (auto r = config_from_json(db, *conf); !r) return r;
  } else if (ver == 14) {
    if (auto r = deck_configs_from_json_rows(db); !r) return r;
  }

  if (ver < 15) {
    auto models = json_object_column(col->models, "models");
    if (!models) return error_of(models);
    auto decks = json_object_column(col->decks, "decks");
    if (!decks) return error_of(decks);
    if (auto r = sqlite_exec(db, schema15_ddl); !r) return r;
    // Where upstream's schema-15 step runs it: statistics for the query
    // planner, taken before notetypes and decks are filled.
    if (auto r = sqlite_exec(db, "analyze"); !r) return r;
    if (auto r = notetypes_from_json(db, *models); !r) return r;
    if (auto r = decks_from_json(db, *decks, usn, now); !r) return r;
  }

  if (ver < 16)
    if (auto r = repair_initial_eases(db, ver == 15, usn); !r) return r;
  if (ver >= 14 && ver < 17)
    if (auto r = rebuild_tags(db); !r) return r;
  if (auto r = rebuild_graves(db); !r) return r;

  if (auto r = sqlite_exec(db, "update col set ver = 18, conf = '', models = '', decks = '',"
                               " dconf = '', tags = ''");
      !r)
    return r;
  return tx->commit();
}

} // namespace

result<std::int64_t> collection_schema_version(const std::filesystem::path& file) {
  return convert::guarded("schema version", [&]() -> result<std::int64_t> {
    auto db = convert::open_file(file, true);
    if (!db) return error_of(db);
    auto stmt = sqlite_stmt::prepare(db->get(), "select ver from col");
    if (!stmt) {
      if (stmt.error().code == storage_errc::sqlite)
        return fail(storage_errc::corrupt, "not an Anki collection: " + stmt.error().message);
      return error_of(stmt);
    }
    auto row = stmt->step();
    if (!row) return error_of(row);
    if (!*row) return fail(storage_errc::corrupt, "the collection has no col row");
    auto ver = parse_integer(stmt->optional_text(0).value_or(""));
    if (!ver) return fail(storage_errc::corrupt, "collection version is not a number");
    return *ver;
  });
}

result<void> upgrade_to_schema18(const std::filesystem::path& file,
                                 const schema_upgrade_options& options) {
  return convert::guarded("schema upgrade", [&]() -> result<void> {
    auto db = convert::open_file(file, false);
    if (!db) return error_of(db);
    return upgrade(db->get(), options);
  });
}

} // namespace ankisync::storage
