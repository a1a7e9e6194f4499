// Schema 11 -> 18 -> 11: a notetype, deck or deck options object that a
// client sends (schema-11 JSON) and the server stores (schema-18 row) comes
// back out with every key it had, at every level clients nest unknown keys
// (notetype fields and templates; deck options' new/rev/lapse), and the
// keys ankisync does not know with their values unchanged.

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <string>

#include "property_tests/json_gen.hpp"
#include "property_tests/property_check.hpp"
#include "storage/deck_config_defaults.hpp"
#include "storage/schema11_deck.hpp"
#include "storage/schema11_deck_config.hpp"
#include "storage/schema11_notetype.hpp"
#include "storage/stock_notetypes.hpp"

using namespace ankisync;
using namespace ankisync::property;
namespace gen = rc::gen;
namespace json = boost::json;

namespace {

constexpr int ci_cases = 300;

// Keys no version of Anki writes, so they can only land in "other".
rc::Gen<json::object> unknown_keys() {
  return gen::map(gen::resize(6, json_object()), [](const json::object& o) {
    json::object out;
    for (const auto& kv : o)
      out["x-" + std::string(kv.key())] = kv.value();
    return out;
  });
}

void add_unknown(json::object& into) {
  for (const auto& kv : *unknown_keys())
    into[kv.key()] = kv.value();
}

// Every key of `in` is in `out`, recursively through objects and through
// arrays of objects; keys starting "x-" keep their value.
void require_keys_kept(const json::object& in, const json::object& out, const std::string& path) {
  for (const auto& kv : in) {
    const std::string key(kv.key());
    const auto* found = out.if_contains(kv.key());
    if (found == nullptr)
      RC_FAIL(path + "." + key + " was lost");
    if (key.starts_with("x-")) {
      RC_ASSERT(*found == kv.value());
      continue;
    }
    if (kv.value().is_object() && found->is_object())
      require_keys_kept(kv.value().get_object(), found->get_object(), path + "." + key);
    if (kv.value().is_array() && found->is_array()) {
      const auto& a = kv.value().get_array();
      const auto& b = found->get_array();
      RC_ASSERT(a.size() == b.size());
      for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].is_object() && b[i].is_object())
          require_keys_kept(a[i].get_object(), b[i].get_object(),
                            path + "." + key + "[" + std::to_string(i) + "]");
    }
  }
}

storage::deck_row some_deck(bool filtered) {
  storage::deck_row d;
  d.id = 1'700'000'000'000;
  d.name = std::string("Parent") + '\x1f' + "Child";
  d.mtime_secs = 1'700'000'000;
  d.usn = 3;
  if (filtered)
    d.kind.mutable_filtered()->set_reschedule(true);
  else
    d.kind.mutable_normal()->set_config_id(1);
  return d;
}

} // namespace

TEST_CASE("schema 11 round trips: notetypes keep every key") {
  const auto stock = storage::stock_notetypes();
  check_property("notetype with unknown keys at every level", ci_cases, [&] {
    const auto& nt = stock[*gen::inRange<std::size_t>(0, stock.size())];
    auto in = storage::notetype_to_schema11(nt);
    add_unknown(in);
    for (auto& f : in["flds"].as_array())
      add_unknown(f.as_object());
    for (auto& t : in["tmpls"].as_array())
      add_unknown(t.as_object());
    auto row = storage::notetype_from_schema11_text(json::serialize(in));
    RC_ASSERT(row.has_value());
    const auto out = json::parse(storage::notetype_to_schema11_text(*row)).as_object();
    require_keys_kept(in, out, "notetype");
  });
}

TEST_CASE("schema 11 round trips: decks keep every key") {
  check_property("normal or filtered deck with unknown keys", ci_cases, [] {
    auto in = storage::deck_to_schema11(some_deck(*gen::arbitrary<bool>()));
    add_unknown(in);
    auto row = storage::deck_from_schema11_text(json::serialize(in));
    RC_ASSERT(row.has_value());
    const auto out = json::parse(storage::deck_to_schema11_text(*row)).as_object();
    require_keys_kept(in, out, "deck");
  });
}

TEST_CASE("schema 11 round trips: deck options keep every key") {
  check_property("deck options with unknown keys in new, rev and lapse", ci_cases, [] {
    storage::deck_config_row conf;
    conf.id = 1;
    conf.name = *utf8_text();
    conf.mtime_secs = 1'700'000'000;
    conf.config = storage::default_deck_config();
    auto in = storage::deck_config_to_schema11(conf);
    add_unknown(in);
    for (const char* part : {"new", "rev", "lapse"})
      add_unknown(in[part].as_object());
    auto row = storage::deck_config_from_schema11_text(json::serialize(in));
    RC_ASSERT(row.has_value());
    const auto out = json::parse(storage::deck_config_to_schema11_text(*row)).as_object();
    require_keys_kept(in, out, "deck options");
  });
}
