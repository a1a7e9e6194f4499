#include "tools/bench/scenario_support.hpp"

#include <fstream>
#include <sstream>

#include "protocol/meta.hpp"

namespace ankisync::bench {
namespace fs = std::filesystem;

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

std::string login(const target& t, const std::string& user, const std::string& password) {
  client::sync_client c(t.host, t.port, t.client_options());
  auto r = must(c.login(user, password), "login");
  if (!r.ok())
    throw std::runtime_error("login answered " + std::to_string(r.status) + ": " + r.body);
  return r.host_key;
}

client::device device_from_server(const context& ctx, const std::string& name) {
  const target& t = ctx.shared;
  const std::string key = login(t, ctx.opt.user, ctx.opt.password);
  client::sync_client c(t.host, t.port, t.client_options());
  // The server creates a new user's collection on first use.
  must(c.call("meta", protocol::encode_meta_request({11, "ankisync-bench"}), key), "meta");
  auto down = must(c.call("download", "{}", key), "download");
  if (!down.ok())
    throw std::runtime_error("download answered " + std::to_string(down.status));
  const fs::path file = ctx.work / (name + "-download.anki2");
  write_all(file, down.body);
  auto d = must(client::device::copy_of(file, ctx.work / name), "device " + name);
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

std::string words(std::mt19937_64& rng, std::size_t bytes) {
  static const char* vocab[] = {"anki",  "card",    "review", "memory", "spaced", "repetition",
                                "deck",  "note",    "field",  "answer", "question", "the",
                                "of",    "and",     "learn",  "language", "kanji",  "verb",
                                "noun",  "history", "<b>",    "</b>",   "<br>",   "cloze"};
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

std::string random_bytes(std::mt19937_64& rng, std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; i += 8) {
    const std::uint64_t v = rng();
    for (std::size_t k = 0; k < 8 && i + k < n; ++k)
      out[i + k] = static_cast<char>(v >> (8 * k));
  }
  return out;
}

int grow_collection(client::device& d, std::uint64_t bytes, std::mt19937_64& rng) {
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
  while (size_now() < bytes) {
    for (int i = 0; i < 50; ++i, ++made)
      must(d.add_note({"big " + std::to_string(made) + " " + words(rng, 60), words(rng, 20000)}),
           "add note");
  }
  checkpoint(d);
  return made;
}

} // namespace ankisync::bench
