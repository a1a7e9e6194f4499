// ankisync-bench: times the real server over loopback with the reference
// client (tools/client), and measures next to it, in the same run and on
// the same data, the physical baselines (file copy, zstd level 3, raw
// SQLite inserts). See docs/performance.md.
//
//   ankisync-bench [--server PATH | --url http://host:port] [--profile pi|server]
//                  [--scenario empty-sync,edits,full-sync] [--quick] [--json FILE]
//                  [--rounds N] [--empty-n N] [--notes N] [--reviews N] [--full-mb N]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

#include <boost/json.hpp>
#include <sqlite3.h>
#include <zstd.h>

#include "protocol/meta.hpp"
#include "storage/collection.hpp"
#include "tools/bench/server_runner.hpp"
#include "tools/client/device.hpp"
#include "tools/client/sync_client.hpp"

namespace fs = std::filesystem;
using namespace ankisync;
using clk = std::chrono::steady_clock;

namespace {

struct options {
  std::string server;
  std::string url;
  std::string profile;
  std::string user = "user";
  std::string password = "pass";
  std::string json_file;
  std::vector<std::string> scenarios{"empty-sync", "edits", "full-sync"};
  int rounds = 3;
  int empty_n = 200;
  int notes = 1000;
  int reviews = 5000;
  int full_mb = 100;
  bool quick = false;
};

// ---------- results ----------

struct op_row {
  std::string scenario, op;
  int n = 0, errors = 0;
  double p50 = 0, p99 = 0, max = 0; // ms
  double ops_s = 0;
  double rate = 0;           // MB/s or rows/s for the op, 0 when none
  std::string rate_unit;     // "MB/s", "rows/s"
  double rss_start_mb = 0, rss_peak_mb = 0, rss_growth_mb = 0; // server, 0 when unknown
  double server_cpu_ms = -1; // server CPU time per op; -1 when unknown
};

struct baseline_row {
  std::string scenario, name;
  double rate = 0;
  std::string unit;
  std::string compared_op; // which op_row the ratio is of
  double ratio = 0;        // ours / baseline
};

std::vector<op_row> g_ops;
std::vector<baseline_row> g_baselines;

double ms_since(clk::time_point t) {
  return std::chrono::duration<double, std::milli>(clk::now() - t).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  std::size_t rank = static_cast<std::size_t>(std::ceil(p / 100.0 * v.size()));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

constexpr double mb = 1024.0 * 1024.0;

// Collects latencies of one op and the server's memory over it.
struct op_timer {
  op_row row;
  std::vector<double> lat;
  pid_t pid;
  std::optional<ankisync::bench::rss_sampler> rss;

  op_timer(std::string scenario, std::string op, pid_t server_pid) : pid(server_pid) {
    row.scenario = std::move(scenario);
    row.op = std::move(op);
    rss.emplace(pid);
    cpu_start = ankisync::bench::cpu_ms(pid);
  }
  double cpu_start = 0;
  // Finishes; `units` per op (bytes or rows) gives the rate.
  void finish(double units_per_op = 0, std::string unit = {}) {
    rss->stop();
    row.n = static_cast<int>(lat.size());
    row.p50 = percentile(lat, 50);
    row.p99 = percentile(lat, 99);
    row.max = lat.empty() ? 0 : *std::max_element(lat.begin(), lat.end());
    double sum = 0;
    for (double l : lat)
      sum += l;
    row.ops_s = sum > 0 ? lat.size() / (sum / 1000.0) : 0;
    if (units_per_op > 0 && sum > 0) {
      const double mean_s = sum / lat.size() / 1000.0;
      row.rate = unit == "MB/s" ? units_per_op / mb / mean_s : units_per_op / mean_s;
      row.rate_unit = unit;
    }
    if (pid > 0) {
      if (!lat.empty())
        row.server_cpu_ms = (ankisync::bench::cpu_ms(pid) - cpu_start) / lat.size();
      row.rss_start_mb = rss->start() / mb;
      row.rss_peak_mb = rss->peak() / mb;
      row.rss_growth_mb = row.rss_peak_mb - row.rss_start_mb;
    }
    g_ops.push_back(row);
  }
};

void add_baseline(std::string scenario, std::string name, double rate, std::string unit,
                  std::string compared_op = {}) {
  baseline_row b{std::move(scenario), std::move(name), rate, std::move(unit), {}, 0};
  for (const auto& o : g_ops)
    if (o.scenario == b.scenario && o.op == compared_op && rate > 0) {
      b.compared_op = compared_op;
      b.ratio = o.rate / rate;
    }
  g_baselines.push_back(b);
}

// ---------- the server under test ----------

struct target {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  pid_t pid = -1; // -1 with --url
  fs::path work;  // the bench's own temp folder
};

template <class T, class E>
T must(std::expected<T, E> r, const std::string& what) {
  if (!r) {
    if constexpr (std::is_same_v<E, std::string>)
      throw std::runtime_error(what + ": " + r.error());
    else
      throw std::runtime_error(what + " failed");
  }
  if constexpr (!std::is_void_v<T>)
    return std::move(*r);
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_all(const fs::path& p, std::string_view data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out)
    throw std::runtime_error("cannot write " + p.string());
}

void exec_sql(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error(std::string(sql) + ": " + m);
  }
}

std::string login(const options& o, const target& t) {
  client::sync_client c(t.host, t.port);
  auto r = must(c.login(o.user, o.password), "login");
  if (!r.ok())
    throw std::runtime_error("login answered " + std::to_string(r.status) + ": " + r.body);
  return r.host_key;
}

// A device that holds the server's current collection: a full download,
// then last-sync set to the collection's mod (what the official client
// records after a full sync), then syncs until meta says nothing changed.
client::device device_from_server(const options& o, const target& t, const std::string& name) {
  const std::string key = login(o, t);
  client::sync_client c(t.host, t.port);
  // The server creates a new user's collection on first use.
  must(c.call("meta", protocol::encode_meta_request({11, "ankisync-bench"}), key), "meta");
  auto down = must(c.call("download", "{}", key), "download");
  if (!down.ok())
    throw std::runtime_error("download answered " + std::to_string(down.status));
  const fs::path file = t.work / (name + "-download.anki2");
  write_all(file, down.body);
  auto d = must(client::device::copy_of(file, t.work / name), "device " + name);
  fs::remove(file);
  d.set_host_key(key);
  auto col = must(d.collection().read_col(), "read col");
  must(d.collection().set_ls(col.mod), "set ls");
  // Local edits need not be durable here: only the server is measured.
  exec_sql(d.collection().handle(), "PRAGMA synchronous=OFF");
  for (int i = 0; i < 3; ++i) {
    auto r = d.sync(c);
    if (!r)
      throw std::runtime_error("warm-up sync: " + client::describe(r));
    if (r->kind == client::sync_outcome_kind::no_changes)
      return d;
    if (r->kind == client::sync_outcome_kind::full_sync_required)
      throw std::runtime_error("warm-up sync: the server asks for a full sync");
  }
  return d;
}

void checkpoint(client::device& d) {
  exec_sql(d.collection().handle(), "PRAGMA wal_checkpoint(TRUNCATE)");
}

// ---------- scenario: empty-sync ----------

void empty_sync(const options& o, const target& t) {
  auto d = device_from_server(o, t, "empty");
  client::sync_client c(t.host, t.port);
  {
    op_timer ot("empty-sync", "no changes (meta only)", t.pid);
    for (int i = 0; i < o.empty_n; ++i) {
      auto s = clk::now();
      auto r = d.sync(c);
      ot.lat.push_back(ms_since(s));
      if (!r || r->kind != client::sync_outcome_kind::no_changes) {
        ++ot.row.errors;
        if (ot.row.errors <= 3)
          std::cerr << "no-change sync: " << client::describe(r) << "\n";
      }
    }
    ot.finish();
  }
  {
    op_timer ot("empty-sync", "nothing to send (meta..finish)", t.pid);
    std::int64_t last = 0;
    for (int i = 0; i < o.empty_n; ++i) {
      // Only col.mod moves: the client runs the whole normal sync with
      // no rows to send or receive.
      const auto col = must(d.collection().read_col(), "read col");
      const std::int64_t now = std::max({client::system_clock_ms(), last + 1, col.mod + 1});
      last = now;
      must(d.collection().set_mod(now), "set mod");
      auto s = clk::now();
      auto r = d.sync(c);
      ot.lat.push_back(ms_since(s));
      if (!r || r->kind != client::sync_outcome_kind::normal_sync_done) {
        ++ot.row.errors;
        if (ot.row.errors <= 3)
          std::cerr << "empty sync: " << client::describe(r) << "\n";
      }
    }
    ot.finish();
  }
}

// ---------- scenario: edits ----------

std::string words(std::mt19937_64& rng, std::size_t bytes) {
  static const char* vocab[] = {"anki",  "card",   "review", "memory", "spaced", "repetition",
                                "deck",  "note",   "field",  "answer", "question", "the",
                                "of",    "and",    "learn",  "language", "kanji", "verb",
                                "noun",  "history", "<b>",   "</b>",   "<br>",   "cloze"};
  std::string out;
  out.reserve(bytes + 16);
  std::uniform_int_distribution<std::size_t> pick(0, std::size(vocab) - 1);
  while (out.size() < bytes) {
    out += vocab[pick(rng)];
    out += (rng() % 7 == 0) ? std::to_string(rng() % 100000) + " " : " ";
  }
  out.resize(bytes);
  return out;
}

// The rows of `table` pending upload (usn -1), as SQLite values.
struct table_rows {
  std::string table;
  int columns = 0;
  std::vector<std::vector<sqlite3_value*>> rows;
  ~table_rows() {
    for (auto& r : rows)
      for (auto* v : r)
        sqlite3_value_free(v);
  }
};

void read_pending(sqlite3* db, table_rows& out) {
  sqlite3_stmt* st = nullptr;
  const std::string sql = "SELECT * FROM " + out.table + " WHERE usn = -1";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
    throw std::runtime_error(sqlite3_errmsg(db));
  out.columns = sqlite3_column_count(st);
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::vector<sqlite3_value*> row;
    for (int i = 0; i < out.columns; ++i)
      row.push_back(sqlite3_value_dup(sqlite3_column_value(st, i)));
    out.rows.push_back(std::move(row));
  }
  sqlite3_finalize(st);
}

// Raw SQLite: the same rows INSERT OR REPLACEd into a copy of the
// collection in one transaction (WAL, synchronous=NORMAL, as a server
// profile runs). Returns the seconds it took.
double raw_insert_seconds(const fs::path& copy, std::vector<table_rows>& tables) {
  auto col = must(storage::collection::open(copy), "open copy");
  sqlite3* db = col.handle();
  exec_sql(db, "PRAGMA journal_mode=WAL");
  exec_sql(db, "PRAGMA synchronous=NORMAL");
  const auto s = clk::now();
  exec_sql(db, "BEGIN IMMEDIATE");
  for (auto& t : tables) {
    std::string sql = "INSERT OR REPLACE INTO " + t.table + " VALUES (";
    for (int i = 0; i < t.columns; ++i)
      sql += i ? ",?" : "?";
    sql += ")";
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      throw std::runtime_error(sqlite3_errmsg(db));
    for (auto& row : t.rows) {
      for (int i = 0; i < t.columns; ++i)
        sqlite3_bind_value(st, i + 1, row[static_cast<std::size_t>(i)]);
      if (sqlite3_step(st) != SQLITE_DONE)
        throw std::runtime_error(sqlite3_errmsg(db));
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
  }
  exec_sql(db, "COMMIT");
  return ms_since(s) / 1000.0;
}

void edits(const options& o, const target& t) {
  auto d = device_from_server(o, t, "edits");
  client::sync_client c(t.host, t.port);
  std::mt19937_64 rng(7);
  std::vector<std::int64_t> notes, cards;
  for (int i = 0; i < o.notes; ++i) {
    auto n = must(d.add_note({"front " + std::to_string(i) + " " + words(rng, 40),
                              "back " + words(rng, 120)},
                             {"bench"}),
                  "add note");
    notes.push_back(n.note_id);
    cards.insert(cards.end(), n.card_ids.begin(), n.card_ids.end());
  }
  {
    op_timer ot("edits", std::to_string(o.notes) + " new notes", t.pid);
    auto s = clk::now();
    auto r = d.sync(c);
    ot.lat.push_back(ms_since(s));
    if (!r || r->kind != client::sync_outcome_kind::normal_sync_done)
      ++ot.row.errors, std::cerr << "sync: " << client::describe(r) << "\n";
    ot.finish(2.0 * o.notes, "rows/s"); // notes + cards
  }

  const std::string op = std::to_string(o.notes) + " edited notes + " +
                         std::to_string(o.reviews) + " reviews";
  op_timer ot("edits", op, t.pid);
  double rows_per_sync = 0, raw_rows_s = 0;
  for (int round = 0; round < o.rounds; ++round) {
    for (std::size_t i = 0; i < notes.size(); ++i)
      must(d.edit_note(notes[i], std::vector<std::string>{
                                     "front " + std::to_string(i) + " r" + std::to_string(round),
                                     "back " + words(rng, 120)}),
           "edit note");
    for (int i = 0; i < o.reviews; ++i)
      must(d.review_card(cards[static_cast<std::size_t>(i) % cards.size()], 1 + i % 4),
           "review");
    if (round == 0) {
      // The baseline: the very rows this sync carries, inserted raw.
      std::vector<table_rows> tables(3);
      tables[0].table = "notes";
      tables[1].table = "cards";
      tables[2].table = "revlog";
      for (auto& tr : tables)
        read_pending(d.collection().handle(), tr);
      for (auto& tr : tables)
        rows_per_sync += static_cast<double>(tr.rows.size());
      checkpoint(d);
      const fs::path copy = t.work / "edits-raw.anki2";
      fs::copy_file(d.file(), copy, fs::copy_options::overwrite_existing);
      // The copy holds these rows already: INSERT OR REPLACE deletes and
      // reinserts each, the same work as applying them fresh.
      const double secs = raw_insert_seconds(copy, tables);
      raw_rows_s = rows_per_sync / secs;
      fs::remove(copy);
      fs::remove(copy.string() + "-wal");
      fs::remove(copy.string() + "-shm");
    }
    auto s = clk::now();
    auto r = d.sync(c);
    ot.lat.push_back(ms_since(s));
    if (!r || r->kind != client::sync_outcome_kind::normal_sync_done)
      ++ot.row.errors, std::cerr << "sync: " << client::describe(r) << "\n";
  }
  ot.finish(rows_per_sync, "rows/s");
  add_baseline("edits", "raw SQLite INSERT OR REPLACE of the same rows (1 tx)", raw_rows_s,
               "rows/s", op);
}

// ---------- scenario: full-sync ----------

double copy_mb_s(const fs::path& from, const fs::path& to) {
  const auto s = clk::now();
  int in = ::open(from.c_str(), O_RDONLY);
  int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in < 0 || out < 0)
    throw std::runtime_error("copy: cannot open");
  std::vector<char> buf(1 << 20);
  std::size_t total = 0;
  for (;;) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n <= 0)
      break;
    if (::write(out, buf.data(), static_cast<std::size_t>(n)) != n)
      throw std::runtime_error("copy: short write");
    total += static_cast<std::size_t>(n);
  }
  ::fdatasync(out);
  ::close(in);
  ::close(out);
  const double secs = ms_since(s) / 1000.0;
  fs::remove(to);
  return total / mb / secs;
}

void full_sync(const options& o, const target& t) {
  auto d = device_from_server(o, t, "full");
  std::mt19937_64 rng(11);
  const std::uint64_t want = static_cast<std::uint64_t>(o.full_mb) * 1024 * 1024;
  sqlite3* db = d.collection().handle();
  auto size_now = [&] {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size",
                       -1, &st, nullptr);
    std::uint64_t v = 0;
    if (sqlite3_step(st) == SQLITE_ROW)
      v = static_cast<std::uint64_t>(sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    return v;
  };
  int made = 0;
  while (size_now() < want) {
    for (int i = 0; i < 50; ++i, ++made)
      must(d.add_note({"big " + std::to_string(made) + " " + words(rng, 60),
                       words(rng, 20000)}),
           "add note");
  }
  checkpoint(d);
  const std::string bytes = read_all(d.file());
  const double size = static_cast<double>(bytes.size());
  std::cerr << "full-sync: collection of " << made << " notes, "
            << static_cast<int>(size / mb) << " MB\n";

  const std::string key = d.host_key();
  client::sync_client c(t.host, t.port);
  {
    op_timer ot("full-sync", "full upload", t.pid);
    for (int i = 0; i < o.rounds; ++i) {
      auto s = clk::now();
      auto r = c.call("upload", bytes, key);
      ot.lat.push_back(ms_since(s));
      if (!r || !r->ok() || r->body != "OK") {
        ++ot.row.errors;
        std::cerr << "upload: " << (r ? std::to_string(r->status) + " " + r->body.substr(0, 200)
                                      : r.error())
                  << "\n";
      }
    }
    ot.finish(size, "MB/s");
  }
  {
    op_timer ot("full-sync", "full download", t.pid);
    for (int i = 0; i < o.rounds; ++i) {
      auto s = clk::now();
      auto r = c.call("download", "{}", key);
      ot.lat.push_back(ms_since(s));
      if (!r || !r->ok() || r->body.size() < bytes.size() / 2) {
        ++ot.row.errors;
        std::cerr << "download: " << (r ? std::to_string(r->status) : r.error()) << "\n";
      }
    }
    ot.finish(size, "MB/s");
  }

  // Baselines on the same file, best of `rounds`.
  double copy = 0, zc = 0, zd = 0;
  std::string compressed(ZSTD_compressBound(bytes.size()), '\0');
  std::string back(bytes.size(), '\0');
  for (int i = 0; i < std::max(1, o.rounds); ++i) {
    copy = std::max(copy, copy_mb_s(d.file(), t.work / "copy.anki2"));
    auto s = clk::now();
    const std::size_t n = ZSTD_compress(compressed.data(), compressed.size(), bytes.data(),
                                        bytes.size(), 3);
    if (ZSTD_isError(n))
      throw std::runtime_error("zstd compress");
    zc = std::max(zc, size / mb / (ms_since(s) / 1000.0));
    s = clk::now();
    const std::size_t m = ZSTD_decompress(back.data(), back.size(), compressed.data(), n);
    if (ZSTD_isError(m) || m != bytes.size())
      throw std::runtime_error("zstd decompress");
    zd = std::max(zd, size / mb / (ms_since(s) / 1000.0));
    if (i == 0)
      std::cerr << "full-sync: zstd -3 ratio " << size / static_cast<double>(n) << "\n";
  }
  // What a transfer must at least do: one side compresses, the other
  // decompresses, and the file is written once.
  const double pipeline = 1.0 / (1.0 / copy + 1.0 / zc + 1.0 / zd);
  for (const char* op : {"full upload", "full download"}) {
    add_baseline("full-sync", "file copy (read+write+fdatasync)", copy, "MB/s", op);
    add_baseline("full-sync", "zstd -3 compress", zc, "MB/s", op);
    add_baseline("full-sync", "zstd decompress", zd, "MB/s", op);
    add_baseline("full-sync", "copy + compress + decompress in series", pipeline, "MB/s", op);
  }
}

// ---------- output ----------

std::string fmt(double v, int prec = 1) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}

void print_table(std::ostream& out) {
  out << "\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-10s %-42s %5s %4s %9s %9s %9s %9s %14s %9s %9s %11s\n",
                "scenario", "operation", "n", "err", "p50 ms", "p99 ms", "max ms", "ops/s",
                "rate", "RSS MB", "RSS +MB", "srv CPU ms");
  out << line;
  for (const auto& r : g_ops) {
    const std::string rate = r.rate > 0 ? fmt(r.rate, 0) + " " + r.rate_unit : "-";
    std::snprintf(line, sizeof line,
                  "%-10s %-42s %5d %4d %9.2f %9.2f %9.2f %9.1f %14s %9s %9s %11s\n",
                  r.scenario.c_str(), r.op.c_str(), r.n, r.errors, r.p50, r.p99, r.max, r.ops_s,
                  rate.c_str(), r.rss_peak_mb > 0 ? fmt(r.rss_peak_mb).c_str() : "-",
                  r.rss_peak_mb > 0 ? fmt(r.rss_growth_mb).c_str() : "-",
                  r.server_cpu_ms >= 0 ? fmt(r.server_cpu_ms, 2).c_str() : "-");
    out << line;
  }
  if (!g_baselines.empty()) {
    out << "\nbaselines (same run, same data)\n";
    std::snprintf(line, sizeof line, "%-10s %-52s %14s   %s\n", "scenario", "baseline", "rate",
                  "ours / baseline");
    out << line;
    for (const auto& b : g_baselines) {
      std::snprintf(line, sizeof line, "%-10s %-52s %14s   %s\n", b.scenario.c_str(),
                    b.name.c_str(), (fmt(b.rate, 0) + " " + b.unit).c_str(),
                    b.compared_op.empty() ? "-" : (fmt(b.ratio, 2) + " (" + b.compared_op + ")").c_str());
      out << line;
    }
  }
}

void write_json(const options& o, const std::string& file, double total_s) {
  boost::json::object root;
  const auto now = std::chrono::system_clock::now();
  root["time_unix"] = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  root["profile"] = o.profile.empty() ? "default" : o.profile;
  root["cores"] = static_cast<std::int64_t>(::sysconf(_SC_NPROCESSORS_ONLN));
  root["quick"] = o.quick;
  root["seconds"] = total_s;
  boost::json::array ops;
  for (const auto& r : g_ops)
    ops.push_back({{"scenario", r.scenario}, {"op", r.op}, {"n", r.n}, {"errors", r.errors},
                   {"p50_ms", r.p50}, {"p99_ms", r.p99}, {"max_ms", r.max}, {"ops_per_s", r.ops_s},
                   {"rate", r.rate}, {"rate_unit", r.rate_unit},
                   {"server_rss_start_mb", r.rss_start_mb}, {"server_rss_peak_mb", r.rss_peak_mb},
                   {"server_rss_growth_mb", r.rss_growth_mb},
                   {"server_cpu_ms_per_op", r.server_cpu_ms}});
  root["operations"] = std::move(ops);
  boost::json::array bl;
  for (const auto& b : g_baselines)
    bl.push_back({{"scenario", b.scenario}, {"baseline", b.name}, {"rate", b.rate},
                  {"unit", b.unit}, {"compared_op", b.compared_op}, {"ratio", b.ratio}});
  root["baselines"] = std::move(bl);
  write_all(file, boost::json::serialize(root) + "\n");
}

int usage(const char* argv0) {
  std::cerr << "usage: " << argv0
            << " [--server PATH | --url http://host:port] [--profile pi|server]\n"
               "  [--user U --password P] [--scenario empty-sync,edits,full-sync] [--quick]\n"
               "  [--json FILE] [--rounds N] [--empty-n N] [--notes N] [--reviews N] [--full-mb N]\n";
  return 2;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, ','))
    if (!part.empty())
      out.push_back(part);
  return out;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  std::optional<int> rounds, empty_n, notes, reviews, full_mb;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--server") o.server = next();
      else if (a == "--url") o.url = next();
      else if (a == "--profile") o.profile = next();
      else if (a == "--user") o.user = next();
      else if (a == "--password") o.password = next();
      else if (a == "--json") o.json_file = next();
      else if (a == "--scenario") o.scenarios = split(next());
      else if (a == "--quick") o.quick = true;
      else if (a == "--rounds") rounds = std::stoi(next());
      else if (a == "--empty-n") empty_n = std::stoi(next());
      else if (a == "--notes") notes = std::stoi(next());
      else if (a == "--reviews") reviews = std::stoi(next());
      else if (a == "--full-mb") full_mb = std::stoi(next());
      else if (a == "-h" || a == "--help") return usage(argv[0]), 0;
      else return usage(argv[0]);
    } catch (const std::exception& e) {
      std::cerr << e.what() << "\n";
      return usage(argv[0]);
    }
  }
  if (o.quick) {
    o.rounds = 2;
    o.empty_n = 10;
    o.notes = 20;
    o.reviews = 50;
    o.full_mb = 2;
  }
  o.rounds = rounds.value_or(o.rounds);
  o.empty_n = empty_n.value_or(o.empty_n);
  o.notes = notes.value_or(o.notes);
  o.reviews = reviews.value_or(o.reviews);
  o.full_mb = full_mb.value_or(o.full_mb);
  for (const auto& s : o.scenarios)
    if (s != "empty-sync" && s != "edits" && s != "full-sync") {
      std::cerr << "unknown scenario " << s << "\n";
      return usage(argv[0]);
    }
  if (o.rounds < 1 || o.empty_n < 1 || o.notes < 1 || o.reviews < 0 || o.full_mb < 1)
    return usage(argv[0]);

  const auto started = clk::now();
  try {
    std::optional<ankisync::bench::server_runner> server;
    target t;
    if (!o.url.empty()) {
      std::string u = o.url;
      if (u.starts_with("http://"))
        u = u.substr(7);
      while (!u.empty() && u.back() == '/')
        u.pop_back();
      const auto colon = u.rfind(':');
      if (colon == std::string::npos)
        throw std::runtime_error("--url needs a port");
      t.host = u.substr(0, colon);
      t.port = static_cast<std::uint16_t>(std::stoi(u.substr(colon + 1)));
    } else {
      if (o.server.empty()) {
        // Next to this program, or the build tree's tools/ankisync/.
        const fs::path self = fs::canonical("/proc/self/exe").parent_path();
        for (auto p : {self / "ankisync", self.parent_path() / "ankisync" / "ankisync"})
          if (fs::exists(p)) {
            o.server = p.string();
            break;
          }
        if (o.server.empty())
          throw std::runtime_error("no ankisync binary found: give --server PATH or --url");
      }
      server.emplace(ankisync::bench::server_runner_options{o.server, o.profile, o.user,
                                                              o.password});
      t.port = server->port();
      t.pid = server->pid();
      std::cerr << "server pid " << t.pid << " on port " << t.port << ", RSS after start "
                << fmt(ankisync::bench::rss_bytes(t.pid) / mb) << " MB\n";
    }
    std::string pattern = (fs::temp_directory_path() / "ankisync-bench-client-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error("mkdtemp failed");
    t.work = pattern;
    struct cleanup {
      fs::path p;
      ~cleanup() {
        std::error_code ec;
        fs::remove_all(p, ec);
      }
    } clean{t.work};

    for (const auto& s : o.scenarios) {
      std::cerr << "running " << s << "...\n";
      if (s == "empty-sync")
        empty_sync(o, t);
      else if (s == "edits")
        edits(o, t);
      else
        full_sync(o, t);
    }
  } catch (const std::exception& e) {
    print_table(std::cout);
    std::cerr << "ankisync-bench: " << e.what() << "\n";
    return 1;
  }
  const double total_s = ms_since(started) / 1000.0;
  print_table(std::cout);
  std::cout << "\n" << o.scenarios.size() << " scenario(s) in " << fmt(total_s) << " s"
            << (o.profile.empty() ? "" : ", profile " + o.profile) << "\n";
  if (!o.json_file.empty())
    write_json(o, o.json_file, total_s);
  int errors = 0;
  for (const auto& r : g_ops)
    errors += r.errors;
  return errors ? 3 : 0;
}
