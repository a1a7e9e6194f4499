#include "property_tests/sync_program.hpp"

#include <ostream>
#include <sstream>
#include <tuple>

namespace ankisync::property {
namespace {

using protocol::sync_method;

// The calls of a normal sync, where a connection can drop.
const std::vector<sync_method>& droppable_methods() {
  static const std::vector<sync_method> methods = {
      sync_method::meta,          sync_method::start, sync_method::apply_graves,
      sync_method::apply_changes, sync_method::chunk, sync_method::apply_chunk,
      sync_method::sanity_check,  sync_method::finish};
  return methods;
}

// Raw draws, turned into a step with only the fields its kind reads, so a
// printed program shows nothing that does not matter.
using raw_step = std::tuple<step_kind, int, int, int, int, int, bool, int, bool>;

step make_step(const raw_step& raw) {
  const auto& [kind, device, pick, arg, choice, method, after, occurrence, crash] = raw;
  step s;
  s.kind = kind;
  s.device = device;
  switch (kind) {
  case step_kind::add_note:
    s.arg = arg % 3;
    s.pick = pick;
    break;
  case step_kind::edit_note:
  case step_kind::move_card:
    s.pick = pick;
    s.arg = arg;
    break;
  case step_kind::delete_note:
  case step_kind::rename_deck:
    s.pick = pick;
    break;
  case step_kind::review:
    s.pick = pick;
    s.arg = arg % 4;
    break;
  case step_kind::set_config:
    s.arg = arg % static_cast<int>(program_config_keys().size());
    s.pick = pick;
    break;
  case step_kind::add_tag:
    s.arg = arg % static_cast<int>(program_tags().size());
    break;
  case step_kind::delete_notetype:
    s.arg = arg % 3;
    break;
  case step_kind::add_media:
    s.arg = arg % static_cast<int>(program_media_names().size());
    s.pick = pick % 3;
    break;
  case step_kind::remove_media:
    s.arg = arg % static_cast<int>(program_media_names().size());
    break;
  case step_kind::tick:
    s.device = 0;
    s.arg = arg % 3;
    break;
  case step_kind::add_deck:
    break;
  case step_kind::sync:
    s.choice = static_cast<full_choice>(choice);
    break;
  case step_kind::aborted_sync:
    s.drop.method = droppable_methods()[method % droppable_methods().size()];
    s.drop.point = after ? client::drop_point::after_reply : client::drop_point::before_request;
    s.drop.occurrence = 1 + occurrence;
    break;
  case step_kind::overlapping_sync:
    s.pick = pick;
    s.arg = method % static_cast<int>(overlap_points().size());
    break;
  case step_kind::restart_server:
    s.device = 0;
    s.crash = crash;
    break;
  }
  return s;
}

} // namespace

const std::vector<sync_method>& overlap_points() {
  // Calls every normal sync makes (applyGraves goes out only with graves).
  static const std::vector<sync_method> methods = {sync_method::start, sync_method::apply_changes,
                                                   sync_method::chunk, sync_method::apply_chunk,
                                                   sync_method::sanity_check};
  return methods;
}

int overlap_partner(const step& s, int devices) {
  return (s.device + 1 + s.pick % (devices - 1)) % devices;
}

const std::vector<std::string>& program_notetypes() {
  static const std::vector<std::string> names = {"Basic", "Basic (and reversed card)", "Cloze"};
  return names;
}

const std::vector<std::string>& program_config_keys() {
  static const std::vector<std::string> keys = {"curDeck", "collapseTime", "sortType",
                                                "propertyTestKey"};
  return keys;
}

const std::vector<std::string>& program_media_names() {
  // "\xc3\xbc" is a precomposed u-umlaut: NFC, as clients send names.
  static const std::vector<std::string> names = {"a.jpg", "b.mp3", "c d.png", "\xc3\xbc.gif"};
  return names;
}

const std::vector<std::string>& program_tags() {
  static const std::vector<std::string> tags = {"alpha", "beta", "parent::child", "Gamma"};
  return tags;
}

std::string describe(const step& s) {
  std::ostringstream out;
  const std::string dev = "d" + std::to_string(s.device) + " ";
  switch (s.kind) {
  case step_kind::add_note:
    out << dev << "add_note " << program_notetypes()[s.arg] << " in deck#" << s.pick;
    break;
  case step_kind::edit_note:
    out << dev << "edit_note note#" << s.pick << " text " << s.arg;
    break;
  case step_kind::delete_note:
    out << dev << "delete_note note#" << s.pick;
    break;
  case step_kind::review:
    out << dev << "review card#" << s.pick << " ease " << s.arg + 1;
    break;
  case step_kind::move_card:
    out << dev << "move_card card#" << s.pick << " to deck#" << s.arg;
    break;
  case step_kind::add_deck:
    out << dev << "add_deck";
    break;
  case step_kind::rename_deck:
    out << dev << "rename_deck deck#" << s.pick;
    break;
  case step_kind::set_config:
    out << dev << "set_config " << program_config_keys()[s.arg] << " = " << s.pick;
    break;
  case step_kind::add_tag:
    out << dev << "add_tag " << program_tags()[s.arg];
    break;
  case step_kind::delete_notetype:
    out << dev << "delete_notetype " << program_notetypes()[s.arg];
    break;
  case step_kind::add_media:
    out << dev << "add_media " << program_media_names()[s.arg] << " content " << s.pick;
    break;
  case step_kind::remove_media:
    out << dev << "remove_media " << program_media_names()[s.arg];
    break;
  case step_kind::tick:
    out << "clock +" << s.arg + 1 << " s";
    break;
  case step_kind::sync:
    out << dev << "sync";
    if (s.choice == full_choice::upload)
      out << " (full: upload)";
    else if (s.choice == full_choice::download)
      out << " (full: download)";
    break;
  case step_kind::aborted_sync:
    out << dev << "sync dropped "
        << (s.drop.point == client::drop_point::after_reply ? "after the reply to " : "before ")
        << protocol::to_string(s.drop.method) << " #" << s.drop.occurrence;
    break;
  case step_kind::overlapping_sync:
    out << dev << "sync, another device (pick " << s.pick << ") syncing too from the reply to "
        << protocol::to_string(overlap_points()[static_cast<std::size_t>(s.arg)]);
    break;
  case step_kind::restart_server:
    out << "server restart" << (s.crash ? " (kill -9)" : "");
    break;
  }
  return out.str();
}

rc::Gen<program> program_gen() {
  using namespace rc;
  const auto kind = gen::weightedElement<step_kind>({
      {12, step_kind::add_note},
      {8, step_kind::edit_note},
      {3, step_kind::delete_note},
      {10, step_kind::review},
      {4, step_kind::move_card},
      {3, step_kind::add_deck},
      {3, step_kind::rename_deck},
      {3, step_kind::set_config},
      {2, step_kind::add_tag},
      {1, step_kind::delete_notetype},
      {4, step_kind::add_media},
      {2, step_kind::remove_media},
      {6, step_kind::tick},
      {18, step_kind::sync},
      {6, step_kind::aborted_sync},
      {4, step_kind::overlapping_sync},
      {2, step_kind::restart_server},
  });
  const auto raw =
      gen::tuple(kind, gen::inRange(0, 4), gen::inRange(0, 8), gen::inRange(0, 12),
                 gen::weightedElement<int>({{8, 0}, {1, 1}, {1, 2}}), gen::inRange(0, 8),
                 gen::arbitrary<bool>(), gen::inRange(0, 2), gen::arbitrary<bool>());
  const auto steps = gen::scale(0.6, gen::container<std::vector<raw_step>>(raw));
  return gen::map(gen::pair(gen::element(2, 3, 4), steps), [](const auto& drawn) {
    program p;
    p.devices = drawn.first;
    for (const auto& r : drawn.second) {
      auto s = make_step(r);
      s.device %= p.devices;
      p.steps.push_back(s);
    }
    return p;
  });
}

void showValue(const step& s, std::ostream& os) { os << describe(s); }

void showValue(const program& p, std::ostream& os) {
  os << p.devices << " devices, " << p.steps.size() << " steps:\n";
  for (std::size_t i = 0; i < p.steps.size(); ++i)
    os << "  " << i << ": " << describe(p.steps[i]) << "\n";
}

} // namespace ankisync::property
