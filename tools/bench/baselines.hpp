#pragma once

// Physical baselines, measured on the scenario's own data in the same run:
// what the disk, zstd and SQLite can do with no server in between.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <sqlite3.h>

#include "tools/bench/report.hpp"

namespace ankisync::storage {
class collection;
}

namespace ankisync::bench {

// The rows of one table a device has pending upload (usn -1), as values.
struct table_rows {
  std::string table;
  int columns = 0;
  std::vector<std::vector<sqlite3_value*>> rows;
  table_rows() = default;
  explicit table_rows(std::string name) : table(std::move(name)) {}
  table_rows(table_rows&&) = default;
  table_rows(const table_rows&) = delete;
  ~table_rows();
};

// notes, cards and revlog rows with usn -1 in `db`.
std::vector<table_rows> read_pending_rows(sqlite3* db);
std::size_t row_count(const std::vector<table_rows>& tables);

// One row of `tables`: which table, which of its rows.
struct row_ref {
  std::size_t table = 0;
  std::size_t row = 0;
};
// Every row, table by table in id order: SQLite's best case, since each
// key lands at the end of its B-tree.
std::vector<row_ref> id_order(const std::vector<table_rows>& tables);
// Every row in the order a server stores them when `device`, which holds
// them, sends them in a normal sync: chunk by chunk as the sender takes
// them (off the end of each pending list, so ids descend), and in each
// chunk the revlog, cards, then notes, as applyChunk applies them.
std::vector<row_ref> sync_order(storage::collection& device,
                                const std::vector<table_rows>& tables);

// The rows stored in `order` with `verb` ("INSERT", or "INSERT OR
// REPLACE" for rows that may exist) into a copy of `collection_file` in
// one transaction with prepared statements, WAL, synchronous=NORMAL, as a
// server runs. Rows/s, best of three.
double raw_insert_rows_per_s(const std::filesystem::path& collection_file,
                             const std::filesystem::path& scratch,
                             const std::vector<table_rows>& tables,
                             const std::vector<row_ref>& order, std::string_view verb);

// Copies `from` (1 MB reads and writes, then fdatasync); MB/s.
double copy_mb_s(const std::filesystem::path& from, const std::filesystem::path& to);

struct transfer_baselines {
  double copy = 0, zstd_compress = 0, zstd_decompress = 0; // MB/s, best of the rounds
  double ratio = 0;                                        // zstd -3
  // What a transfer must at least do: one side compresses, the other
  // decompresses, and the file is written once; in series.
  double series() const { return 1.0 / (1.0 / copy + 1.0 / zstd_compress + 1.0 / zstd_decompress); }
};

transfer_baselines measure_transfer(const std::filesystem::path& file, const std::string& bytes,
                                    const std::filesystem::path& scratch, int rounds);

// Adds the four transfer baselines, each compared with `compared_op`.
void add_transfer_baselines(report& out, const std::string& scenario,
                            const transfer_baselines& b, const std::string& compared_op);

} // namespace ankisync::bench
