#include "protocol/media_zip.hpp"

#include <boost/json.hpp>
#include <nettle/sha1.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <random>
#include <utility>

#include "protocol/json_read.hpp"
#include "protocol/json_write.hpp"
#include "protocol/media_json.hpp"
#include "protocol/media_name.hpp"
#include "protocol/stored_zip.hpp"
#include "protocol/zip_read.hpp"

namespace ankisync::protocol {

namespace json = boost::json;
using namespace detail;

namespace {

constexpr std::string_view upload_what = "bad upload zip";
// Upstream reads at most this much of `_meta`; a longer one fails to parse.
constexpr std::uint64_t meta_read_cap = 50 * 1024;

sync_error bad_upload(std::string detail) {
  return make_error(error_code::bad_request, std::string(upload_what) + ": " + detail);
}

sync_error io_failure(std::string what, const std::filesystem::path& p, int err) {
  return write_failure(what + " " + p.filename().string(), err);
}

// One `_meta` entry as sent: [actualFilename, memberName or null].
struct meta_entry {
  std::string fname;
  std::optional<std::string> member;
};

field_result<std::optional<std::string>> read_optional_string(const json::value& v) {
  if (v.is_null()) return std::optional<std::string>();
  auto s = read_string(v);
  if (!s) return std::unexpected(s.error());
  return std::optional<std::string>(std::move(*s));
}

// Upstream's entry type serialises as a pair but deserialises, as serde's
// derived structs do, from an object with its field names as well.
field_result<meta_entry> read_meta_entry(const json::value& v) {
  meta_entry e;
  if (v.is_object()) {
    object_reader in(v.get_object());
    in.req("actual_filename", read_string, e.fname)
        .opt("filename_in_zip", read_optional_string, e.member);
    if (in.error()) return std::unexpected(*in.error());
    return e;
  }
  auto a = as_tuple(v, 2);
  if (!a) return std::unexpected(a.error());
  row_reader in(**a);
  in.col("actual_filename", read_string, e.fname)
      .col("filename_in_zip", read_optional_string, e.member);
  if (in.error()) return std::unexpected(*in.error());
  return e;
}

field_result<std::vector<meta_entry>> read_meta(const json::value& root) {
  auto a = as_array(root);
  if (!a) return std::unexpected(a.error());
  std::vector<meta_entry> out;
  out.reserve(size(**a));
  for (std::size_t i = 0; i < size(**a); ++i) {
    auto e = read_meta_entry(element(**a, i));
    if (!e) return std::unexpected(at(std::move(e.error()), i));
    out.push_back(std::move(*e));
  }
  return out;
}

std::string random_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char digits[] = "0123456789abcdef";
  std::uint64_t v = rng();
  std::string s(16, '0');
  for (auto& c : s) {
    c = digits[v & 0xf];
    v >>= 4;
  }
  return s;
}

class sha1_hasher {
public:
  sha1_hasher() { sha1_init(&ctx_); }
  void update(std::string_view bytes) {
    sha1_update(&ctx_, bytes.size(), reinterpret_cast<const std::uint8_t*>(bytes.data()));
  }
  std::string raw_digest() {
    std::uint8_t md[SHA1_DIGEST_SIZE];
    sha1_digest(&ctx_, sizeof md, md);
    return std::string(reinterpret_cast<const char*>(md), sizeof md);
  }

private:
  sha1_ctx ctx_;
};

// Removes every file it was told about, unless released: the all-or-
// nothing promise of extract_upload_zip.
class staged_files_guard {
public:
  void add(std::filesystem::path p) { paths_.push_back(std::move(p)); }
  void release() { paths_.clear(); }
  ~staged_files_guard() {
    for (const auto& p : paths_) {
      std::error_code ec;
      std::filesystem::remove(p, ec);
    }
  }

private:
  std::vector<std::filesystem::path> paths_;
};

std::expected<void, sync_error> write_all(int fd, std::string_view bytes,
                                          const std::filesystem::path& p) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(io_failure("cannot write", p, errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// A validated entry still waiting for its bytes.
struct planned_entry {
  std::string fname;
  std::optional<std::uint64_t> member; // none: a deletion
  std::string member_name;
};

// Everything that can be refused without writing a byte: `_meta`, the
// count, every name, every member's presence and declared size.
std::expected<std::vector<planned_entry>, sync_error> plan_upload(zip_reader* z) {
  auto meta_index = find_member(z, "_meta");
  if (!meta_index) return std::unexpected(bad_upload("no _meta member"));
  auto meta_text =
      read_member_bytes(z, *meta_index, meta_read_cap, over_limit::truncate, upload_what, "_meta");
  if (!meta_text) return std::unexpected(meta_text.error());
  auto entries = decode_payload<std::vector<meta_entry>>(*meta_text, "bad upload zip _meta",
                                                         read_meta);
  if (!entries) return std::unexpected(entries.error());
  if (entries->size() > max_media_files_in_zip)
    return std::unexpected(bad_upload(std::to_string(entries->size()) +
                                      " entries in _meta, at most 25 allowed"));

  std::vector<planned_entry> plan;
  plan.reserve(entries->size());
  for (auto& e : *entries) {
    if (auto ok = check_media_name(e.fname); !ok) return std::unexpected(ok.error());
    planned_entry p{std::move(e.fname), std::nullopt, {}};
    // Older clients and AnkiDroid mark a deletion with "" instead of null.
    if (e.member && !e.member->empty()) {
      auto index = find_member(z, *e.member);
      if (!index)
        return std::unexpected(bad_upload("member \"" + *e.member + "\" of \"" + p.fname +
                                          "\" is missing"));
      auto declared = declared_size(z, *index);
      if (!declared) return std::unexpected(bad_upload("cannot read member \"" + *e.member + "\""));
      if (*declared > max_media_file_bytes)
        return std::unexpected(bad_upload("\"" + p.fname + "\" is larger than 100 MiB"));
      p.member = *index;
      p.member_name = std::move(*e.member);
    }
    plan.push_back(std::move(p));
  }
  return plan;
}

// Streams one member into a new file at `place` while hashing it. The
// file is left open in the entry, its writeback started, for the caller
// to sync with the rest of the batch.
std::expected<upload_zip_entry, sync_error> stage_member(zip_reader* z, const planned_entry& p,
                                                         const staging_place& place,
                                                         staged_files_guard& staged) {
  upload_zip_entry out;
  out.fname = p.fname;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    out.staged = place.folder / (std::string(place.temp_prefix) + random_suffix());
    fd = ::open(out.staged.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && (errno != EEXIST || attempt > 8))
      return std::unexpected(io_failure("cannot create", out.staged, errno));
  }
  out.file = unique_fd(fd);
  staged.add(out.staged);

  sha1_hasher sha1;
  auto size = read_member(z, *p.member, max_media_file_bytes, over_limit::fail, upload_what,
                          "\"" + p.fname + "\"",
                          [&](std::string_view piece) -> std::expected<void, sync_error> {
                            sha1.update(piece);
                            return write_all(fd, piece, out.staged);
                          });
  if (!size) return std::unexpected(size.error());
  if (*size == 0) return std::unexpected(bad_upload("\"" + p.fname + "\" is empty"));
  // Only a hint, so that the disk works while the next member is read:
  // the caller's sync is what makes the file durable.
  (void)::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  out.size = *size;
  out.sha1_raw = sha1.raw_digest();
  return out;
}

} // namespace

std::expected<std::vector<upload_zip_entry>, sync_error>
extract_upload_zip(const std::filesystem::path& zip_path, const staging_place& place) {
  auto z = open_zip(zip_path, upload_what);
  if (!z) return std::unexpected(z.error());
  auto plan = plan_upload(z->get());
  if (!plan) return std::unexpected(plan.error());

  staged_files_guard staged;
  std::vector<upload_zip_entry> out;
  out.reserve(plan->size());
  for (const auto& p : *plan) {
    if (!p.member) {
      upload_zip_entry e;
      e.fname = p.fname;
      e.deletion = true;
      out.push_back(std::move(e));
      continue;
    }
    auto e = stage_member(z->get(), p, place, staged);
    if (!e) return std::unexpected(e.error());
    out.push_back(std::move(*e));
  }
  staged.release();
  return out;
}

std::expected<std::uint64_t, sync_error> write_download_zip(const std::vector<download_zip_file>& files,
                                                            const byte_sink& sink) {
  stored_zip_writer zip(sink);
  std::string meta = "{";
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string member = std::to_string(i);
    if (auto r = zip.add_file(member, files[i].source, files[i].fname); !r)
      return std::unexpected(r.error());
    if (i) meta += ',';
    append_key(meta, member);
    append_string(meta, files[i].fname);
  }
  meta += '}';
  if (auto r = zip.add_bytes("_meta", meta); !r) return std::unexpected(r.error());
  return zip.finish();
}

} // namespace ankisync::protocol
