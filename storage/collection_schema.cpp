#include "storage/collection_schema.hpp"

#include <ctime>
#include <string>
#include <utility>

#include "storage/default_objects.hpp"
#include "storage/sqlite_stmt.hpp"

namespace ankisync::storage {

// Column order and declarations as upstream's schema11.sql plus upgrades
// 14-18 leave them; only the formatting is ours. notes.sfld is declared
// integer on purpose (upstream: numeric sort fields then sort as numbers).
// The pieces below are also what schema_upgrade.cpp adds to older files,
// so an upgraded file declares these tables exactly as a new one does.
const std::string_view schema11_core_ddl = R"sql(
create table col (
  id integer primary key,
  crt integer not null,
  mod integer not null,
  scm integer not null,
  ver integer not null,
  dty integer not null,
  usn integer not null,
  ls integer not null,
  conf text not null,
  models text not null,
  decks text not null,
  dconf text not null,
  tags text not null
);
create table notes (
  id integer primary key,
  guid text not null,
  mid integer not null,
  mod integer not null,
  usn integer not null,
  tags text not null,
  flds text not null,
  sfld integer not null,
  csum integer not null,
  flags integer not null,
  data text not null
);
create table cards (
  id integer primary key,
  nid integer not null,
  did integer not null,
  ord integer not null,
  mod integer not null,
  usn integer not null,
  type integer not null,
  queue integer not null,
  due integer not null,
  ivl integer not null,
  factor integer not null,
  reps integer not null,
  lapses integer not null,
  left integer not null,
  odue integer not null,
  odid integer not null,
  flags integer not null,
  data text not null
);
create table revlog (
  id integer primary key,
  cid integer not null,
  usn integer not null,
  ease integer not null,
  ivl integer not null,
  lastIvl integer not null,
  factor integer not null,
  time integer not null,
  type integer not null
);
create index ix_notes_usn on notes (usn);
create index ix_cards_usn on cards (usn);
create index ix_revlog_usn on revlog (usn);
create index ix_cards_nid on cards (nid);
create index ix_cards_sched on cards (did, queue, due);
create index ix_revlog_cid on revlog (cid);
create index ix_notes_csum on notes (csum);
)sql";

const std::string_view schema11_graves_ddl = R"sql(
create table graves (
  usn integer not null,
  oid integer not null,
  type integer not null
);
)sql";

const std::string_view schema14_ddl = R"sql(
create table deck_config (
  id integer primary key not null,
  name text not null collate unicase,
  mtime_secs integer not null,
  usn integer not null,
  config blob not null
);
create table config (
  KEY text not null primary key,
  usn integer not null,
  mtime_secs integer not null,
  val blob not null
) without rowid;
)sql";

const std::string_view schema15_ddl = R"sql(
create table fields (
  ntid integer not null,
  ord integer not null,
  name text not null collate unicase,
  config blob not null,
  primary key (ntid, ord)
) without rowid;
create unique index idx_fields_name_ntid on fields (name, ntid);
create table templates (
  ntid integer not null,
  ord integer not null,
  name text not null collate unicase,
  mtime_secs integer not null,
  usn integer not null,
  config blob not null,
  primary key (ntid, ord)
) without rowid;
create unique index idx_templates_name_ntid on templates (name, ntid);
create index idx_templates_usn on templates (usn);
create table notetypes (
  id integer not null primary key,
  name text not null collate unicase,
  mtime_secs integer not null,
  usn integer not null,
  config blob not null
);
create unique index idx_notetypes_name on notetypes (name);
create index idx_notetypes_usn on notetypes (usn);
create table decks (
  id integer primary key not null,
  name text not null collate unicase,
  mtime_secs integer not null,
  usn integer not null,
  common blob not null,
  kind blob not null
);
create unique index idx_decks_name on decks (name);
create index idx_notes_mid on notes (mid);
create index idx_cards_odid on cards (odid) where odid != 0;
)sql";

const std::string_view schema17_tags_ddl = R"sql(
create table tags (
  tag text not null primary key collate unicase,
  usn integer not null,
  collapsed boolean not null,
  config blob null
) without rowid;
)sql";

const std::string_view schema18_graves_ddl = R"sql(
create table graves (
  oid integer not null,
  type integer not null,
  usn integer not null,
  primary key (oid, type)
) without rowid;
create index idx_graves_pending on graves (usn);
)sql";

namespace {

const std::string& full_schema18_ddl() {
  static const std::string ddl = std::string(schema11_core_ddl) + std::string(schema18_graves_ddl) +
                                 std::string(schema14_ddl) + std::string(schema15_ddl) +
                                 std::string(schema17_tags_ddl);
  return ddl;
}

} // namespace

const std::string_view schema18_ddl = full_schema18_ddl();

namespace {

// The schema-11 `conf` defaults of a server-created collection, each
// value as the compact JSON upstream stores (schema11_config_as_string,
// with creationOffset null because a server has no local offset).
constexpr std::pair<std::string_view, std::string_view> default_config[] = {
    {"activeDecks", "[1]"},     {"curDeck", "1"},           {"newSpread", "0"},
    {"collapseTime", "1200"},   {"timeLim", "0"},           {"estTimes", "true"},
    {"dueCounts", "true"},      {"curModel", "null"},       {"nextPos", "1"},
    {"sortType", "\"noteFld\""}, {"sortBackwards", "false"}, {"addToCur", "true"},
    {"dayLearnFirst", "false"}, {"schedVer", "2"},          {"creationOffset", "null"},
    {"sched2021", "true"},
};

result<void> insert_config(sqlite3* db, std::string_view key, std::string_view value,
                           std::int64_t usn, std::int64_t mtime_secs) {
  auto stmt = sqlite_stmt::prepare(
      db, "insert or replace into config (KEY, usn, mtime_secs, val) values (?, ?, ?, ?)");
  if (!stmt) return std::unexpected(stmt.error());
  if (auto r = stmt->bind_all(key, usn, mtime_secs); !r) return r;
  if (auto r = stmt->bind_blob(4, value); !r) return r;
  return stmt->run();
}

} // namespace

std::int64_t creation_day_start(std::int64_t now_secs) {
  std::time_t t = static_cast<std::time_t>(now_secs);
  std::tm local{};
  localtime_r(&t, &local);
  const std::int64_t offset = local.tm_gmtoff; // seconds east of UTC
  const std::int64_t local_secs = now_secs + offset;
  std::int64_t day = local_secs / 86'400;
  if (local_secs % 86'400 < 0) --day; // floor, for times before 1970
  std::int64_t four_am = day * 86'400 + 4 * 3'600 - offset;
  return four_am > now_secs ? four_am - 86'400 : four_am;
}

result<void> create_collection(sqlite3* db, std::int64_t now_ms) {
  const std::int64_t now_secs = now_ms / 1000;
  if (auto r = sqlite_exec(db, schema18_ddl); !r) return r;

  auto col = sqlite_stmt::prepare(
      db, "insert into col (id, crt, mod, scm, ver, dty, usn, ls, conf, models, decks, dconf, tags)"
          " values (1, ?, 0, ?, 18, 0, 0, 0, '', '', '', '', '')");
  if (!col) return std::unexpected(col.error());
  if (auto r = col->bind_all(creation_day_start(now_secs), now_ms); !r) return r;
  if (auto r = col->run(); !r) return r;

  for (auto [key, value] : default_config)
    if (auto r = insert_config(db, key, value, 0, 0); !r) return r;

  // Upstream's upgrade to schema 15 runs ANALYZE at this point (col and
  // config filled, everything else empty); sqlite_stat1 then looks the same.
  if (auto r = sqlite_exec(db, "analyze"); !r) return r;

  if (auto r = insert_default_objects(db, now_ms); !r) return r;

  // Upstream points curModel at the first stock notetype (Basic, the
  // lowest id) with the client-side usn -1 and the current time, even on
  // a server. The sanity check does not look at config, and the first
  // applyChanges the server answers resets config usns to 0.
  auto basic = sqlite_stmt::prepare(db, "select min(id) from notetypes");
  if (!basic) return std::unexpected(basic.error());
  auto row = basic->step();
  if (!row) return std::unexpected(row.error());
  if (!*row || basic->optional_text(0) == std::nullopt)
    return fail(storage_errc::invalid, "new collection: no stock notetypes were written");
  return insert_config(db, "curModel", std::to_string(basic->int64(0)), -1, now_secs);
}

} // namespace ankisync::storage
