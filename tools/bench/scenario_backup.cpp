// backup: an online backup (POST /admin/backup, what `ankisync backup`
// calls on a running server) of one user with a --full-mb MB collection
// and --media-files files of --media-kb KB, next to a plain `cp -r` of the
// same user folder in the same run; the server's RSS growth during it; and
// the p99 of another user's empty syncs during the backups next to
// without. A server of its own, so that its memory is this scenario's.

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "protocol/query_string.hpp"
#include "tools/bench/scenario_support.hpp"
#include "tools/client/http_client.hpp"

namespace ankisync::bench {
namespace {

constexpr const char* admin_token = "bench-admin-token";

std::uint64_t folder_bytes(const std::filesystem::path& dir) {
  std::uint64_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file())
      n += e.file_size();
  return n;
}

// A device of `user` in step with the server: its own collection, sent
// with a full upload.
client::device uploaded_device(const context& ctx, const target& t, const std::string& user,
                               const std::string& name) {
  auto d = must(client::device::create(ctx.work / name), "device " + name);
  d.set_host_key(login(t, user, ctx.opt.password));
  client::sync_client c(t.host, t.port);
  must(d.full_upload(c), "full upload of " + name);
  return d;
}

// One empty normal sync (meta..finish) of `d`: only col.mod moved.
bool empty_sync(client::device& d, client::sync_client& c, std::int64_t& last) {
  const auto col = must(d.collection().read_col(), "read col");
  last = std::max({client::system_clock_ms(), last + 1, col.mod + 1});
  must(d.collection().set_mod(last), "set mod");
  auto r = d.sync(c);
  return r && r->kind == client::sync_outcome_kind::normal_sync_done;
}

} // namespace

void run_backup(context& ctx) {
  const auto& o = ctx.opt;
  auto so = ctx.server_base();
  const std::string other = "other";
  so.users = {o.user + ":" + o.password, other + ":" + o.password};
  so.extra_args = {"--admin-token", admin_token};
  server_runner server(so);
  const target t{"127.0.0.1", server.port(), server.pid()};

  // The user to back up: a large collection and many media files.
  std::mt19937_64 rng(17);
  auto big = must(client::device::create(ctx.work / "backup-big"), "device");
  const int notes =
      grow_collection(big, static_cast<std::uint64_t>(o.full_mb) * 1024 * 1024, rng);
  big.set_host_key(login(t, o.user, o.password));
  client::sync_client c(t.host, t.port);
  must(big.full_upload(c), "full upload");
  for (int i = 0; i < o.media_files; ++i)
    must(big.add_media("backup-" + std::to_string(i) + ".jpg",
                       random_bytes(rng, static_cast<std::size_t>(o.media_kb) * 1024)),
         "add media");
  if (auto r = big.media_sync(c); !r)
    throw std::runtime_error("media sync: " + client::describe(r.error()));
  const auto user_folder = server.data_dir() / o.user;
  const double bytes = static_cast<double>(folder_bytes(user_folder));
  const std::string what = std::to_string(static_cast<int>(bytes / mb)) + " MB: " +
                           std::to_string(notes) + " notes, " + std::to_string(o.media_files) +
                           " media files";
  std::cerr << "backup: user folder of " << what << "\n";

  auto small = uploaded_device(ctx, t, other, "backup-other");
  client::sync_client other_c(t.host, t.port);
  std::int64_t last = 0;
  const std::string quiet_op = "other user's empty syncs, no backup";
  {
    op_timer ot(ctx.out, "backup", quiet_op, t.pid);
    for (int i = 0; i < o.empty_n; ++i) {
      auto s = clk::now();
      const bool ok = empty_sync(small, other_c, last);
      ot.add(ms_since(s));
      if (!ok)
        ot.add_error("empty sync failed");
    }
    ot.finish();
  }
  const double quiet_p99 = ctx.out.ops().back().p99;

  // cp -r of the same folder: the baseline, measured right after each
  // backup so that both see the same load.
  auto cp_once = [&](int round) {
    const auto dest = ctx.work / ("cp-" + std::to_string(round));
    const std::string cmd = "cp -r '" + user_folder.string() + "' '" + dest.string() + "'";
    auto s = clk::now();
    if (std::system(cmd.c_str()) != 0)
      throw std::runtime_error("cp -r failed");
    const double ms = ms_since(s);
    std::filesystem::remove_all(dest);
    return ms;
  };
  double best_cp_ms = 0, best_backup_ms = 0;

  // Backups, each while the other user syncs without pause.
  const auto backups = ctx.work / "backups";
  const std::string backup_op = "online backup (" + what + ")";
  std::vector<double> during;
  {
    op_timer ot(ctx.out, "backup", backup_op, t.pid);
    client::http_client_options ho;
    ho.timeout = std::chrono::minutes(10);
    client::http_client admin(t.host, server.admin_port(), ho);
    client::http_request req;
    req.method = "POST";
    req.target = "/admin/backup?dir=" + protocol::percent_encode(backups.string()) +
                 "&user=" + protocol::percent_encode(o.user);
    req.headers.emplace_back("X-Admin-Token", admin_token);
    for (int round = 0; round < o.rounds; ++round) {
      std::atomic<bool> done{false};
      std::thread syncing([&] {
        while (!done.load()) {
          auto s = clk::now();
          empty_sync(small, other_c, last);
          during.push_back(ms_since(s));
        }
      });
      auto s = clk::now();
      auto r = admin.send(req);
      const double took = ms_since(s);
      ot.add(took);
      done.store(true);
      syncing.join();
      best_backup_ms = round == 0 ? took : std::min(best_backup_ms, took);
      const double cp_ms = cp_once(round);
      best_cp_ms = round == 0 ? cp_ms : std::min(best_cp_ms, cp_ms);
      if (!r || r->status != 200 || r->body.find("\"ok\":true") == std::string::npos)
        ot.add_error(r ? std::to_string(r->status) + " " + r->body.substr(0, 300) : r.error());
    }
    ot.finish(bytes, "MB/s");
  }
  const auto backup_row = ctx.out.ops().back();
  {
    op_timer ot(ctx.out, "backup", "other user's empty syncs, during the backups", t.pid);
    ot.add(during);
    ot.finish();
  }
  const double during_p99 = ctx.out.ops().back().p99;

  const double best_cp = bytes / mb / (best_cp_ms / 1000.0);
  ctx.out.add_baseline("backup", "cp -r of the user folder", best_cp, "MB/s", backup_op);

  // Best of the rounds on both sides. The backup also flushes what it
  // wrote before its manifest; cp -r leaves it in the page cache.
  const double speed = best_backup_ms > 0 ? best_cp_ms / best_backup_ms : 0;
  ctx.out.add_figure({"backup", "backup / cp -r speed (best of rounds)", speed, "", ">= 0.5",
                      speed >= 0.5});
  ctx.out.add_figure({"backup", "backup: server RSS growth", backup_row.rss_growth_mb, "MB",
                      "<= 16 MB", backup_row.rss_growth_mb <= 16});
  const double p99_ratio = quiet_p99 > 0 ? during_p99 / quiet_p99 : 0;
  ctx.out.add_figure({"backup", "other user's empty sync p99, during / without backup", p99_ratio,
                      "", "<= 2", p99_ratio <= 2});
}

} // namespace ankisync::bench
