// media: one device uploads --media-files files of --media-kb KB with a
// media sync, then fresh devices download them all, each with the
// reference client as the official one syncs (zips of <= 25 files /
// 2.5 MiB). Files/s both ways, next to writing the same files to disk and
// hashing them. A server of its own, so that its peak RSS (VmHWM) belongs
// to this scenario alone.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "tools/bench/scenario_support.hpp"
#include "protocol/media_json.hpp"
#include "tools/client/media_folder.hpp"

namespace ankisync::bench {
namespace {

// VmHWM of `pid` in bytes (0 when unknown): the peak resident size since
// start or since the last reset_peak_rss.
std::uint64_t peak_rss_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmHWM:"))
      return std::stoull(line.substr(6)) * 1024;
  return 0;
}

// Starts a new peak (Linux: "5" into clear_refs); false when not allowed.
bool reset_peak_rss(pid_t pid) {
  std::ofstream out("/proc/" + std::to_string(pid) + "/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

// The floor under both directions: every file written (and synced to
// disk once at the end) and hashed. Files/s, best of `rounds`.
double write_and_hash_files_per_s(const std::vector<std::pair<std::string, std::string>>& files,
                                  const std::filesystem::path& scratch, int rounds) {
  double best = 0;
  for (int r = 0; r < rounds; ++r) {
    std::filesystem::remove_all(scratch);
    std::filesystem::create_directories(scratch);
    const auto s = clk::now();
    for (const auto& [name, bytes] : files) {
      write_all(scratch / name, bytes);
      (void)client::sha1_hex_of(bytes);
    }
    ::sync();
    const double secs = ms_since(s) / 1000.0;
    if (secs > 0)
      best = std::max(best, files.size() / secs);
  }
  std::filesystem::remove_all(scratch);
  return best;
}

// Files/s and the server's CPU time per file of the op just finished,
// with their targets (none when 0).
void add_per_file_figures(report& out, const std::string& direction, std::size_t files,
                          double min_files_s, const std::string& files_target,
                          double max_cpu_ms) {
  const op_row& op = out.ops().back();
  out.add_figure({"media", direction + " files/s", op.rate, "files/s", files_target,
                  min_files_s > 0 ? std::optional<bool>(op.rate >= min_files_s) : std::nullopt});
  if (op.server_cpu_ms < 0 || files == 0)
    return;
  const double per_file = op.server_cpu_ms / static_cast<double>(files);
  out.add_figure({"media", "server CPU per " + direction + "ed file", per_file, "ms",
                  max_cpu_ms > 0 ? "<= " + fmt(max_cpu_ms, 2) + " ms" : "",
                  max_cpu_ms > 0 ? std::optional<bool>(per_file <= max_cpu_ms) : std::nullopt});
}

// How the upload baselines make the files durable.
enum class file_sync { none, each_file, per_batch };

// Each file created and written once, as the server must at least do for
// an upload: (a) nothing synced; (b) one fdatasync per file; (c) per
// batch of `batch` files, their fdatasyncs issued together after the
// batch is written, then one fsync of the folder (the least that makes a
// batch of new files durable). Files/s, best of `rounds`.
double create_write_files_per_s(const std::vector<std::pair<std::string, std::string>>& files,
                                const std::filesystem::path& scratch, int rounds, file_sync mode,
                                std::size_t batch) {
  auto fail = [&](const char* what) {
    throw std::runtime_error(std::string("media baseline: ") + what + " in " + scratch.string() +
                             ": " + std::strerror(errno));
  };
  double best = 0;
  for (int r = 0; r < rounds; ++r) {
    std::filesystem::remove_all(scratch);
    std::filesystem::create_directories(scratch);
    const int dir = ::open(scratch.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
      fail("open");
    std::vector<int> open_fds;
    auto sync_batch = [&] {
      for (int fd : open_fds) {
        if (mode == file_sync::per_batch && ::fdatasync(fd) != 0)
          fail("fdatasync");
        ::close(fd);
      }
      open_fds.clear();
      if (mode == file_sync::per_batch && ::fsync(dir) != 0)
        fail("fsync");
    };
    const auto s = clk::now();
    for (const auto& [name, bytes] : files) {
      const int fd = ::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0)
        fail("create");
      if (::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()))
        fail("write");
      if (mode == file_sync::each_file && ::fdatasync(fd) != 0)
        fail("fdatasync");
      open_fds.push_back(fd);
      if (open_fds.size() == batch)
        sync_batch();
    }
    sync_batch();
    const double secs = ms_since(s) / 1000.0;
    ::close(dir);
    if (secs > 0)
      best = std::max(best, files.size() / secs);
  }
  std::filesystem::remove_all(scratch);
  return best;
}

} // namespace

void run_media(context& ctx) {
  const auto& o = ctx.opt;
  auto so = ctx.server_base();
  so.users = {o.user + ":" + o.password};
  server_runner server(so);
  const target t{"127.0.0.1", server.port(), server.pid()};
  const std::string key = login(t, o.user, o.password);

  const auto n = static_cast<std::size_t>(o.media_files);
  const auto size = static_cast<std::size_t>(o.media_kb) * 1024;
  std::mt19937_64 rng(5);
  std::vector<std::pair<std::string, std::string>> files;
  for (std::size_t i = 0; i < n; ++i)
    files.emplace_back("media-" + std::to_string(i) + ".jpg", random_bytes(rng, size));
  const std::string what = std::to_string(n) + " files of " + std::to_string(o.media_kb) + " KB";
  std::cerr << "media: " << what << "\n";

  auto up = must(client::device::create(ctx.work / "media-up"), "media device");
  up.set_host_key(key);
  for (const auto& [name, bytes] : files)
    must(up.add_media(name, bytes), "add media");

  client::sync_client c(t.host, t.port);
  const double rss_before_up = static_cast<double>(rss_bytes(t.pid));
  const bool fresh_peak = reset_peak_rss(t.pid);
  {
    op_timer ot(ctx.out, "media", "media upload (" + what + ")", t.pid);
    const auto s = clk::now();
    auto r = up.media_sync(c);
    ot.add(ms_since(s));
    if (!r)
      ot.add_error(client::describe(r.error()));
    else if (r->uploaded != n || !r->sanity_ok)
      ot.add_error("uploaded " + std::to_string(r->uploaded) + " of " + std::to_string(n));
    ot.finish(static_cast<double>(n), "files/s");
  }
  add_per_file_figures(ctx.out, "upload", n, 1500, ">= 1500 files/s", 0.25);
  const double hwm_up = static_cast<double>(peak_rss_bytes(t.pid));
  ctx.out.add_figure({"media", "server peak RSS growth, upload", (hwm_up - rss_before_up) / mb,
                      "MB", "", std::nullopt});

  const double rss_before_down = static_cast<double>(rss_bytes(t.pid));
  reset_peak_rss(t.pid);
  {
    op_timer ot(ctx.out, "media", "media download (" + what + ")", t.pid);
    for (int round = 0; round < o.rounds; ++round) {
      auto down = must(client::device::create(ctx.work / ("media-down-" + std::to_string(round))),
                       "media device");
      down.set_host_key(key);
      const auto s = clk::now();
      auto r = down.media_sync(c);
      ot.add(ms_since(s));
      if (!r)
        ot.add_error(client::describe(r.error()));
      else if (r->downloaded != n || !r->sanity_ok)
        ot.add_error("downloaded " + std::to_string(r->downloaded) + " of " + std::to_string(n));
    }
    ot.finish(static_cast<double>(n), "files/s");
  }
  add_per_file_figures(ctx.out, "download", n, 0, "", 0);
  const double hwm_down = static_cast<double>(peak_rss_bytes(t.pid));
  if (fresh_peak)
    ctx.out.add_figure({"media", "server peak RSS growth, download",
                        (hwm_down - rss_before_down) / mb, "MB", "", std::nullopt});
  else
    std::cerr << "media: cannot reset VmHWM; the download's peak is the op row's RSS peak\n";

  const std::string upload_op = "media upload (" + what + ")";
  const std::string download_op = "media download (" + what + ")";
  const double floor = write_and_hash_files_per_s(files, ctx.work / "media-baseline", o.rounds);
  ctx.out.add_baseline("media", "write + sha1 the same files", floor, "files/s", download_op);
  // Upload baselines on the same files, same file system as the server's
  // data: what creating them costs, then what each way of syncing adds.
  const struct {
    const char* name;
    file_sync mode;
  } upload_baselines[] = {
      {"(a) create + write each file, no sync", file_sync::none},
      {"(b) (a) + fdatasync per file", file_sync::each_file},
      {"(c) (a) + one sync per 25-file batch", file_sync::per_batch},
  };
  for (const auto& b : upload_baselines)
    ctx.out.add_baseline("media", b.name,
                         create_write_files_per_s(files, ctx.work / "media-baseline", o.rounds,
                                                  b.mode, protocol::max_media_files_in_zip),
                         "files/s", upload_op);
}

} // namespace ankisync::bench
