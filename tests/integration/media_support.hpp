#pragma once

// Shared by the media integration tests: raw /msync calls in each client
// family's envelope, hand-built zips (libzip, so a test can write what no
// well-behaved client would), and a snapshot of the server's media state.

#include <zip.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "protocol/media_json.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/test_support.hpp"
#include "tools/client/device.hpp"

namespace ankisync::integration {

// The envelopes a media client may use.
enum class media_envelope {
  v11,           // zstd bodies, anki-sync header (2.1.57+)
  legacy_python, // multipart k/sk with c=1 gzipped JSON (<= 2.1.21, old AnkiDroid)
  legacy_rust,   // GET begin, multipart sk with raw data (2.1.22-2.1.56)
};

inline const char* to_string(media_envelope e) {
  switch (e) {
  case media_envelope::v11:
    return "v11";
  case media_envelope::legacy_python:
    return "legacy python";
  case media_envelope::legacy_rust:
    return "legacy rust";
  }
  return "?";
}

inline client::sync_client media_client(const server_process& server, media_envelope e,
                                        std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  client::sync_client_options o;
  o.http.timeout = timeout;
  o.legacy = e != media_envelope::v11;
  o.media_style = e == media_envelope::legacy_rust ? client::legacy_media_style::rust
                                                   : client::legacy_media_style::python;
  return client::sync_client("127.0.0.1", server.port(), o);
}

// One member of a hand-built zip.
struct zip_member {
  std::string name;
  std::string bytes;
};

// A zip of these members in order (STORED unless `deflate`). Throws when
// libzip fails.
inline std::string make_zip(const std::vector<zip_member>& members, bool deflate = false) {
  temp_folder dir;
  const auto path = dir.path() / "out.zip";
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  if (!z)
    throw std::runtime_error("zip_open failed: " + std::to_string(err));
  for (const auto& m : members) {
    zip_source_t* src = zip_source_buffer(z, m.bytes.data(), m.bytes.size(), 0);
    if (!src)
      throw std::runtime_error("zip_source_buffer failed");
    const auto index = zip_file_add(z, m.name.c_str(), src, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(src);
      throw std::runtime_error(std::string("zip_file_add: ") + zip_strerror(z));
    }
    zip_set_file_compression(z, static_cast<zip_uint64_t>(index),
                             deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
  }
  if (zip_close(z) != 0)
    throw std::runtime_error(std::string("zip_close: ") + zip_strerror(z));
  return read_file(path);
}

// One entry of an upload: bytes for an addition, nullopt for a deletion.
struct upload_entry {
  std::string fname;
  std::optional<std::string> bytes;
};

// The upload zip an official client writes: members "0", "1", ... by
// index in `_meta`, deletions without a member (`null`, or `""` as older
// clients wrote it), `_meta` last.
inline std::string upload_zip(const std::vector<upload_entry>& entries, bool deflate = false,
                              bool empty_string_deletions = false) {
  boost::json::array meta;
  std::vector<zip_member> members;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    boost::json::array pair;
    pair.emplace_back(entries[i].fname.c_str());
    if (entries[i].bytes) {
      pair.emplace_back(std::to_string(i).c_str());
      members.push_back({std::to_string(i), *entries[i].bytes});
    } else if (empty_string_deletions) {
      pair.emplace_back("");
    } else {
      pair.emplace_back(nullptr);
    }
    meta.push_back(std::move(pair));
  }
  members.push_back({"_meta", boost::json::serialize(meta)});
  return make_zip(members, deflate);
}

// A device's media files, name -> bytes; throws when the folder fails.
inline std::map<std::string, std::string> files_of(client::device& d) {
  auto f = d.media_files();
  if (!f)
    throw std::runtime_error("media files: " + f.error().message);
  return std::move(*f);
}

// Raw /msync calls for one host key; transport failures throw.
class media_raw {
public:
  media_raw(const server_process& server, std::string host_key,
            media_envelope e = media_envelope::v11)
      : client_(media_client(server, e)), host_key_(std::move(host_key)) {}

  client::sync_response call(protocol::media_method m, std::string_view body) {
    auto r = client_.media_call(m, body, host_key_);
    if (!r)
      throw std::runtime_error("/msync/" + std::string(protocol::to_string(m)) + ": " + r.error());
    return std::move(*r);
  }

  // begin's usn.
  std::int64_t usn() {
    auto r = call(protocol::media_method::begin, {});
    require_ok(r, "begin");
    auto reply = protocol::decode_media_begin_reply(r.body);
    if (!reply)
      throw std::runtime_error("begin reply: " + reply.error().message + ": " + r.body);
    return reply->usn;
  }

  // One page of mediaChanges.
  std::vector<protocol::media_change_entry> changes(std::int64_t after) {
    auto r = call(protocol::media_method::media_changes, protocol::encode_media_changes(after));
    require_ok(r, "mediaChanges");
    auto rows = protocol::decode_media_changes_reply(r.body);
    if (!rows)
      throw std::runtime_error("mediaChanges reply: " + rows.error().message + ": " + r.body);
    return std::move(*rows);
  }

  // Every change after `after`, page by page.
  std::vector<protocol::media_change_entry> all_changes(std::int64_t after = 0) {
    std::vector<protocol::media_change_entry> out;
    for (;;) {
      auto page = changes(after);
      if (page.empty())
        return out;
      after = page.back().usn;
      out.insert(out.end(), page.begin(), page.end());
    }
  }

  // mediaSanity's answer: true for "OK".
  bool sanity(std::uint32_t local) {
    auto r = call(protocol::media_method::media_sanity, protocol::encode_media_sanity(local));
    require_ok(r, "mediaSanity");
    auto ok = protocol::decode_media_sanity_reply(r.body);
    if (!ok)
      throw std::runtime_error("mediaSanity reply: " + ok.error().message + ": " + r.body);
    return *ok;
  }

  client::sync_response upload(const std::string& zip) {
    return call(protocol::media_method::upload_changes, zip);
  }

  // uploadChanges that must succeed: [processed, usn].
  protocol::upload_changes_reply upload_ok(const std::string& zip) {
    auto r = upload(zip);
    require_ok(r, "uploadChanges");
    auto reply = protocol::decode_upload_changes_reply(r.body);
    if (!reply)
      throw std::runtime_error("uploadChanges reply: " + reply.error().message + ": " + r.body);
    return *reply;
  }

  client::sync_response download(const std::vector<std::string>& names) {
    return call(protocol::media_method::download_files, protocol::encode_download_files(names));
  }

  client::sync_client& client() { return client_; }

private:
  static void require_ok(const client::sync_response& r, const char* what) {
    if (r.status != 200)
      throw std::runtime_error(std::string(what) + ": status " + std::to_string(r.status) + ": " +
                               r.body);
  }

  client::sync_client client_;
  std::string host_key_;
};

// The files of a user's media content store and stage folder (names and
// sizes), to check that a refused request left nothing behind.
inline std::vector<std::pair<std::string, std::uintmax_t>>
media_store_files(const server_process& server, const std::string& user) {
  std::vector<std::pair<std::string, std::uintmax_t>> out;
  for (const char* sub : {"media-store", ".media-stage"}) {
    const auto dir = server.data_dir() / user / sub;
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec))
      continue;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec))
      if (e.is_regular_file())
        out.emplace_back(std::string(sub) + "/" + e.path().filename().string(),
                         e.file_size());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every file in the user's folder, by path relative to it, leaving out
// SQLite's -wal, -shm and -journal files.
inline std::vector<std::string> user_folder_files(const server_process& server,
                                                  const std::string& user) {
  std::vector<std::string> out;
  const auto root = server.data_dir() / user;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root, ec)) {
    const auto name = e.path().filename().string();
    if (!e.is_regular_file() || name.ends_with("-wal") || name.ends_with("-shm") ||
        name.ends_with("-journal"))
      continue;
    out.push_back(std::filesystem::relative(e.path(), root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// What a client can see of the server's media, plus its files on disk.
struct media_state {
  std::int64_t usn = 0;
  std::vector<std::tuple<std::string, std::int64_t, std::string>> changes;
  std::vector<std::pair<std::string, std::uintmax_t>> files; // content store and stage
  std::vector<std::string> user_files;                       // the whole user folder
  bool operator==(const media_state&) const = default;
};

inline media_state snapshot_media(const server_process& server, const std::string& user,
                                  const std::string& host_key) {
  media_raw raw(server, host_key);
  media_state s;
  s.usn = raw.usn();
  for (auto& c : raw.all_changes())
    s.changes.emplace_back(c.fname, c.usn, c.sha1_hex);
  s.files = media_store_files(server, user);
  s.user_files = user_folder_files(server, user);
  return s;
}

} // namespace ankisync::integration
