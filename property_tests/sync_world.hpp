#pragma once

// Runs a sync_program against the real server binary: one server and one
// user per run, 2-4 simulated devices that start from the server's fresh
// collection and share one clock that only moves on `tick` steps (so edits
// on different devices often carry equal mtimes, in seconds).
//
// Properties checked (the first that fails ends the run):
// - after every dropped sync, the server's committed file is what it was
//   before the sync began (a dropped `finish` reply: exactly one sync's
//   worth later, usn + 1): no half-applied session;
// - after a final round of syncs with no edits (each device syncs until a
//   whole pass needs no full sync, at least twice), every device holds the
//   server's rows in every table, per-device columns aside
//   (tests/integration/collection_file.cpp; once a finish reply was lost,
//   or a device's start waited for another's session, also revlog.usn:
//   see differences() in the .cpp);
// - every review made on a device is on the server at the end, unless the
//   user discarded it: a full download on that device before it went up,
//   or a full upload from a device without it after it went up;
// - every device then holds the same media files as the server (each
//   collection sync is followed by a media sync, as the official client
//   does).

#include <optional>
#include <string>

#include "property_tests/sync_program.hpp"

namespace ankisync::property {

// What went wrong, with the trace of the run; nothing when every property
// held.
std::optional<std::string> run_program(const program& p);

} // namespace ankisync::property
