#pragma once

// Recorded sync sessions made with the reference client, for the
// recording tests and for the fixtures under tests/fixtures/recordings/
// (regenerated with: integration_tests "[.fixtures]").

#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/wait.h>

#include "tests/integration/sync_support.hpp"
#include "tests/integration/test_support.hpp"

namespace ankisync::integration {

inline client::sync_client connect_as(const server_process& server, bool legacy) {
  client::sync_client_options o;
  o.legacy = legacy;
  if (legacy)
    o.client_version = "ankisync-client,0.1.0,linux legacy";
  return client::sync_client("127.0.0.1", server.port(), o);
}

// POST /admin/record?user=..&on=..; the answer's JSON.
inline std::string set_recording(server_process& server, const std::string& user, bool on) {
  auto admin = server.admin_http();
  auto r = admin.send(
      post("/admin/record?user=" + user + "&on=" + (on ? "1" : "0"), "", admin_auth()));
  REQUIRE(r.has_value());
  INFO(r->body);
  REQUIRE(r->status == 200);
  return r->body;
}

// Every .ankirec under `folder`, sorted.
inline std::vector<std::filesystem::path> recordings_in(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  if (!std::filesystem::exists(folder, ec))
    return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(folder))
    if (e.path().extension() == ".ankirec")
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

inline void synced(client::device& d, client::sync_client& c) {
  auto r = d.sync(c);
  INFO(d.file().parent_path().filename().string() << ": " << text(r));
  REQUIRE(is(r, client::sync_outcome_kind::normal_sync_done));
}

// Two devices on one envelope: notes, a review, a deck, edits, a deletion.
inline void two_device_session(sync_fixture& fx, bool legacy) {
  auto c1 = connect_as(fx.server(), legacy);
  auto c2 = connect_as(fx.server(), legacy);
  auto a = fx.seeded_device("a");
  auto b = fx.seeded_device("b");
  REQUIRE(a.login(c1, sync_user, sync_password).has_value());
  auto n1 = a.add_note({"front one", "back one"}, {"tagged"});
  REQUIRE(n1.has_value());
  auto n2 = a.add_note({"front two"});
  REQUIRE(n2.has_value());
  REQUIRE(a.review_card(n1->card_ids.at(0)).has_value());
  auto deck = a.add_deck("Recorded");
  REQUIRE(deck.has_value());
  synced(a, c1);
  synced(b, c2);
  REQUIRE(b.edit_note(n1->note_id, std::vector<std::string>{"edited", "back"}).has_value());
  REQUIRE(b.delete_note(n2->note_id).has_value());
  REQUIRE(b.move_card(n1->card_ids.at(0), *deck).has_value());
  synced(b, c2);
  synced(a, c1);
}

// A full upload from a device with its own collection, a full download
// by another, and a normal sync after it.
inline void full_sync_session(sync_fixture& fx) {
  auto c1 = connect_as(fx.server(), false);
  auto c2 = connect_as(fx.server(), false);
  auto a = fx.fresh_device("a");
  REQUIRE(a.login(c1, sync_user, sync_password).has_value());
  REQUIRE(a.add_note({"uploaded"}).has_value());
  auto up = a.full_upload(c1);
  INFO((up ? std::string("ok") : up.error().message));
  REQUIRE(up.has_value());
  auto b = fx.fresh_device("b");
  auto down = b.full_download(c2);
  INFO((down ? std::string("ok") : down.error().message));
  REQUIRE(down.has_value());
  REQUIRE(b.add_note({"after the download"}).has_value());
  synced(b, c2);
  synced(a, c1);
}

struct program_result {
  int code = -1;
  std::string output; // stdout and stderr
};

// Runs a command line to completion through the shell.
inline program_result run_program(const std::string& command) {
  program_result out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
    out.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  out.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

inline program_result replay(const std::filesystem::path& recording,
                             const std::string& extra = {}) {
  return run_program(std::string("'") + ANKISYNC_REPLAY_BINARY + "' '" + recording.string() +
                     "' --server '" + binary_path() + "' " + extra);
}

} // namespace ankisync::integration
