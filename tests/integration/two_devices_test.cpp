// Two devices of one user syncing at the same moment (docs/sync.md, "Two
// devices at once"): the second device's start waits in the user's actor
// for the first one's session instead of replacing it, so both syncs
// succeed; a device that vanished mid-session holds the other back no
// longer than the stall bound; a full upload while a device waits makes
// that device start over instead of merging into the new collection.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "tests/integration/sync_support.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
using namespace std::chrono_literals;
using client::sync_outcome_kind;

namespace {

using clk = std::chrono::steady_clock;

template <class T>
T must(storage::result<T> r) {
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r.has_value());
  if constexpr (!std::is_void_v<T>)
    return std::move(*r);
}

// waiting_requests of the user's collection actor in /admin/actors; -1
// while the actor is not listed.
int waiting_requests(const server_process& server) {
  auto admin = server.admin_http();
  auto r = admin.send(get("/admin/actors", admin_auth()));
  if (!r || r->status != 200)
    return -1;
  const auto listing = parse_json(r->body);
  for (const auto& a : listing.at("actors").as_array()) {
    const auto& o = a.as_object();
    if (o.at("kind").as_string() == "collection" && o.at("user").as_string() == sync_user)
      return static_cast<int>(o.at("waiting_requests").to_number<std::int64_t>());
  }
  return -1;
}

// One unlabelled sample of /metrics; -1 when it is not there.
double metric(const server_process& server, const std::string& name) {
  auto admin = server.admin_http();
  auto r = admin.send(get("/metrics", admin_auth()));
  if (!r || r->status != 200)
    return -1;
  std::istringstream lines(r->body);
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with(name + " "))
      return std::stod(line.substr(name.size() + 1));
  return -1;
}

// Notes and cards made on either device; each device edits and reviews
// them once it has them (until then the edit finds nothing: skipped).
struct shared_objects {
  std::mutex mutex;
  std::vector<std::int64_t> notes, cards;

  void add(const client::added_note& n) {
    std::lock_guard lock(mutex);
    notes.push_back(n.note_id);
    cards.insert(cards.end(), n.card_ids.begin(), n.card_ids.end());
  }
  std::int64_t pick(const std::vector<std::int64_t>& from, std::mt19937_64& rng) {
    std::lock_guard lock(mutex);
    return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
  }
};

bool missing(const storage::storage_error& e) { return e.code == storage::storage_errc::not_found; }

// One device's run: random edits and reviews, then a sync, `rounds` times.
struct device_run {
  std::vector<std::string> failures;
  std::vector<std::int64_t> reviews; // revlog ids made here
  std::vector<double> sync_ms;

  void go(client::device& d, client::sync_client& c, shared_objects& shared, int rounds,
          std::uint64_t seed, const std::string& name) {
    std::mt19937_64 rng(seed);
    for (int round = 0; round < rounds; ++round) {
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits; ++e) {
        switch (rng() % 3) {
        case 0:
          if (auto n = d.add_note({name + " " + std::to_string(round), "back"}, {name}))
            shared.add(*n);
          else
            failures.push_back("add_note: " + n.error().message);
          break;
        case 1:
          if (auto r = d.edit_note(shared.pick(shared.notes, rng),
                                   std::vector<std::string>{name + " edit " +
                                                                std::to_string(round),
                                                            "back"});
              !r && !missing(r.error()))
            failures.push_back("edit_note: " + r.error().message);
          break;
        default:
          if (auto r = d.review_card(shared.pick(shared.cards, rng), 1 + round % 4))
            reviews.push_back(*r);
          else if (!missing(r.error()))
            failures.push_back("review_card: " + r.error().message);
        }
      }
      const auto t = clk::now();
      auto r = d.sync(c);
      sync_ms.push_back(std::chrono::duration<double, std::milli>(clk::now() - t).count());
      if (!is(r, sync_outcome_kind::normal_sync_done) && !is(r, sync_outcome_kind::no_changes))
        failures.push_back(name + " sync " + std::to_string(round) + ": " + text(r));
    }
  }
};

} // namespace

TEST_CASE("two devices of one user syncing concurrently 100 times each all succeed and "
          "converge") {
  sync_fixture fx;
  // The phone speaks the legacy envelope, the desktop v11.
  client::sync_client_options legacy;
  legacy.legacy = true;
  client::sync_client phone_client("127.0.0.1", fx.server().port(), legacy);
  auto desktop_client = fx.connect();
  auto phone = fx.seeded_device("phone");
  auto desktop = fx.seeded_device("desktop");

  // Something to edit and review from the first round on, on both.
  shared_objects shared;
  shared.add(must(phone.add_note({"first", "back"})));
  REQUIRE(is(phone.sync(phone_client), sync_outcome_kind::normal_sync_done));
  REQUIRE(is(desktop.sync(desktop_client), sync_outcome_kind::normal_sync_done));

  constexpr int rounds = 100;
  device_run phone_run, desktop_run;
  std::thread phone_thread(
      [&] { phone_run.go(phone, phone_client, shared, rounds, 1, "phone"); });
  std::thread desktop_thread(
      [&] { desktop_run.go(desktop, desktop_client, shared, rounds, 2, "desktop"); });
  phone_thread.join();
  desktop_thread.join();

  for (const auto& f : phone_run.failures)
    UNSCOPED_INFO(f);
  for (const auto& f : desktop_run.failures)
    UNSCOPED_INFO(f);
  CHECK(phone_run.failures.empty());
  CHECK(desktop_run.failures.empty());

  // Quiet now: two more passes each, and every table agrees. A device
  // whose start waited had its rows stamped with a newer server usn than
  // its meta saw (server_apply_chunk); its next sync brings the stamp back,
  // except on reviews, which are never rewritten: their usn may differ.
  // An edit first on each: one made in the very millisecond of a finish
  // left col.mod equal to the server's ("no changes", accepted above), and
  // its rows wait for the next real sync.
  must(phone.set_config("phoneDone", "true"));
  must(desktop.set_config("desktopDone", "true"));
  for (int pass = 0; pass < 2; ++pass) {
    REQUIRE(phone.sync(phone_client).has_value());
    REQUIRE(desktop.sync(desktop_client).has_value());
  }
  for (auto* d : {&phone, &desktop}) {
    std::vector<std::string> diff;
    for (auto& line : differences(fx.server_file(), d->file()))
      if (!line.starts_with("revlog:"))
        diff.push_back(std::move(line));
    for (auto& line : differences(fx.server_file(), d->file(), {"usn"}))
      if (line.starts_with("revlog:"))
        diff.push_back(std::move(line));
    for (const auto& line : diff)
      UNSCOPED_INFO(line);
    CHECK(diff.empty());
  }
  // No review lost.
  collection_file server(fx.server_file());
  std::size_t made = 0, kept = 0;
  for (const auto* run : {&phone_run, &desktop_run})
    for (auto id : run->reviews) {
      ++made;
      kept += server.scalar("select count() from revlog where id = " + std::to_string(id)) == 1;
    }
  CHECK(made > 0);
  CHECK(kept == made);
}

TEST_CASE("a device that stops after start holds the other back no longer than the stall bound") {
  constexpr auto stall = 1500ms;
  sync_fixture fx(seeding::now, {"--session-stall-ms", std::to_string(stall.count())});
  raw_sync vanished(fx.server(), fx.host_key());
  auto c = fx.connect();
  auto d = fx.seeded_device("survivor");
  must(d.add_note({"written while the other device was gone", "back"}));

  // The vanished device starts a session, writes into it, and says no more.
  REQUIRE(vanished.call("start", R"({"minUsn":0,"lnewer":false,"graves":null})", "gone").status ==
          200);
  REQUIRE(vanished.call("applyGraves", R"({"chunk":{"cards":[4242],"decks":[],"notes":[]}})",
                        "gone")
              .status == 200);
  const auto last_request = clk::now();

  client::sync_result result;
  clk::time_point finished;
  std::thread sync_thread([&] {
    result = d.sync(c);
    finished = clk::now();
  });
  // Visible while it waits.
  const bool seen_waiting = eventually([&] { return waiting_requests(fx.server()) == 1; }, 3s);
  sync_thread.join();

  INFO(text(result));
  REQUIRE(is(result, sync_outcome_kind::normal_sync_done));
  CHECK(seen_waiting);
  CHECK(waiting_requests(fx.server()) == 0);
  const auto waited = finished - last_request;
  INFO("done " << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
               << " ms after the vanished device's last request");
  // It did wait for the session (not replace it at once) ...
  CHECK(waited >= stall - 100ms);
  // ... no longer than the bound plus the registry's tick and a margin.
  CHECK(waited <= stall + 1500ms);

  // The vanished session was rolled back, its key is gone, and the log
  // says why.
  CHECK(vanished.call("applyGraves", R"({"chunk":{"cards":[],"decks":[],"notes":[]}})", "gone")
            .status == 409);
  collection_file server(fx.server_file());
  CHECK(server.scalar("select count() from graves") == 0);
  CHECK(server.scalar("select count() from notes") == 1);
  CHECK(eventually([&] {
    return fx.server().stderr_text().find("declared abandoned after") != std::string::npos ||
           fx.server().stdout_text().find("declared abandoned after") != std::string::npos;
  }));
  // And /metrics counted the wait, how long it was, and the abandoned session.
  CHECK(metric(fx.server(), "ankisync_sync_waits_total") == 1);
  CHECK(metric(fx.server(), "ankisync_sync_sessions_abandoned_total") == 1);
  CHECK(metric(fx.server(), "ankisync_sync_wait_duration_seconds_count") == 1);
  CHECK(metric(fx.server(), "ankisync_sync_wait_duration_seconds_sum") >=
        std::chrono::duration<double>(stall).count() - 0.2);
}

TEST_CASE("a device's own repeated start replaces its session at once") {
  sync_fixture fx(seeding::never);
  raw_sync raw(fx.server(), fx.host_key());
  constexpr const char* start = R"({"minUsn":0,"lnewer":false,"graves":null})";
  REQUIRE(raw.call("start", start, "same").status == 200);
  REQUIRE(raw.call("applyGraves", R"({"chunk":{"cards":[9],"decks":[],"notes":[]}})", "same")
              .status == 200);
  // A client retrying its start: no wait (the default stall bound is
  // seconds), and the retry's session is a fresh one.
  const auto t = clk::now();
  auto again = raw.call("start", start, "same");
  CHECK(clk::now() - t < 1s);
  REQUIRE(again.status == 200);
  CHECK(again.body == R"({"cards":[],"decks":[],"notes":[]})");
  CHECK(raw.call("abort", "{}", "same").status == 200);
}

TEST_CASE("a full upload while a device waits: the waiting start gets 409 and never merges") {
  sync_fixture fx;
  auto c = fx.connect();
  auto waiter = fx.seeded_device("waiter");
  must(waiter.add_note({"from the waiting device", "back"}));

  // The collection device A uploads: a new one (its own scm), or the
  // server's own lineage (same scm) with a note of its own.
  bool new_scm = false;
  std::filesystem::path uploaded;
  SECTION("a collection with another scm") {
    new_scm = true;
    auto a = fx.fresh_device("uploader");
    must(a.add_note({"from the uploader", "back"}));
    uploaded = a.file();
  }
  SECTION("a collection with the same scm") {
    auto a = fx.seeded_device("uploader");
    must(a.add_note({"from the uploader", "back"}));
    uploaded = a.file();
  }
  const std::string upload = read_file(uploaded); // the device closed: the file is whole
  REQUIRE_FALSE(upload.empty());

  // A's session is open; the other device's sync waits behind it.
  raw_sync a(fx.server(), fx.host_key());
  REQUIRE(a.call("start", R"({"minUsn":0,"lnewer":false,"graves":null})", "A").status == 200);
  client::sync_result result;
  std::thread sync_thread([&] { result = waiter.sync(c); });
  const bool waiting = eventually([&] { return waiting_requests(fx.server()) == 1; }, 3s);
  // A gives up its normal sync for a full upload (its own key: no wait).
  auto up = a.call("upload", upload, "A");
  sync_thread.join();
  REQUIRE(waiting);
  REQUIRE(up.status == 200);
  REQUIRE(up.body == "OK");

  INFO(text(result));
  CHECK(failed_with_status(result, 409));
  CHECK((!result && result.error().method == protocol::sync_method::start));
  // The server holds exactly the upload: nothing of the waiting device.
  auto diff = differences(fx.server_file(), uploaded);
  for (const auto& line : diff)
    UNSCOPED_INFO(line);
  CHECK(diff.empty());
  CHECK(collection_file(fx.server_file())
            .scalar("select count() from notes where flds like 'from the waiting device%'") == 0);
  // Starting over from meta: a new scm asks for a full sync.
  if (new_scm) {
    auto next = waiter.sync(c);
    INFO(text(next));
    CHECK(is(next, sync_outcome_kind::full_sync_required));
  }
}
