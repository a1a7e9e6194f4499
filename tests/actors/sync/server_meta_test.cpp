#include "tests/actors/sync/sync_test_support.hpp"

#include "protocol/meta.hpp"

using namespace ankisync;
using namespace ankisync::actors::sync;
using namespace ankisync::actors::sync::test;

namespace {

protocol::meta_request request(int v) { return protocol::meta_request{v, "anki,25.02 (abc1234),linux"}; }

committed_state state_of(server& s) {
  auto st = read_committed_state(s.c());
  REQUIRE(st);
  return *st;
}

protocol::meta_response meta(const protocol::meta_request& req, const committed_state& st,
                             std::int32_t media_usn = 0, meta_limits limits = {},
                             std::int64_t now = now_ms) {
  auto reply = ok(server_meta(req, st, media_usn, limits, now));
  auto r = protocol::decode_meta_response(reply);
  if (!r)
    FAIL("bad meta reply " << reply);
  return *r;
}

} // namespace

TEST_CASE("meta refuses sync versions outside 8 to 11 as a client too old") {
  server s;
  auto st = state_of(s);
  for (int v : {0, 7, 12, 255, -1}) {
    INFO("v = " << v);
    auto r = server_meta(request(v), st, 0, {}, now_ms);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == protocol::error_code::client_too_old);
  }
  for (int v : {9, 10, 11})
    CHECK(server_meta(request(v), st, 0, {}, now_ms));
}

TEST_CASE("meta of a new collection reports its committed state, the clock and the media usn") {
  server s;
  auto st = state_of(s);
  CHECK(st.mod == 0);
  CHECK(st.usn == 0);
  CHECK(st.scm == created_ms);
  CHECK(st.empty);
  CHECK(st.sched_ver == 2);
  CHECK_FALSE(st.has_creation_offset); // stored as JSON null
  CHECK(st.file_size > 0);

  auto r = meta(request(11), st, 42);
  CHECK(r.mod == 0);
  CHECK(r.scm == created_ms);
  CHECK(r.usn == 0);
  CHECK(r.ts == now_ms / 1000);
  CHECK(r.msg.empty());
  CHECK(r.cont);
  CHECK(r.host_num == 0);
  CHECK(r.empty);
  CHECK(r.media_usn == 42);
}

TEST_CASE("meta writes media_usn in snake case and every other key") {
  server s;
  auto reply = ok(server_meta(request(11), state_of(s), 7, {}, now_ms));
  auto o = boost::json::parse(reply).as_object();
  for (const char* key : {"mod", "scm", "usn", "ts", "msg", "cont", "hostNum", "empty"})
    CHECK(o.contains(key));
  REQUIRE(o.contains("media_usn"));
  CHECK(o.at("media_usn").as_int64() == 7);
  CHECK(o.at("empty").is_bool());
  CHECK(o.at("cont").is_bool());
}

TEST_CASE("meta reports a collection with a card as not empty") {
  server s;
  REQUIRE(s.c().put_card(card_row(1, 0)));
  CHECK_FALSE(state_of(s).empty);
  CHECK_FALSE(meta(request(11), state_of(s)).empty);
}

TEST_CASE("meta answers an oversize collection file with a fresh scm on every call") {
  server s;
  auto st = state_of(s);
  meta_limits small{st.file_size - 1};
  CHECK(meta(request(11), st, 0, small, now_ms).scm == now_ms);
  CHECK(meta(request(11), st, 0, small, now_ms + 5).scm == now_ms + 5);
  // At the limit exactly, the file is not oversize.
  meta_limits exact{st.file_size};
  CHECK(meta(request(11), st, 0, exact).scm == created_ms);
  // The default limit is 300 MiB.
  CHECK(meta_limits{}.max_collection_bytes == 300ull << 20);
}

TEST_CASE("meta tells a v8 client to stop when the collection uses the v2 scheduler") {
  server s;
  auto st = state_of(s); // a new collection has schedVer 2
  auto r = meta(request(8), st);
  CHECK_FALSE(r.cont);
  CHECK(r.msg == "Your client does not support the v2 scheduler");
  // The rest of the reply is still filled in.
  CHECK(r.scm == created_ms);
  CHECK(r.ts == now_ms / 1000);

  CHECK(meta(request(9), st).cont);
  st.sched_ver = 1;
  CHECK(meta(request(8), st).cont);
}

TEST_CASE("meta tells a client older than v10 to stop when the collection has a creation offset") {
  server s;
  REQUIRE(s.c().set_config(storage::config_entry{"creationOffset", 0, 0, "-120"}));
  auto st = state_of(s);
  CHECK(st.has_creation_offset);
  auto r = meta(request(9), st);
  CHECK_FALSE(r.cont);
  CHECK(r.msg == "Your client does not support the new timezone handling.");
  CHECK(meta(request(10), st).cont);
  // v8 hears about the scheduler first.
  CHECK(meta(request(8), st).msg == "Your client does not support the v2 scheduler");
}

TEST_CASE("meta's committed state ignores the writes of a session in progress") {
  server s;
  auto before = state_of(s);
  s.start(0, false);
  REQUIRE(s.c().put_card(card_row(1, 0)));
  REQUIRE(s.c().set_mod(now_ms));
  // The actor reads its cached state, taken from the last commit; a second
  // connection sees the same.
  auto reader = open_collection(s.file);
  auto st = read_committed_state(reader);
  REQUIRE(st);
  CHECK(st->mod == before.mod);
  CHECK(st->empty);
}
