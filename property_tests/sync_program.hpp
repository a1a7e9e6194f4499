#pragma once

// What one user does with 2-4 devices and a sync server, as data: a list of
// steps that a RapidCheck generator makes and shrinks, and that prints as a
// readable program when a property fails.
//
// Steps name objects by position ("the 2nd note on device 1", taken modulo
// what the device holds when the step runs), so that every shrunk program
// still runs; a step whose device holds no such object does nothing.

#include <rapidcheck.h>

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "protocol/methods.hpp"
#include "tools/client/sync_channel.hpp"

namespace ankisync::property {

enum class step_kind {
  add_note,        // arg: notetype (0 Basic, 1 Basic and reversed, 2 Cloze); pick: deck
  edit_note,       // pick: note; arg: new text
  delete_note,     // pick: note
  review,          // pick: card; arg: ease - 1
  move_card,       // pick: card; arg: deck
  add_deck,        // a new deck with a name no other device uses
  rename_deck,     // pick: deck; a fresh unique name
  set_config,      // arg: key; pick: value
  add_tag,         // arg: tag
  delete_notetype, // arg: notetype, as for add_note; forces a full sync
  add_media,       // arg: file name; pick: content (adds or replaces)
  remove_media,    // arg: file name
  tick,            // the shared clock moves on by `arg` + 1 seconds
  sync,            // a normal sync (a full one if asked, chosen by `choice`), then media
  aborted_sync,    // a sync whose connection drops at `drop`
  // A sync of `device` during which another device (the `pick`-th after
  // it) syncs too: the other one begins once `device` has its reply to
  // overlap_points()[arg], and its start waits in the server for the
  // running session. Both then as `sync` (full syncs as the user would).
  overlapping_sync,
  restart_server,  // SIGTERM (or SIGKILL when `crash`) and start again
};

// What the user answers when a sync says a full sync is needed.
enum class full_choice {
  as_user,  // upload from the device whose schema changed, else download
  upload,   // keep this device's collection
  download, // take the server's
};

struct step {
  step_kind kind = step_kind::tick;
  int device = 0;
  int pick = 0;
  int arg = 0;
  full_choice choice = full_choice::as_user;
  client::sync_drop drop;
  bool crash = false;
};

struct program {
  int devices = 2;
  std::vector<step> steps;
};

// The notetypes add_note and delete_notetype choose from (stock names).
const std::vector<std::string>& program_notetypes();
// The config keys set_config writes.
const std::vector<std::string>& program_config_keys();
// The tags add_tag and edit_note use.
const std::vector<std::string>& program_tags();
// The media file names add_media and remove_media use (normalised).
const std::vector<std::string>& program_media_names();

// Where an overlapping_sync lets the other device begin: after the reply
// to one of these calls of the first device's sync.
const std::vector<protocol::sync_method>& overlap_points();
// The other device of an overlapping_sync in a program of `devices`.
int overlap_partner(const step& s, int devices);

// One step as a line: "d1 review card#3 ease 3", "server restart (kill)".
std::string describe(const step& s);

// Generators: programs over 2-4 devices, steps weighted towards edits and
// syncs; shrinking drops steps, devices and arguments.
rc::Gen<program> program_gen();

// RapidCheck prints counterexamples through these.
void showValue(const program& p, std::ostream& os);
void showValue(const step& s, std::ostream& os);

} // namespace ankisync::property
