#pragma once

// Pieces scenarios share: failing loudly on setup errors, files, SQL, a
// device holding the server's collection, generated text.

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include <sqlite3.h>

#include "tools/bench/scenario.hpp"
#include "tools/client/device.hpp"
#include "tools/client/sync_client.hpp"

namespace ankisync::bench {

using clk = std::chrono::steady_clock;

inline double ms_since(clk::time_point t) {
  return std::chrono::duration<double, std::milli>(clk::now() - t).count();
}

// Setup steps must work: a failure ends the run (exit 1), unlike a failed
// timed operation, which is counted in `err`.
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

std::string read_all(const std::filesystem::path& p);
void write_all(const std::filesystem::path& p, std::string_view data);
void exec_sql(sqlite3* db, const char* sql);

// Logs in; the host key.
std::string login(const target& t, const std::string& user, const std::string& password);

// A device that holds the server's current collection for `ctx.opt.user`:
// a full download, then last-sync set to the collection's mod (what the
// official client records after a full sync), then syncs until meta says
// nothing changed. Its folder is <work>/<name>.
client::device device_from_server(const context& ctx, const std::string& name);

// Moves the device's WAL into its file, so the file alone is the collection.
void checkpoint(client::device& d);

// `bytes` of note-like text.
std::string words(std::mt19937_64& rng, std::size_t bytes);

// Media-like bytes: incompressible, as images and sound are.
std::string random_bytes(std::mt19937_64& rng, std::size_t n);

// Adds large notes to the device until its file holds `bytes`, then
// checkpoints; how many notes it added.
int grow_collection(client::device& d, std::uint64_t bytes, std::mt19937_64& rng);

} // namespace ankisync::bench
