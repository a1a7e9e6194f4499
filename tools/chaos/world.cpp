#include "tools/chaos/world.hpp"

#include <stdexcept>

#include "protocol/sync_error.hpp"
#include "tests/integration/collection_file.hpp"
#include "tools/client/media_folder.hpp"

namespace ankisync::chaos {
namespace fs = std::filesystem;
using client::sync_outcome_kind;

const char* to_string(step_kind k) {
  switch (k) {
  case step_kind::normal_sync: return "normal sync";
  case step_kind::full_upload: return "full upload";
  case step_kind::full_download: return "full download";
  case step_kind::media_sync: return "media sync";
  }
  return "?";
}

std::string step_record::context() const {
  return std::string(to_string(kind)) + " of user " + std::to_string(user) + " device " +
         std::to_string(device) + (failure.empty() ? std::string(" (acknowledged)") : " (" + failure + ")");
}

namespace {

std::string random_text(std::mt19937_64& rng, std::size_t n) {
  static constexpr char letters[] = "abcdefghijklmnopqrstuvwxyz     ";
  std::string s;
  for (std::size_t i = 0; i < n; ++i)
    s += letters[rng() % (sizeof letters - 1)];
  return s;
}

std::int64_t random_id(const fs::path& file, const char* table, std::mt19937_64& rng) {
  integration::collection_file f(file);
  const auto n = f.scalar(std::string("select count() from ") + table);
  if (n == 0)
    return 0;
  return f.scalar(std::string("select id from ") + table + " order by id limit 1 offset " +
                  std::to_string(rng() % static_cast<std::uint64_t>(n)));
}

// A failure as the check classifies it: a 5xx with a message is the
// server failing cleanly.
void classify(step_record& r, const client::sync_failure& f) {
  r.failure = client::describe(client::sync_result(std::unexpected(f)));
  // A full upload answers 200 with a sentence in place of "OK"; a full
  // disk has its own, which the client shows as it is.
  const bool upload_disk_full = f.status == 200 && f.message.find(protocol::disk_full_sentence) !=
                                                       std::string::npos;
  r.server_error = f.kind == client::sync_failure_kind::http_status &&
                   (f.status >= 500 || upload_disk_full) && !f.message.empty();
}

// The first row that differs between two views' tables, for messages.
std::string first_change(const collection_view& a, const collection_view& b) {
  for (const auto& [table, rows] : a.all) {
    const auto& other = b.all.at(table);
    for (std::size_t i = 0; i < std::max(rows.size(), other.size()); ++i) {
      const std::string x = i < rows.size() ? rows[i] : "(none)";
      const std::string y = i < other.size() ? other[i] : "(none)";
      if (x != y)
        return table + ": " + x + " -> " + y;
    }
  }
  return "";
}

// A review sent again after a sync whose reply was lost is already on
// the server, which keeps its row (and usn) as upstream does, while the
// device stamps its copy with the usn of the sync that sent it again: the
// same review under two usns. Devices have converged when they hold the
// same rows; which sync wrote a row does not matter to anyone.
const std::vector<std::string> converged_skip{"usn"};

std::string first_line(const std::vector<std::string>& lines) {
  return lines.empty() ? "" : lines.front() + (lines.size() > 1 ? " ..." : "");
}

} // namespace

world::world(const chaos_options& o, tally& t, fs::path work, integration::env_list extra_env)
    : options_(o), tally_(t), work_(std::move(work)),
      fleet_(work_, static_cast<std::size_t>(o.users)) {
  server_ = std::make_unique<integration::server_process>(
      fleet_server_options(fleet_, std::move(extra_env), {"--admin-open-loopback"}));
  devices_.resize(users());
  acknowledged_reviews_.resize(users());
  acknowledged_notes_.resize(users());
  acknowledged_usn_.resize(users());
  for (std::size_t u = 0; u < users(); ++u)
    for (int d = 0; d < o.devices; ++d)
      devices_[u].push_back(device_state{
          fleet_.make_device(u, work_ / "devices" / fleet_.users()[u].name / std::to_string(d)),
          {},
          {},
          0});
}

fs::path world::collection(std::size_t user) const {
  return user_collection(server_->data_dir(), fleet_.users().at(user));
}

fs::path world::media_db(std::size_t user) const {
  return server_->data_dir() / fleet_.users().at(user).name / "media.db";
}

void world::violation(std::atomic<std::uint64_t>& counter, const std::string& what) {
  ++counter;
  tally_.note(what);
}

void world::random_edits(device_state& d, std::mt19937_64& rng) {
  wait_past_ms(last_step_end_);
  auto& dev = d.device;
  bool ok = true;
  const int adds = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < adds; ++i)
    ok &= dev.add_note({"front " + random_text(rng, 12), "back " + random_text(rng, 40)},
                       {"chaos"})
              .has_value();
  if (rng() % 2 == 0)
    if (auto id = random_id(dev.file(), "notes", rng))
      ok &= dev.edit_note(id, std::vector<std::string>{"edited " + random_text(rng, 12), "x"})
                .has_value();
  const int reviews = static_cast<int>(rng() % 4);
  for (int i = 0; i < reviews; ++i)
    if (auto id = random_id(dev.file(), "cards", rng))
      ok &= dev.review_card(id, 1 + static_cast<int>(rng() % 4)).has_value();
  if (!ok)
    violation(tally_.other, "a device's own edit failed");
}

void world::random_media_edits(device_state& d, std::size_t user, int dev, std::mt19937_64& rng) {
  const int adds = 1 + static_cast<int>(rng() % 2);
  for (int i = 0; i < adds; ++i) {
    const std::string name = fleet_.users()[user].name + "-d" + std::to_string(dev) + "-" +
                             std::to_string(d.media_counter++) + ".txt";
    const std::string bytes = random_text(rng, 20 + rng() % 2000);
    if (!d.device.add_media(name, bytes)) {
      violation(tally_.other, "a device could not add a media file");
      continue;
    }
    d.own_media.insert(name);
    d.pending_media[name] = client::sha1_hex_of(bytes);
  }
  if (!d.own_media.empty() && rng() % 3 == 0) {
    auto it = d.own_media.begin();
    std::advance(it, static_cast<long>(rng() % d.own_media.size()));
    const std::string name = *it;
    if (d.device.remove_media(name)) {
      d.own_media.erase(name);
      d.pending_media[name] = "";
    }
  }
}

step_record world::begin_step(step_kind kind, std::size_t user, int dev) {
  step_record r;
  r.kind = kind;
  r.user = user;
  r.device = dev;
  if (kind == step_kind::media_sync) {
    r.media_before = read_server_media(media_db(user));
    r.media_after = r.media_before;
    for (const auto& [name, sha1] : devices_[user][dev].pending_media) {
      if (sha1.empty())
        r.media_after.erase(name);
      else
        r.media_after[name] = sha1;
    }
  } else {
    r.before = read_collection(collection(user));
    if (kind == step_kind::normal_sync)
      r.pending = pending_objects(devices_[user][dev].device.file());
  }
  ++tally_.steps;
  return r;
}

void world::run_normal_sync(step_record& r, client::sync_client& c) {
  auto& d = devices_[r.user][r.device].device;
  auto result = d.sync(c);
  if (!result) {
    classify(r, result.error());
    return;
  }
  r.acknowledged = true;
  r.no_changes = result->kind == sync_outcome_kind::no_changes;
  if (result->kind == sync_outcome_kind::full_sync_required) {
    // Nothing was sent: the server is as before, which the check expects.
    r.no_changes = true;
    return;
  }
  acknowledge(r.user, d);
}

void world::acknowledge(std::size_t user, const client::device& d) {
  for (auto id : revlog_ids(d.file()))
    acknowledged_reviews_[user].insert(id);
  for (auto id : note_ids(d.file()))
    acknowledged_notes_[user].insert(id);
  acknowledged_usn_[user] =
      std::max(acknowledged_usn_[user], integration::collection_file(d.file()).col().usn);
}

void world::run_media_sync(step_record& r, client::sync_client& c) {
  auto& ds = devices_[r.user][r.device];
  auto result = ds.device.media_sync(c);
  if (!result) {
    r.failure = client::describe(result.error());
    r.server_error = result.error().kind == client::media_failure_kind::http_status &&
                     result.error().status >= 500 && !result.error().message.empty();
    return;
  }
  r.acknowledged = true;
  ds.pending_media.clear();
}

std::vector<step_record> world::random_operation(std::mt19937_64& rng,
                                                 const std::function<void()>& started,
                                                 const std::function<bool()>& stop) {
  const std::size_t u = rng() % users();
  const int dev = static_cast<int>(rng() % devices_[u].size());
  auto& ds = devices_[u][dev];
  const auto pick = rng() % 100;
  std::vector<step_record> steps;
  auto step = [&](step_kind kind) -> step_record& {
    steps.push_back(begin_step(kind, u, dev));
    started();
    return steps.back();
  };
  auto done = [&](step_record& r) {
    last_step_end_ = client::system_clock_ms();
    if (r.acknowledged)
      ++tally_.acknowledged;
    if (stop())
      return false;
    check_step(r);
    return r.failure.empty();
  };
  auto c = server_->sync_client();
  auto full_download = [&] {
    auto& dl = step(step_kind::full_download);
    if (auto res = ds.device.full_download(c); res)
      dl.acknowledged = true;
    else
      classify(dl, res.error());
    done(dl);
  };

  if (pick < 22) {
    random_media_edits(ds, u, dev, rng);
    auto& r = step(step_kind::media_sync);
    run_media_sync(r, c);
    done(r);
    return steps;
  }
  if (pick < 27) {
    full_download();
    return steps;
  }
  if (pick < 90)
    random_edits(ds, rng);
  auto& r = step(step_kind::normal_sync);
  run_normal_sync(r, c);
  if (!done(r))
    return steps;
  // The sync said a full sync is required, or this is a deliberate upload
  // from a device that has just pulled everything.
  const bool schema_differs = integration::collection_file(ds.device.file()).col().scm !=
                              integration::collection_file(collection(u)).col().scm;
  if (schema_differs) {
    full_download();
  } else if (pick >= 90 && pick < 98) {
    auto& up = step(step_kind::full_upload);
    if (auto res = ds.device.full_upload(c); res) {
      up.acknowledged = true;
      acknowledge(u, ds.device);
    } else {
      classify(up, res.error());
    }
    done(up);
  }
  return steps;
}

void world::check_step(const step_record& r) {
  const std::string ctx = r.context();
  if (r.kind == step_kind::media_sync) {
    const auto now = read_server_media(media_db(r.user));
    if (now == r.media_after)
      return;
    if (r.acknowledged)
      violation(tally_.lost_acknowledged, ctx + ": the server's media lacks what it acknowledged");
    else if (now != r.media_before)
      violation(tally_.mixed, ctx + ": the server's media is neither as before nor as after");
    return;
  }
  const auto now = read_collection(collection(r.user));
  if (r.kind == step_kind::full_download) {
    // A download counts as a change on the server (col.usn + 1, mod =
    // now, as upstream), committed before the file is sent; nothing else
    // may change.
    auto rest = now.all, rest_before = r.before.all;
    rest.erase("col");
    rest_before.erase("col");
    const bool same_col = now.scm == r.before.scm && now.ls == r.before.ls &&
                          now.crt == r.before.crt;
    const bool bumped = now.usn == r.before.usn + 1;
    if (rest != rest_before || !same_col || (now.usn != r.before.usn && !bumped))
      violation(tally_.mixed, ctx + ": the server's collection changed: " + first_change(r.before, now));
    else if (r.acknowledged && !bumped)
      violation(tally_.lost_acknowledged, ctx + ": the download's usn bump is not on the server");
    return;
  }
  if (r.acknowledged && r.no_changes) {
    if (now.all != r.before.all)
      violation(tally_.mixed, ctx + ": the server's collection changed: " + first_change(r.before, now));
    return;
  }
  if (r.kind == step_kind::full_upload) {
    const auto diff = integration::differences(collection(r.user),
                                               devices_[r.user][r.device].device.file());
    if (diff.empty())
      return;
    if (r.acknowledged)
      violation(tally_.lost_acknowledged, ctx + ": the server does not hold the upload: " +
                                              first_line(diff));
    else if (now.all != r.before.all)
      violation(tally_.mixed, ctx + ": the server holds neither the old collection nor the "
                                    "upload: " + first_line(diff));
    return;
  }
  // A normal sync: the server only takes the device's rows, all stamped
  // with col.usn, which finish then bumps.
  if (now.usn == r.before.usn) {
    if (now.all != r.before.all)
      violation(tally_.mixed, ctx + ": rows changed but col.usn did not");
    else if (r.acknowledged)
      violation(tally_.lost_acknowledged, ctx + ": the finished sync is not on the server");
    return;
  }
  if (now.usn != r.before.usn + 1) {
    violation(tally_.mixed, ctx + ": col.usn went from " + std::to_string(r.before.usn) + " to " +
                                std::to_string(now.usn));
    return;
  }
  for (const auto& [table, before_rows] : r.before.objects) {
    const auto& now_rows = now.objects.at(table);
    const auto& pending = r.pending.at(table);
    for (const auto& [id, row] : now_rows) {
      auto b = before_rows.find(id);
      if (b != before_rows.end() && b->second == row)
        continue;
      auto p = pending.find(id);
      if (p == pending.end() || p->second != row) {
        violation(tally_.mixed, ctx + ": " + table + " row changed that the device did not send: " + row);
        return;
      }
    }
    for (const auto& [id, row] : pending) {
      auto n = now_rows.find(id);
      if (n != now_rows.end() && n->second == row)
        continue;
      auto b = before_rows.find(id);
      const bool kept_newer = b != before_rows.end() && n != now_rows.end() &&
                              n->second == b->second &&
                              row_field(b->second, "mod") >= row_field(row, "mod");
      if (!kept_newer) {
        violation(tally_.mixed, ctx + ": col.usn was bumped but the device's " + table +
                                    " row is missing: " + row);
        return;
      }
    }
  }
}

void world::check_all_users() {
  for (std::size_t u = 0; u < users(); ++u) {
    const auto& name = fleet_.users()[u].name;
    const auto integrity = integration::collection_file(collection(u)).integrity_check();
    if (integrity != "ok")
      violation(tally_.corrupt, name + "'s collection: " + integrity);
    const auto on_server = revlog_ids(collection(u));
    std::size_t lost = 0;
    for (auto id : acknowledged_reviews_[u])
      lost += on_server.count(id) == 0;
    if (lost > 0) {
      tally_.lost_reviews += lost;
      tally_.note(name + ": " + std::to_string(lost) + " acknowledged reviews are not on the server");
    }
    const auto notes = note_ids(collection(u));
    std::size_t lost_notes = 0;
    for (auto id : acknowledged_notes_[u])
      lost_notes += notes.count(id) == 0;
    if (lost_notes > 0)
      violation(tally_.lost_acknowledged,
                name + ": " + std::to_string(lost_notes) + " acknowledged notes are not on the server");
    if (const auto usn = integration::collection_file(collection(u)).col().usn;
        usn < acknowledged_usn_[u])
      violation(tally_.lost_acknowledged, name + ": col.usn went back from " +
                                              std::to_string(acknowledged_usn_[u]) + " to " +
                                              std::to_string(usn));
    const auto check = server_->cli(
        {"check", "--user", name, "--admin-port", std::to_string(server_->admin_port())});
    if (!check.status.clean())
      violation(tally_.media_broken, "ankisync check --user " + name + ": " +
                                         check.status.describe() + ": " + check.out + check.err);
  }
}

void world::converge() {
  for (std::size_t u = 0; u < users(); ++u) {
    const auto& name = fleet_.users()[u].name;
    bool failed = false;
    std::vector<std::string> outcomes(devices_[u].size());
    for (int round = 0; round < 2 && !failed; ++round) {
      for (std::size_t d = 0; d < devices_[u].size(); ++d) {
        auto& ds = devices_[u][d];
        auto c = server_->sync_client();
        auto r = ds.device.sync(c);
        outcomes[d] += (round ? ", " : "") + client::describe(r);
        if (r && r->kind == sync_outcome_kind::full_sync_required) {
          auto dl = ds.device.full_download(c);
          if (!dl)
            r = std::unexpected(dl.error());
        }
        if (!r) {
          violation(tally_.not_converged, name + ": a sync failed: " + client::describe(r));
          failed = true;
          break;
        }
        acknowledge(u, ds.device);
        auto m = ds.device.media_sync(c);
        if (!m) {
          violation(tally_.not_converged, name + ": a media sync failed: " + client::describe(m.error()));
          failed = true;
          break;
        }
        ds.pending_media.clear();
      }
    }
    if (failed)
      continue;
    const auto server_media = read_server_media(media_db(u));
    for (std::size_t d = 0; d < devices_[u].size(); ++d) {
      auto& dev = devices_[u][d].device;
      const auto diff = integration::differences(collection(u), dev.file(), converged_skip);
      if (!diff.empty()) {
        auto col_text = [](const fs::path& f) {
          const auto c = integration::collection_file(f).col();
          return "usn " + std::to_string(c.usn) + " mod " + std::to_string(c.mod) + " ls " +
                 std::to_string(c.ls) + " scm " + std::to_string(c.scm);
        };
        violation(tally_.not_converged,
                  name + " device " + std::to_string(d) + " differs: " + first_line(diff) +
                      " (its syncs: " + outcomes[d] + "; device col " + col_text(dev.file()) +
                      "; server col " + col_text(collection(u)) + ")");
        continue;
      }
      auto files = dev.media_files();
      media_map mine;
      if (files)
        for (const auto& [fname, bytes] : *files)
          mine[fname] = client::sha1_hex_of(bytes);
      if (!files || mine != server_media)
        violation(tally_.not_converged, name + " device " + std::to_string(d) +
                                            ": its media differs from the server's (" +
                                            std::to_string(mine.size()) + " files, server " +
                                            std::to_string(server_media.size()) + ")");
    }
  }
  last_step_end_ = client::system_clock_ms();
}

} // namespace ankisync::chaos
