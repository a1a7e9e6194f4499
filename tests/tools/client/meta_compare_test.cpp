#include <catch2/catch.hpp>

#include "tools/client/meta_compare.hpp"

using namespace ankisync;
using namespace ankisync::client;

namespace {

protocol::meta_response remote(std::int64_t mod, std::int64_t scm, bool empty = false) {
  protocol::meta_response r;
  r.mod = mod;
  r.scm = scm;
  r.usn = 7;
  r.ts = 1'700'000'000;
  r.empty = empty;
  return r;
}

local_meta local(std::int64_t mod, std::int64_t scm, bool empty = false) {
  return local_meta{mod, scm, 3, 1'700'000'000, empty};
}

} // namespace

TEST_CASE("equal mod means no changes, whatever the schemas") {
  auto d = compare_meta(local(5, 1), remote(5, 2));
  REQUIRE(d.has_value());
  CHECK(d->required == sync_required::no_changes);
}

TEST_CASE("two new collections (mod 0 on both sides) have no changes") {
  auto d = compare_meta(local(0, 111), remote(0, 222, true));
  REQUIRE(d.has_value());
  CHECK(d->required == sync_required::no_changes);
}

TEST_CASE("different schemas need a full sync, an empty side may not overwrite cards") {
  auto both = compare_meta(local(5, 1), remote(6, 2));
  REQUIRE(both.has_value());
  CHECK(both->required == sync_required::full_sync);
  CHECK(both->full == full_sync_choice{true, true});

  auto server_empty = compare_meta(local(5, 1), remote(6, 2, true));
  CHECK(server_empty->full == full_sync_choice{true, false});
  auto local_empty = compare_meta(local(5, 1, true), remote(6, 2));
  CHECK(local_empty->full == full_sync_choice{false, true});
  auto both_empty = compare_meta(local(5, 1, true), remote(6, 2, true));
  CHECK(both_empty->full == full_sync_choice{true, true});
}

TEST_CASE("same schema, different mod: a normal sync with lnewer, minUsn and the server usn") {
  auto newer = compare_meta(local(9, 1), remote(6, 1));
  REQUIRE(newer.has_value());
  CHECK(newer->required == sync_required::normal_sync);
  CHECK(newer->local_is_newer);
  CHECK(newer->usn_at_last_sync == 3);
  CHECK(newer->server_usn == 7);
  auto older = compare_meta(local(4, 1), remote(6, 1));
  CHECK_FALSE(older->local_is_newer);
}

TEST_CASE("cont false and a clock more than 300 s off stop the sync before anything else") {
  auto stop = remote(6, 1);
  stop.cont = false;
  stop.msg = "upgrade";
  auto d = compare_meta(local(5, 1), stop);
  REQUIRE_FALSE(d.has_value());
  CHECK(d.error().kind == sync_failure_kind::server_stop);
  CHECK(d.error().message == "upgrade");

  auto late = remote(5, 1);
  late.ts += 301;
  auto skew = compare_meta(local(5, 1), late);
  REQUIRE_FALSE(skew.has_value());
  CHECK(skew.error().kind == sync_failure_kind::clock_off);
  late.ts -= 1;
  CHECK(compare_meta(local(5, 1), late).has_value());
}
