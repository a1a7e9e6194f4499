// Random programs over 2-4 devices of one user against the real server:
// edits (media files too), syncs (full ones as the user chooses, each
// followed by a media sync), dropped connections and server restarts; then
// a final round of syncs. sync_world.hpp lists the
// properties. Programs that once failed are kept below as fixed cases.

#include <catch2/catch.hpp>

#include <iostream>

#include "property_tests/property_check.hpp"
#include "property_tests/sync_program.hpp"
#include "property_tests/sync_world.hpp"

using namespace ankisync::property;

namespace {

// About 45 s on two cores (sizes grow to 60 steps); ANKISYNC_PROPERTY_CASES
// raises it for soaks.
constexpr int ci_cases = 100;

step edit(step_kind kind, int device, int pick = 0, int arg = 0) {
  step s;
  s.kind = kind;
  s.device = device;
  s.pick = pick;
  s.arg = arg;
  return s;
}
step sync(int device) { return edit(step_kind::sync, device); }
step dropped(int device, ankisync::protocol::sync_method method,
             ankisync::client::drop_point point) {
  step s = edit(step_kind::aborted_sync, device);
  s.drop.method = method;
  s.drop.point = point;
  return s;
}

void require_holds(const program& p) {
  auto failure = run_program(p);
  INFO(failure.value_or(""));
  CHECK_FALSE(failure);
}

} // namespace

TEST_CASE("sync programs: devices converge, keep their reviews and never see a half-applied sync") {
  check_property("sync programs over 2-4 devices", ci_cases, [] {
    const auto p = *program_gen();
    RC_TAG(p.devices);
    if (auto failure = run_program(p)) {
      // Shown once, before shrinking: should the shrunk program pass on
      // replay (a failure that depends on timing), this is all there is.
      static bool shown = false;
      if (!shown)
        std::cerr << "first failure, before shrinking:\n" << *failure << std::endl;
      shown = true;
      RC_FAIL(*failure);
    }
  });
}

// ---- programs that once failed ----

TEST_CASE("regression: a note edited on two devices within one second ends the same everywhere") {
  // Upstream's rule keeps each side's version on an equal mtime; the server
  // now takes the client's, and the first device picks it up.
  program p;
  p.devices = 2;
  p.steps = {
      edit(step_kind::add_note, 0),        sync(0), sync(1), edit(step_kind::edit_note, 0, 0, 1),
      edit(step_kind::edit_note, 1, 0, 2), sync(0), sync(1)};
  require_holds(p);
}

TEST_CASE(
    "regression: a card reviewed on three devices within one second ends the same everywhere") {
  program p;
  p.devices = 3;
  p.steps = {edit(step_kind::add_note, 0),
             sync(0),
             sync(1),
             sync(2),
             edit(step_kind::review, 0, 0, 0),
             edit(step_kind::review, 1, 0, 2),
             edit(step_kind::review, 2, 0, 3),
             sync(2),
             sync(0),
             sync(1)};
  require_holds(p);
}

TEST_CASE(
    "regression: a card reviewed on two devices in one second, around a sync that did nothing") {
  // Found by the property while the server still kept its own card on an
  // equal mtime (seed 18089551917560949331): each side kept its review.
  program p;
  p.devices = 2;
  step no_graves = dropped(0, ankisync::protocol::sync_method::apply_graves,
                           ankisync::client::drop_point::before_request);
  p.steps = {edit(step_kind::add_note, 1), sync(1), edit(step_kind::review, 1, 0, 0), no_graves,
             edit(step_kind::review, 0, 0, 0)};
  require_holds(p);
}

TEST_CASE("regression: a deck renamed on two devices in one second ends with one name everywhere") {
  // Upstream lets the incoming side win ties on both ends, so server and
  // client swapped names; the server now keeps the copy it sends back.
  program p;
  p.devices = 2;
  p.steps = {
      edit(step_kind::add_deck, 0),       sync(0), sync(1), edit(step_kind::rename_deck, 0, 1),
      edit(step_kind::rename_deck, 1, 1), sync(0), sync(1)};
  require_holds(p);
}

TEST_CASE("regression: a review sent again after a lost finish reply is kept once everywhere") {
  // Found by a soak with longer programs (max_size=300, seed
  // 5359242118664920978): the review is stored twice over with two usns,
  // each side keeping its first copy.
  program p;
  p.devices = 4;
  step download = sync(2);
  download.choice = full_choice::download;
  p.steps = {edit(step_kind::add_note, 0), sync(0), download, edit(step_kind::review, 2),
             dropped(2, ankisync::protocol::sync_method::finish,
                     ankisync::client::drop_point::after_reply)};
  require_holds(p);
}

TEST_CASE("media added, replaced and removed on different devices ends the same everywhere") {
  program p;
  p.devices = 3;
  // a.jpg and b.mp3 from d0; d1 replaces a.jpg and removes b.mp3; d2 adds
  // another name.
  p.steps = {edit(step_kind::add_media, 0, 0, 0), edit(step_kind::add_media, 0, 0, 1),
             sync(0),
             sync(1),
             edit(step_kind::add_media, 1, 1, 0),
             edit(step_kind::remove_media, 1, 0, 1),
             edit(step_kind::add_media, 2, 2, 3),
             sync(2),
             sync(1)};
  require_holds(p);
}

TEST_CASE("regression: a sync dropped at every call leaves the server as it was") {
  using ankisync::client::drop_point;
  using ankisync::protocol::sync_method;
  for (auto method : {sync_method::start, sync_method::apply_graves, sync_method::apply_changes,
                      sync_method::chunk, sync_method::apply_chunk, sync_method::sanity_check,
                      sync_method::finish}) {
    for (auto point : {drop_point::before_request, drop_point::after_reply}) {
      program p;
      p.devices = 2;
      p.steps = {edit(step_kind::add_note, 0),
                 edit(step_kind::review, 0),
                 sync(0),
                 edit(step_kind::delete_note, 0),
                 edit(step_kind::add_note, 0),
                 edit(step_kind::add_deck, 0),
                 dropped(0, method, point)};
      INFO(ankisync::protocol::to_string(method));
      require_holds(p);
    }
  }
}

TEST_CASE("two devices syncing at once converge whichever call the second joins at") {
  // d1's meta comes during d0's session and its start runs after d0's
  // finish: its rows must reach d0 at d0's next sync although d1 stamped
  // them with the usn its meta saw, below d0's next minUsn.
  for (int point = 0; point < static_cast<int>(overlap_points().size()); ++point) {
    program p;
    p.devices = 2;
    p.steps = {edit(step_kind::add_note, 0),
               sync(0),
               sync(1),
               edit(step_kind::add_note, 0),
               edit(step_kind::review, 0),
               edit(step_kind::add_note, 1),
               edit(step_kind::review, 1, 1),
               edit(step_kind::add_deck, 1),
               edit(step_kind::overlapping_sync, 0, 0, point)};
    INFO(ankisync::protocol::to_string(overlap_points()[static_cast<std::size_t>(point)]));
    require_holds(p);
  }
}
