// Closing users' actors while their requests arrive: the gateway keeps
// each user's actor handle, and a close must reach an actor only behind
// every request already sent to it, while a user's next requests wait for
// the successor. Driven hard: one resident user at most, so every switch
// between two users closes the other's actor, and an idle time of 1 ms.

#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/collection_file.hpp"
#include "tests/integration/server_process.hpp"
#include "tools/client/device.hpp"

using namespace ankisync;
using namespace ankisync::integration;
namespace fs = std::filesystem;

namespace {

struct user_device {
  std::string name;
  client::device device;
  std::vector<std::int64_t> notes;
};

user_device uploaded_device(server_process& server, const fs::path& folder, const std::string& name,
                            const std::string& password) {
  auto d = client::device::create(folder / name);
  REQUIRE(d.has_value());
  auto c = server.sync_client();
  REQUIRE(d->login(c, name, password).has_value());
  user_device u{name, std::move(*d), {}};
  for (int i = 0; i < 5; ++i) {
    auto n = u.device.add_note({"front " + name + std::to_string(i), "back"}, {});
    REQUIRE(n.has_value());
    u.notes.push_back(n->note_id);
  }
  REQUIRE(u.device.full_upload(c).has_value());
  return u;
}

} // namespace

TEST_CASE("users whose actors are closed between and during their syncs lose no sync and no edit",
          "[eviction]") {
  server_process server(server_options{{{"SYNC_USER1", "ann:pw1"}, {"SYNC_USER2", "bob:pw2"}},
                                       {"--set", "users.max_resident=1", "--idle-eviction-ms", "1"}});
  temp_folder devices;
  std::vector<user_device> users;
  users.push_back(uploaded_device(server, devices.path(), "ann", "pw1"));
  users.push_back(uploaded_device(server, devices.path(), "bob", "pw2"));

  constexpr int rounds = 40;
  std::atomic<int> failures{0};
  std::vector<std::string> errors(users.size());
  std::vector<std::thread> threads;
  for (std::size_t u = 0; u < users.size(); ++u)
    threads.emplace_back([&, u] {
      auto& user = users[u];
      auto c = server.sync_client();
      for (int round = 0; round < rounds; ++round) {
        const auto note = user.notes[static_cast<std::size_t>(round) % user.notes.size()];
        if (!user.device.edit_note(
                note, std::vector<std::string>{"edit " + std::to_string(round), user.name})) {
          ++failures;
          errors[u] = "edit failed";
          return;
        }
        auto r = user.device.sync(c);
        if (!r || r->kind != client::sync_outcome_kind::normal_sync_done) {
          ++failures;
          errors[u] = client::describe(r);
          return;
        }
        // A pause longer than the idle time: the actor may close between syncs.
        std::this_thread::sleep_for(std::chrono::milliseconds(round % 3 == 0 ? 60 : 0));
      }
    });
  for (auto& t : threads)
    t.join();
  INFO(errors[0] << " | " << errors[1]);
  CHECK(failures == 0);

  // Each user's server collection holds exactly what its device holds.
  REQUIRE(server.stop().clean());
  for (auto& user : users) {
    INFO(user.name);
    CHECK(differences(server.data_dir() / user.name / "collection.anki2", user.device.file(),
                      {"usn"})
              .empty());
  }
  // No actor stopped abnormally and no request was lost inside the server.
  CHECK(server.stderr_text().find("error") == std::string::npos);
}
