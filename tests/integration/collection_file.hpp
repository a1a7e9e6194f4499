#pragma once

// Reads a collection file independently of the code under test: plain SQL
// over a read-only connection (the server keeps its file in WAL mode
// without exclusive locking, so this works while it runs). Used to check
// what the server and the devices hold, table by table.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace ankisync::integration {

struct col_state {
  std::int64_t crt = 0, mod = 0, scm = 0, ver = 0, ls = 0;
  std::int32_t usn = 0;
  friend bool operator==(const col_state&, const col_state&) = default;
};

// Row counts of the tables a sync moves.
struct table_counts {
  std::int64_t cards = 0, notes = 0, revlog = 0, graves = 0, notetypes = 0, decks = 0,
               deck_config = 0, config = 0, tags = 0;
  friend bool operator==(const table_counts&, const table_counts&) = default;
};

class collection_file {
public:
  // Throws std::runtime_error (failing the test) if the file cannot be read.
  explicit collection_file(const std::filesystem::path& path);
  ~collection_file();
  collection_file(const collection_file&) = delete;
  collection_file& operator=(const collection_file&) = delete;

  col_state col();
  table_counts counts();
  std::int64_t scalar(std::string_view sql);
  // The first line of PRAGMA integrity_check: "ok" for a sound file.
  std::string integrity_check();
  // Every row of `table` ordered by `order_by`, one string per row with
  // each column as "name=value" (blobs in hex), leaving out `skip`.
  std::vector<std::string> rows(std::string_view table, std::string_view order_by,
                                const std::vector<std::string>& skip = {});

private:
  sqlite3* db_ = nullptr;
};

// The tables of a schema-18 collection, each with its key and the columns
// that legitimately differ between devices of one user after they all
// synced (see sync_tables() in the .cpp for why each is per device).
struct table_spec {
  std::string table;
  std::string order_by;
  std::vector<std::string> per_device_columns;
};
const std::vector<table_spec>& sync_tables();

// Every difference between two files over sync_tables(), as readable
// lines ("notes: only in a: id=..."); empty when they hold the same rows.
// `also_skip` leaves further columns out of every table (e.g. "usn").
std::vector<std::string> differences(const std::filesystem::path& a,
                                     const std::filesystem::path& b,
                                     const std::vector<std::string>& also_skip = {});

// The whole content over sync_tables(), table -> rows, for comparing a
// file with itself at another moment (nothing is skipped).
std::map<std::string, std::vector<std::string>> snapshot(const std::filesystem::path& file);

} // namespace ankisync::integration
