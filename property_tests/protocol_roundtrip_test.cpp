// Every message of a collection sync decodes to what was encoded, for any
// values the wire types can hold (text: any valid UTF-8, control
// characters and the field separator included).

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <tuple>

#include "property_tests/json_gen.hpp"
#include "property_tests/property_check.hpp"
#include "protocol/changes.hpp"
#include "protocol/chunk.hpp"
#include "protocol/finish.hpp"
#include "protocol/graves.hpp"
#include "protocol/host_key.hpp"
#include "protocol/meta.hpp"
#include "protocol/sanity.hpp"

using namespace ankisync;
using namespace ankisync::property;
namespace gen = rc::gen;

namespace {

constexpr int ci_cases = 300;

auto fields(const protocol::revlog_entry& e) {
  return std::tie(e.id, e.cid, e.usn, e.ease, e.ivl, e.last_ivl, e.factor, e.time, e.type);
}
auto fields(const protocol::card_entry& e) {
  return std::tie(e.id, e.nid, e.did, e.ord, e.mod, e.usn, e.type, e.queue, e.due, e.ivl, e.factor,
                  e.reps, e.lapses, e.left, e.odue, e.odid, e.flags, e.data);
}
auto fields(const protocol::note_entry& e) {
  return std::tie(e.id, e.guid, e.mid, e.mod, e.usn, e.tags, e.flds, e.sfld, e.csum, e.flags,
                  e.data);
}
template <class T> bool same_rows(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (fields(a[i]) != fields(b[i]))
      return false;
  return true;
}
auto fields(const protocol::graves_entry& g) { return std::tie(g.cards, g.notes, g.decks); }
auto fields(const protocol::changes_entry& c) {
  return std::tie(c.models, c.decks, c.deck_configs, c.tags, c.conf, c.crt);
}

rc::Gen<std::vector<std::int64_t>> ids() {
  return gen::container<std::vector<std::int64_t>>(gen::arbitrary<std::int64_t>());
}

rc::Gen<protocol::graves_entry> graves_gen() {
  return gen::build<protocol::graves_entry>(gen::set(&protocol::graves_entry::cards, ids()),
                                            gen::set(&protocol::graves_entry::notes, ids()),
                                            gen::set(&protocol::graves_entry::decks, ids()));
}

rc::Gen<protocol::revlog_entry> revlog_gen() {
  using E = protocol::revlog_entry;
  return gen::build<E>(gen::set(&E::id), gen::set(&E::cid), gen::set(&E::usn), gen::set(&E::ease),
                       gen::set(&E::ivl), gen::set(&E::last_ivl), gen::set(&E::factor),
                       gen::set(&E::time), gen::set(&E::type, gen::inRange<std::uint8_t>(0, 6)));
}

rc::Gen<protocol::card_entry> card_gen() {
  using E = protocol::card_entry;
  return gen::build<E>(
      gen::set(&E::id), gen::set(&E::nid), gen::set(&E::did), gen::set(&E::ord), gen::set(&E::mod),
      gen::set(&E::usn), gen::set(&E::type, gen::inRange<std::uint8_t>(0, 4)),
      gen::set(&E::queue, gen::inRange<std::int8_t>(-3, 5)), gen::set(&E::due), gen::set(&E::ivl),
      gen::set(&E::factor), gen::set(&E::reps), gen::set(&E::lapses), gen::set(&E::left),
      gen::set(&E::odue), gen::set(&E::odid), gen::set(&E::flags), gen::set(&E::data, utf8_text()));
}

rc::Gen<protocol::note_entry> note_gen() {
  using E = protocol::note_entry;
  return gen::build<E>(gen::set(&E::id), gen::set(&E::guid, utf8_text()), gen::set(&E::mid),
                       gen::set(&E::mod), gen::set(&E::usn), gen::set(&E::tags, utf8_text()),
                       gen::set(&E::flds, utf8_text()), gen::set(&E::sfld, utf8_text()),
                       gen::set(&E::csum, utf8_text()), gen::set(&E::flags),
                       gen::set(&E::data, utf8_text()));
}

rc::Gen<protocol::chunk_entry> chunk_gen() {
  using E = protocol::chunk_entry;
  return gen::build<E>(
      gen::set(&E::done),
      gen::set(&E::revlog, gen::container<std::vector<protocol::revlog_entry>>(revlog_gen())),
      gen::set(&E::cards, gen::container<std::vector<protocol::card_entry>>(card_gen())),
      gen::set(&E::notes, gen::container<std::vector<protocol::note_entry>>(note_gen())));
}

rc::Gen<protocol::changes_entry> changes_gen() {
  using E = protocol::changes_entry;
  auto objects = gen::container<std::vector<std::string>>(json_object_text());
  auto conf = gen::map(json_object(), [](const boost::json::object& o) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& kv : o)
      out.emplace_back(std::string(kv.key()), storage::to_json_text(kv.value()));
    return out;
  });
  return gen::build<E>(gen::set(&E::models, objects), gen::set(&E::decks, objects),
                       gen::set(&E::deck_configs, objects),
                       gen::set(&E::tags, gen::container<std::vector<std::string>>(utf8_text())),
                       gen::set(&E::conf, optional_of(conf)),
                       gen::set(&E::crt, optional_of(gen::arbitrary<std::int64_t>())));
}

rc::Gen<protocol::sanity_counts_entry> counts_gen() {
  using E = protocol::sanity_counts_entry;
  return gen::build<E>(gen::set(&E::due_new), gen::set(&E::due_learn), gen::set(&E::due_review),
                       gen::set(&E::cards), gen::set(&E::notes), gen::set(&E::revlog),
                       gen::set(&E::graves), gen::set(&E::models), gen::set(&E::decks),
                       gen::set(&E::deck_config));
}

// decode(encode(x)) == x, and encoding that again gives the same text.
template <class T, class Encode, class Decode, class Same>
void round_trip(const T& value, Encode encode, Decode decode, Same same) {
  // The wire text says what the value was: RapidCheck cannot print these
  // structs.
  const auto text = encode(value);
  auto back = decode(text);
  if (!back)
    RC_FAIL("does not decode: " + text + "\n  error: " + back.error().message);
  if (!same(value, *back) || encode(*back) != text)
    RC_FAIL("changed in a round trip:\n  sent: " + text + "\n  back: " + encode(*back));
}

} // namespace

TEST_CASE("round trips: meta") {
  check_property("meta request and response", ci_cases, [] {
    protocol::meta_request req{*gen::arbitrary<int>(), *utf8_text()};
    round_trip(req, protocol::encode_meta_request, protocol::decode_meta_request,
               [](const auto& a, const auto& b) { return a.v == b.v && a.cv == b.cv; });
    protocol::meta_response res;
    res.mod = *gen::arbitrary<std::int64_t>();
    res.scm = *gen::arbitrary<std::int64_t>();
    res.usn = *gen::arbitrary<std::int32_t>();
    res.ts = *gen::arbitrary<std::int64_t>();
    res.msg = *utf8_text();
    res.cont = *gen::arbitrary<bool>();
    res.host_num = *gen::arbitrary<std::uint32_t>();
    res.empty = *gen::arbitrary<bool>();
    res.media_usn = *gen::arbitrary<std::int32_t>();
    round_trip(res, protocol::encode_meta_response, protocol::decode_meta_response,
               [](const auto& a, const auto& b) {
                 return std::tie(a.mod, a.scm, a.usn, a.ts, a.msg, a.cont, a.host_num, a.empty,
                                 a.media_usn) == std::tie(b.mod, b.scm, b.usn, b.ts, b.msg, b.cont,
                                                          b.host_num, b.empty, b.media_usn);
               });
  });
}

TEST_CASE("round trips: hostKey") {
  check_property("hostKey request and reply", ci_cases, [] {
    protocol::host_key_request req{*utf8_text(), *utf8_text()};
    round_trip(req, protocol::encode_host_key_request, protocol::decode_host_key_request,
               [](const auto& a, const auto& b) {
                 return a.username == b.username && a.password == b.password;
               });
    const auto key = *utf8_text();
    auto back = protocol::decode_host_key_response(protocol::encode_host_key_response(key));
    RC_ASSERT(back.has_value());
    RC_ASSERT(*back == key);
  });
}

TEST_CASE("round trips: start and graves") {
  check_property("start, its reply and applyGraves", ci_cases, [] {
    const auto same_graves = [](const auto& a, const auto& b) { return fields(a) == fields(b); };
    protocol::start_request req{*gen::arbitrary<std::int32_t>(), *gen::arbitrary<bool>(),
                                *optional_of(graves_gen())};
    round_trip(req, protocol::encode_start_request, protocol::decode_start_request,
               [&](const auto& a, const auto& b) {
                 return a.min_usn == b.min_usn && a.lnewer == b.lnewer &&
                        a.graves.has_value() == b.graves.has_value() &&
                        (!a.graves || same_graves(*a.graves, *b.graves));
               });
    round_trip(*graves_gen(), protocol::encode_start_response, protocol::decode_start_response,
               same_graves);
    protocol::apply_graves_request apply{*graves_gen()};
    round_trip(apply, protocol::encode_apply_graves_request, protocol::decode_apply_graves_request,
               [&](const auto& a, const auto& b) { return same_graves(a.chunk, b.chunk); });
  });
}

TEST_CASE("round trips: applyChanges") {
  check_property("changes, in a request and as a reply", ci_cases, [] {
    const auto changes = *changes_gen();
    const auto same = [](const auto& a, const auto& b) { return fields(a) == fields(b); };
    round_trip(changes, protocol::encode_changes_entry, protocol::decode_changes_entry, same);
    round_trip(protocol::apply_changes_request{changes}, protocol::encode_apply_changes_request,
               protocol::decode_apply_changes_request,
               [&](const auto& a, const auto& b) { return same(a.changes, b.changes); });
  });
}

TEST_CASE("round trips: chunk and applyChunk") {
  check_property("chunks of revlog, cards and notes", ci_cases, [] {
    const auto chunk = *chunk_gen();
    const auto same = [](const protocol::chunk_entry& a, const protocol::chunk_entry& b) {
      return a.done == b.done && same_rows(a.revlog, b.revlog) && same_rows(a.cards, b.cards) &&
             same_rows(a.notes, b.notes);
    };
    round_trip(chunk, protocol::encode_chunk_entry, protocol::decode_chunk_entry, same);
    round_trip(protocol::apply_chunk_request{chunk}, protocol::encode_apply_chunk_request,
               protocol::decode_apply_chunk_request,
               [&](const auto& a, const auto& b) { return same(a.chunk, b.chunk); });
  });
}

TEST_CASE("round trips: sanityCheck2 and finish") {
  check_property("sanity counts, the verdict and finish's mod", ci_cases, [] {
    protocol::sanity_request req{*counts_gen()};
    round_trip(req, protocol::encode_sanity_request, protocol::decode_sanity_request,
               [](const auto& a, const auto& b) { return a.client == b.client; });
    protocol::sanity_response res;
    res.status =
        *gen::arbitrary<bool>() ? protocol::sanity_status::ok : protocol::sanity_status::bad;
    res.client = *optional_of(counts_gen());
    res.server = *optional_of(counts_gen());
    round_trip(res, protocol::encode_sanity_response, protocol::decode_sanity_response,
               [](const auto& a, const auto& b) {
                 return a.status == b.status && a.client == b.client && a.server == b.server;
               });
    const auto mod = *gen::arbitrary<std::int64_t>();
    auto back = protocol::decode_finish_response(protocol::encode_finish_response(mod));
    RC_ASSERT(back.has_value());
    RC_ASSERT(*back == mod);
  });
}
