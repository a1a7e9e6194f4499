#include "tools/bench/baselines.hpp"

#include <algorithm>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

#include <zstd.h>

#include <unordered_map>

#include "actors/sync/chunk_rows.hpp"
#include "storage/collection.hpp"
#include "tools/bench/scenario_support.hpp"

namespace ankisync::bench {
namespace fs = std::filesystem;

table_rows::~table_rows() {
  for (auto& r : rows)
    for (auto* v : r)
      sqlite3_value_free(v);
}

std::vector<table_rows> read_pending_rows(sqlite3* db) {
  std::vector<table_rows> tables;
  for (const char* name : {"notes", "cards", "revlog"}) {
    table_rows out(name);
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
    tables.push_back(std::move(out));
  }
  return tables;
}

std::size_t row_count(const std::vector<table_rows>& tables) {
  std::size_t n = 0;
  for (const auto& t : tables)
    n += t.rows.size();
  return n;
}

std::vector<row_ref> id_order(const std::vector<table_rows>& tables) {
  std::vector<row_ref> order;
  for (std::size_t t = 0; t < tables.size(); ++t)
    for (std::size_t r = 0; r < tables[t].rows.size(); ++r)
      order.push_back({t, r});
  return order;
}

std::vector<row_ref> sync_order(storage::collection& device,
                                const std::vector<table_rows>& tables) {
  // The sender's own functions pick the ids; the rows are found by id
  // (column 0 of every synced table).
  std::unordered_map<std::string, std::size_t> table_index;
  std::vector<std::unordered_map<std::int64_t, std::size_t>> row_index(tables.size());
  for (std::size_t t = 0; t < tables.size(); ++t) {
    table_index[tables[t].table] = t;
    for (std::size_t r = 0; r < tables[t].rows.size(); ++r)
      row_index[t][sqlite3_value_int64(tables[t].rows[r][0])] = r;
  }
  auto pending = must(actors::sync::pending_rows(device, -1), "pending rows");
  std::vector<row_ref> order;
  auto add = [&](const char* table, const std::vector<std::int64_t>& ids) {
    const std::size_t t = table_index.at(table);
    for (auto id : ids)
      order.push_back({t, row_index[t].at(id)});
  };
  for (;;) {
    const auto taken = actors::sync::take_chunk_ids(pending);
    add("revlog", taken.ids.revlog);
    add("cards", taken.ids.cards);
    add("notes", taken.ids.notes);
    if (taken.done)
      break;
  }
  return order;
}

namespace {

double raw_insert_once(const fs::path& collection_file, const fs::path& scratch,
                       const std::vector<table_rows>& tables, const std::vector<row_ref>& order,
                       std::string_view verb) {
  fs::copy_file(collection_file, scratch, fs::copy_options::overwrite_existing);
  double secs = 0;
  {
    auto col = must(storage::collection::open(scratch), "open copy");
    sqlite3* db = col.handle();
    exec_sql(db, "PRAGMA journal_mode=WAL");
    exec_sql(db, "PRAGMA synchronous=NORMAL");
    const auto s = clk::now();
    exec_sql(db, "BEGIN IMMEDIATE");
    std::vector<sqlite3_stmt*> stmts;
    for (const auto& t : tables) {
      std::string sql = std::string(verb) + " INTO " + t.table + " VALUES (";
      for (int i = 0; i < t.columns; ++i)
        sql += i ? ",?" : "?";
      sql += ")";
      sqlite3_stmt* st = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
        throw std::runtime_error(sqlite3_errmsg(db));
      stmts.push_back(st);
    }
    for (const auto& at : order) {
      sqlite3_stmt* st = stmts[at.table];
      const auto& row = tables[at.table].rows[at.row];
      for (int i = 0; i < tables[at.table].columns; ++i)
        sqlite3_bind_value(st, i + 1, row[static_cast<std::size_t>(i)]);
      if (sqlite3_step(st) != SQLITE_DONE)
        throw std::runtime_error(sqlite3_errmsg(db));
      sqlite3_reset(st);
    }
    for (auto* st : stmts)
      sqlite3_finalize(st);
    exec_sql(db, "COMMIT");
    secs = ms_since(s) / 1000.0;
  }
  for (const char* suffix : {"", "-wal", "-shm"})
    fs::remove(scratch.string() + suffix);
  return secs > 0 ? static_cast<double>(row_count(tables)) / secs : 0;
}

} // namespace

double raw_insert_rows_per_s(const fs::path& collection_file, const fs::path& scratch,
                             const std::vector<table_rows>& tables,
                             const std::vector<row_ref>& order, std::string_view verb) {
  // Best of three: one run is short enough for the disk's writeback of
  // earlier scenarios to halve it.
  double best = 0;
  for (int i = 0; i < 3; ++i)
    best = std::max(best, raw_insert_once(collection_file, scratch, tables, order, verb));
  return best;
}

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

transfer_baselines measure_transfer(const fs::path& file, const std::string& bytes,
                                    const fs::path& scratch, int rounds) {
  transfer_baselines b;
  const double size = static_cast<double>(bytes.size());
  std::string compressed(ZSTD_compressBound(bytes.size()), '\0');
  std::string back(bytes.size(), '\0');
  for (int i = 0; i < std::max(1, rounds); ++i) {
    b.copy = std::max(b.copy, copy_mb_s(file, scratch));
    auto s = clk::now();
    const std::size_t n =
        ZSTD_compress(compressed.data(), compressed.size(), bytes.data(), bytes.size(), 3);
    if (ZSTD_isError(n))
      throw std::runtime_error("zstd compress");
    b.zstd_compress = std::max(b.zstd_compress, size / mb / (ms_since(s) / 1000.0));
    s = clk::now();
    const std::size_t m = ZSTD_decompress(back.data(), back.size(), compressed.data(), n);
    if (ZSTD_isError(m) || m != bytes.size())
      throw std::runtime_error("zstd decompress");
    b.zstd_decompress = std::max(b.zstd_decompress, size / mb / (ms_since(s) / 1000.0));
    b.ratio = size / static_cast<double>(n);
  }
  return b;
}

void add_transfer_baselines(report& out, const std::string& scenario,
                            const transfer_baselines& b, const std::string& compared_op) {
  out.add_baseline(scenario, "file copy (read+write+fdatasync)", b.copy, "MB/s", compared_op);
  out.add_baseline(scenario, "zstd -3 compress", b.zstd_compress, "MB/s", compared_op);
  out.add_baseline(scenario, "zstd decompress", b.zstd_decompress, "MB/s", compared_op);
  out.add_baseline(scenario, "copy + compress + decompress in series", b.series(), "MB/s",
                   compared_op);
}

} // namespace ankisync::bench
