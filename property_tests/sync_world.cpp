#include "property_tests/sync_world.hpp"

#include <openssl/sha.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/integration/collection_file.hpp"
#include "tests/integration/sync_support.hpp"
#include "tests/integration/test_support.hpp"
#include "tools/client/device.hpp"

namespace ankisync::property {
namespace {

namespace fs = std::filesystem;
using client::sync_outcome_kind;
using integration::collection_file;

// Thrown by a step when a property fails; caught by run_program.
struct property_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Unix ms that moves only when told to. Starts 100 s ahead of real time, so
// a device's col.mod never equals a mod the server stamped with its own
// clock (which would read as "no changes"), and stays well inside the 300 s
// skew clients accept. Each read within a second returns a later ms, so ids
// and col.mod values differ while mtimes (seconds) tie.
class shared_clock {
public:
  shared_clock() {
    const auto real = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
    state_->second_ms = (real + 100) * 1000;
  }
  client::clock_ms_fn fn() const {
    return [s = state_] { return s->second_ms + std::min(++s->reads, 999); };
  }
  void advance(int seconds) {
    state_->second_ms += seconds * 1000;
    state_->reads = 0;
  }

private:
  struct state {
    std::int64_t second_ms = 0;
    // Two devices read it at once during an overlapping sync.
    std::atomic<int> reads{0};
  };
  std::shared_ptr<state> state_ = std::make_shared<state>();
};

std::vector<std::int64_t> ids(const fs::path& file, const char* sql) {
  sqlite3* db = nullptr;
  std::vector<std::int64_t> out;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close_v2(db);
    throw std::runtime_error("cannot open " + file.string());
  }
  sqlite3_busy_timeout(db, 2000);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    std::string err = sqlite3_errmsg(db);
    sqlite3_close_v2(db);
    throw std::runtime_error(std::string(sql) + ": " + err);
  }
  while (sqlite3_step(stmt) == SQLITE_ROW)
    out.push_back(sqlite3_column_int64(stmt, 0));
  sqlite3_finalize(stmt);
  sqlite3_close_v2(db);
  return out;
}

// What the user's reviews owe the server, kept apart from the code under
// test.
struct review_ledger {
  std::set<std::int64_t> on_server;             // must be there at the end
  std::map<int, std::set<std::int64_t>> unsent; // per device, not yet synced up
};

class world {
public:
  explicit world(const program& p) : program_(p) {
    for (int i = 0; i < p.devices; ++i) {
      client::device_options options;
      options.clock = clock_.fn();
      auto d =
          client::device::copy_of(fixture_.seed(), fixture_.folder() / device_name(i), options);
      if (!d)
        throw std::runtime_error("device: " + d.error().message);
      d->set_host_key(fixture_.host_key());
      devices_.push_back(std::move(*d));
      schema_changed_.push_back(false);
    }
  }

  void run() {
    for (std::size_t i = 0; i < program_.steps.size(); ++i) {
      const auto& s = program_.steps[i];
      note(std::to_string(i) + ": " + describe(s));
      run_step(s);
    }
    final_round();
    check_converged();
    check_reviews_kept();
    check_media();
  }

  const std::string& trace() const { return trace_; }

private:
  static std::string device_name(int i) { return "d" + std::to_string(i); }

  void note(const std::string& line) { trace_ += line + "\n"; }

  [[noreturn]] void fail(const std::string& what) { throw property_failure(what); }

  template <class T> bool edit_ok(const storage::result<T>& r, const step& s) {
    if (r)
      return true;
    // Objects gone since the pick (a deleted notetype, deck) make a no-op.
    if (r.error().code == storage::storage_errc::not_found) {
      note("   (nothing to do: " + r.error().message + ")");
      return false;
    }
    fail(describe(s) + " failed: " + r.error().message);
  }

  std::optional<std::int64_t> pick(int device, const char* sql, int index) {
    auto all = ids(devices_[device].file(), sql);
    if (all.empty())
      return std::nullopt;
    return all[static_cast<std::size_t>(index) % all.size()];
  }
  std::optional<std::int64_t> pick_note(int d, int i) {
    return pick(d, "select id from notes order by id", i);
  }
  std::optional<std::int64_t> pick_card(int d, int i) {
    return pick(d, "select id from cards order by id", i);
  }
  std::int64_t pick_deck(int d, int i) {
    return pick(d, "select id from decks order by id", i).value_or(1);
  }

  void run_step(const step& s) {
    auto& dev = devices_[s.device];
    switch (s.kind) {
    case step_kind::add_note: {
      auto nt = dev.notetype_id(program_notetypes()[s.arg]);
      if (!edit_ok(nt, s))
        return;
      const auto fields = s.arg == 2
                              ? std::vector<std::string>{"{{c1::cloze}} " + device_name(s.device)}
                              : std::vector<std::string>{"front", device_name(s.device)};
      edit_ok(dev.add_note(fields, {}, pick_deck(s.device, s.pick), *nt), s);
      return;
    }
    case step_kind::edit_note: {
      auto id = pick_note(s.device, s.pick);
      if (!id)
        return;
      // The text names the device, so that two devices' edits differ.
      const std::string text = "text " + std::to_string(s.arg) + " on " + device_name(s.device);
      const auto& tag = program_tags()[static_cast<std::size_t>(s.arg) % program_tags().size()];
      edit_ok(
          dev.edit_note(*id, std::vector<std::string>{text, "back"}, std::vector<std::string>{tag}),
          s);
      return;
    }
    case step_kind::delete_note: {
      if (auto id = pick_note(s.device, s.pick))
        edit_ok(dev.delete_note(*id), s);
      return;
    }
    case step_kind::review: {
      auto id = pick_card(s.device, s.pick);
      if (!id)
        return;
      auto revlog = dev.review_card(*id, s.arg + 1);
      if (edit_ok(revlog, s))
        ledger_.unsent[s.device].insert(*revlog);
      return;
    }
    case step_kind::move_card: {
      if (auto id = pick_card(s.device, s.pick))
        edit_ok(dev.move_card(*id, pick_deck(s.device, s.arg)), s);
      return;
    }
    case step_kind::add_deck:
      // Names never repeat: two devices adding one name is upstream's
      // documented divergence (each side renames with "+"), not a tie.
      edit_ok(dev.add_deck("deck " + std::to_string(++names_)), s);
      return;
    case step_kind::rename_deck:
      edit_ok(dev.rename_deck(pick_deck(s.device, s.pick), "renamed " + std::to_string(++names_)),
              s);
      return;
    case step_kind::set_config:
      edit_ok(dev.set_config(program_config_keys()[s.arg], std::to_string(s.pick)), s);
      return;
    case step_kind::add_tag:
      edit_ok(dev.add_tag(program_tags()[s.arg]), s);
      return;
    case step_kind::delete_notetype: {
      auto nt = dev.notetype_id(program_notetypes()[s.arg]);
      if (edit_ok(nt, s) && edit_ok(dev.delete_notetype(*nt), s))
        schema_changed_[s.device] = true;
      return;
    }
    case step_kind::add_media:
      edit_ok(dev.add_media(program_media_names()[s.arg],
                            "content " + std::to_string(s.pick) + " from " + device_name(s.device)),
              s);
      return;
    case step_kind::remove_media:
      edit_ok(dev.remove_media(program_media_names()[s.arg]), s);
      return;
    case step_kind::tick:
      clock_.advance(s.arg + 1);
      return;
    case step_kind::sync:
      sync(s.device, s.choice);
      return;
    case step_kind::aborted_sync:
      aborted_sync(s.device, s.drop);
      return;
    case step_kind::overlapping_sync:
      overlapping_sync(s);
      return;
    case step_kind::restart_server:
      restart(s.crash);
      return;
    }
  }

  // ---- syncs ----

  client::sync_result sync_once(int d, client::sync_hooks hooks = {}) {
    auto connection = fixture_.connect();
    auto r = devices_[d].sync(connection, std::move(hooks));
    note("   " + device_name(d) + ": " + client::describe(r));
    return r;
  }

  void synced_up(int d) {
    auto& unsent = ledger_.unsent[d];
    ledger_.on_server.insert(unsent.begin(), unsent.end());
    unsent.clear();
  }

  // Returns whether a full sync ran.
  bool sync(int d, full_choice choice) { return settle(d, choice, sync_once(d)); }

  // What follows a finished sync `r` of device `d`: a full sync if asked,
  // then a media sync. Returns whether a full sync ran.
  bool settle(int d, full_choice choice, const client::sync_result& r) {
    if (!r)
      fail(device_name(d) + ": sync failed: " + client::describe(r));
    if (r->kind != sync_outcome_kind::full_sync_required) {
      synced_up(d);
      media_sync(d, r->server_media_usn);
      return false;
    }
    full_sync(d, choice, r->full);
    media_sync(d, std::nullopt);
    return true;
  }

  // As the official client does after every collection sync.
  void media_sync(int d, std::optional<std::int64_t> server_usn) {
    auto connection = fixture_.connect();
    auto r = devices_[d].media_sync(connection, server_usn);
    if (!r)
      fail(device_name(d) + ": media sync failed (status " + std::to_string(r.error().status) +
           "): " + r.error().message);
    note("   " + device_name(d) + ": media: " + std::to_string(r->uploaded) + " up, " +
         std::to_string(r->uploaded_deletions) + " deletions up, " + std::to_string(r->downloaded) +
         " down, " + std::to_string(r->removed) + " removed" +
         (r->sanity_ok ? "" : ", sanity check failed"));
  }

  void full_sync(int d, full_choice choice, client::full_sync_choice allowed) {
    bool upload =
        choice == full_choice::upload || (choice == full_choice::as_user && schema_changed_[d]);
    if (upload && !allowed.upload_ok)
      upload = false;
    if (!upload && !allowed.download_ok)
      upload = true;
    auto connection = fixture_.connect();
    auto& dev = devices_[d];
    if (upload) {
      if (auto r = dev.full_upload(connection); !r)
        fail(device_name(d) +
             ": full upload failed: " + client::describe(std::unexpected(r.error())));
      // The user chose this device's collection: reviews only the server
      // had are discarded by that choice.
      auto now = ids(dev.file(), "select id from revlog");
      ledger_.on_server = {now.begin(), now.end()};
      note("   " + device_name(d) + ": full upload");
    } else {
      if (auto r = dev.full_download(connection); !r)
        fail(device_name(d) +
             ": full download failed: " + client::describe(std::unexpected(r.error())));
      note("   " + device_name(d) + ": full download");
    }
    // Either way this device's unsent reviews are settled: sent, or
    // discarded by the user.
    if (upload)
      synced_up(d);
    ledger_.unsent[d].clear();
    schema_changed_[d] = false;
  }

  // Requests of other devices waiting in the user's actor for its open
  // session (/admin/actors).
  int waiting_requests() {
    auto admin = fixture_.server().admin_http();
    auto r = admin.send(integration::get("/admin/actors", integration::admin_auth()));
    if (!r || r->status != 200)
      return -1;
    const auto listing = integration::parse_json(r->body);
    for (const auto& a : listing.at("actors").as_array()) {
      const auto& o = a.as_object();
      if (o.at("kind").as_string() == "collection")
        return static_cast<int>(o.at("waiting_requests").to_number<std::int64_t>());
    }
    return -1;
  }

  // Device a syncs; once it has the reply to the chosen call, device b
  // starts a sync of its own on another thread, and a goes on only when
  // b's start waits in the server (or b needs no session: no changes, or
  // a full sync). b's meta thus comes during a's session, and its start
  // runs after a's finish, against what a wrote.
  void overlapping_sync(const step& s) {
    const int a = s.device;
    const int b = overlap_partner(s, program_.devices);
    const auto join = overlap_points()[static_cast<std::size_t>(s.arg)];
    note("   " + device_name(b) + " joins after " + device_name(a) + "'s " +
         std::string(protocol::to_string(join)));
    std::optional<std::jthread> other; // joined whatever happens to a's sync
    client::sync_result rb;
    std::atomic<bool> b_done{false};
    bool b_waited = false;
    client::sync_hooks hooks;
    hooks.after_reply = [&](protocol::sync_method m, int status) {
      if (other || m != join || status != 200)
        return;
      other.emplace([&] {
        auto connection = fixture_.connect();
        rb = devices_[b].sync(connection);
        b_done = true;
      });
      b_waited = integration::eventually(
          [&] { return b_done.load() || waiting_requests() > 0; }, std::chrono::seconds(10));
    };
    auto ra = sync_once(a, std::move(hooks));
    if (other) {
      other->join();
      note("   " + device_name(b) + ": " + client::describe(rb));
      if (!b_waited)
        fail(device_name(b) + "'s sync neither waited nor ended within 10 s");
      // b's reviews went up stamped with a later usn than its meta's: b
      // keeps its own copy, and its usn (server_apply_chunk).
      reviews_restamped_ = true;
    } else {
      rb = sync_once(b); // a's sync never reached that call
    }
    // Both syncs have ended in the server. One that ended normally has
    // its reviews there already, so it is recorded before the other's full
    // sync, whose upload replaces what it sent (and discards them, as the
    // user who chose that upload asked).
    if (ra && ra->kind == sync_outcome_kind::full_sync_required) {
      settle(b, full_choice::as_user, rb);
      settle(a, full_choice::as_user, ra);
    } else {
      settle(a, full_choice::as_user, ra);
      settle(b, full_choice::as_user, rb);
    }
  }

  void aborted_sync(int d, const client::sync_drop& drop) {
    const auto server_file = fixture_.server_file();
    const auto before = integration::snapshot(server_file);
    const auto usn_before = collection_file(server_file).col().usn;
    client::sync_hooks hooks;
    hooks.drop = drop;
    auto r = sync_once(d, hooks);
    if (r) {
      // The sync never reached the dropping call: it ran to its end.
      if (r->kind != sync_outcome_kind::full_sync_required)
        synced_up(d);
      return;
    }
    if (r.error().kind != client::sync_failure_kind::dropped)
      fail(device_name(d) + ": sync failed before its drop: " + client::describe(r));
    const auto after = integration::snapshot(server_file);
    if (drop.method == protocol::sync_method::finish &&
        drop.point == client::drop_point::after_reply) {
      // The server committed; only the reply was lost.
      finish_reply_lost_ = true;
      const auto usn_after = collection_file(server_file).col().usn;
      if (usn_after != usn_before + 1)
        fail("a sync whose finish reply was lost left the server at usn " +
             std::to_string(usn_after) + ", not " + std::to_string(usn_before + 1));
      return;
    }
    if (after != before)
      fail("a dropped sync left the server changed: " + first_change(before, after));
  }

  static std::string first_change(const std::map<std::string, std::vector<std::string>>& a,
                                  const std::map<std::string, std::vector<std::string>>& b) {
    for (const auto& [table, rows] : a) {
      auto it = b.find(table);
      if (it == b.end() || it->second != rows)
        return "table " + table + " (" + std::to_string(rows.size()) + " rows before, " +
               std::to_string(it == b.end() ? 0 : it->second.size()) + " after)";
    }
    return "?";
  }

  void restart(bool crash) {
    auto& server = fixture_.server();
    if (crash) {
      server.kill();
    } else if (auto status = server.stop(); !status.clean()) {
      fail("the server did not stop cleanly: " + status.describe() + "\n" + server.stderr_text());
    }
    server.start();
  }

  // ---- the end ----

  void final_round() {
    note("final round:");
    for (int pass = 1;; ++pass) {
      bool full = false;
      for (int d = 0; d < program_.devices; ++d)
        full = sync(d, full_choice::as_user) || full;
      if (pass >= 2 && !full)
        return;
      if (pass == 5)
        fail("devices still need full syncs after 5 passes");
    }
  }

  // A device whose finish reply was lost sends its reviews again with the
  // next sync's usn, and both ends keep the copy they stored first
  // (reviews never change): after that, a review's usn may differ between
  // devices. So too after an overlapping sync: the waiting device's
  // reviews went up stamped with a later usn than it gave them. Nothing
  // reads a synced review's usn; every other column, and every other
  // table's usn, must still agree.
  std::vector<std::string> differences(const fs::path& a, const fs::path& b) const {
    auto all = integration::differences(a, b);
    if (!finish_reply_lost_ && !reviews_restamped_)
      return all;
    std::vector<std::string> out;
    for (auto& line : all)
      if (!line.starts_with("revlog:"))
        out.push_back(std::move(line));
    for (auto& line : integration::differences(a, b, {"usn"}))
      if (line.starts_with("revlog:"))
        out.push_back(std::move(line));
    return out;
  }

  void check_converged() {
    const auto server_file = fixture_.server_file();
    std::string report;
    for (int d = 0; d < program_.devices; ++d) {
      auto diff = differences(server_file, devices_[d].file());
      for (std::size_t i = 0; i < diff.size() && i < 12; ++i)
        report += "  " + diff[i] + "\n";
      if (diff.size() > 12)
        report += "  ... " + std::to_string(diff.size() - 12) + " more\n";
    }
    if (!report.empty())
      fail("devices did not converge with the server:\n" + report);
  }

  void check_reviews_kept() {
    auto on_server = ids(fixture_.server_file(), "select id from revlog");
    const std::set<std::int64_t> have(on_server.begin(), on_server.end());
    std::string missing;
    for (auto id : ledger_.on_server)
      if (!have.count(id))
        missing += " " + std::to_string(id);
    if (!missing.empty())
      fail("reviews lost from the server:" + missing);
  }

  static std::string sha1_hex(std::string_view bytes) {
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : digest) {
      out += digits[c >> 4];
      out += digits[c & 15];
    }
    return out;
  }

  // name -> sha1 (hex) of the files a device holds.
  std::map<std::string, std::string> media_of(int d) {
    auto files = devices_[d].media_files();
    if (!files)
      fail(device_name(d) + ": cannot list media: " + files.error().message);
    std::map<std::string, std::string> out;
    for (const auto& [name, bytes] : *files)
      out[name] = sha1_hex(bytes);
    return out;
  }

  // name -> sha1 (hex) of the live files in the server's media DB.
  std::map<std::string, std::string> server_media() {
    const auto db_file = fixture_.server().data_dir() / integration::sync_user / "media.db";
    std::map<std::string, std::string> out;
    if (!fs::exists(db_file))
      return out;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      sqlite3_close_v2(db);
      fail("cannot open " + db_file.string());
    }
    sqlite3_busy_timeout(db, 2000);
    sqlite3_stmt* stmt = nullptr;
    const char* sql = "select fname, lower(hex(csum)) from media where size > 0";
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
      std::string err = sqlite3_errmsg(db);
      sqlite3_close_v2(db);
      fail(std::string(sql) + ": " + err);
    }
    while (sqlite3_step(stmt) == SQLITE_ROW)
      out[reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))] =
          reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
    sqlite3_finalize(stmt);
    sqlite3_close_v2(db);
    return out;
  }

  static std::string describe_media(const std::map<std::string, std::string>& m) {
    std::string out;
    for (const auto& [name, sha1] : m)
      out += " " + name + "=" + sha1.substr(0, 8);
    return out.empty() ? " (none)" : out;
  }

  void check_media() {
    const auto server = server_media();
    std::string report;
    for (int d = 0; d < program_.devices; ++d)
      if (auto files = media_of(d); files != server)
        report += "  " + device_name(d) + ":" + describe_media(files) + "\n";
    if (!report.empty())
      fail("media differ from the server's:" + describe_media(server) + "\n" + report);
  }

  const program& program_;
  integration::sync_fixture fixture_;
  shared_clock clock_;
  std::vector<client::device> devices_;
  std::vector<bool> schema_changed_;
  review_ledger ledger_;
  int names_ = 0;
  bool finish_reply_lost_ = false;
  bool reviews_restamped_ = false;
  std::string trace_;
};

} // namespace

std::optional<std::string> run_program(const program& p) {
  world w(p);
  try {
    w.run();
  } catch (const std::exception& e) {
    // A property_failure, or the harness failing (a server that would not
    // start): either way the trace says where.
    return std::string(e.what()) + "\n--- what happened ---\n" + w.trace();
  }
  return std::nullopt;
}

} // namespace ankisync::property
