#include "storage/default_objects.hpp"

#include "storage/deck_config_defaults.hpp"
#include "storage/deck_config_table.hpp"
#include "storage/decks_table.hpp"
#include "storage/notetypes_table.hpp"
#include "storage/sqlite_savepoint.hpp"
#include "storage/stock_notetypes.hpp"

namespace ankisync::storage {

result<void> insert_default_objects(sqlite3* db, std::int64_t now_ms) {
  auto sp = sqlite_savepoint::begin(db);
  if (!sp) return std::unexpected(sp.error());

  // Upstream names the default deck with the deck-config "Default" string.
  deck_config_row conf;
  conf.id = 1;
  conf.name = "Default";
  conf.config = default_deck_config();
  if (auto r = put_deck_config(db, conf); !r) return r;

  deck_row deck;
  deck.id = 1;
  deck.name = "Default";
  deck.common.set_study_collapsed(true);
  deck.common.set_browser_collapsed(true);
  deck.kind.mutable_normal()->set_config_id(1);
  if (auto r = put_deck(db, deck); !r) return r;

  // Upstream ids each notetype by the clock at insertion, bumping to
  // max(id)+1 on a clash; within one creation that is now, now+1, ...
  std::int64_t id = now_ms;
  for (auto& nt : stock_notetypes()) {
    nt.id = id++;
    if (auto r = put_notetype(db, nt); !r) return r;
  }
  return sp->release();
}

} // namespace ankisync::storage
