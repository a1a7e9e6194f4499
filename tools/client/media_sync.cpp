#include "tools/client/media_sync.hpp"

#include <fstream>
#include <random>
#include <system_error>
#include <vector>

#include "protocol/media_json.hpp"
#include "protocol/media_zip.hpp"

namespace ankisync::client {
namespace fs = std::filesystem;
using protocol::media_method;

namespace {

using step = std::expected<void, media_sync_failure>;

std::unexpected<media_sync_failure> local_failure(std::optional<media_method> m,
                                                  const storage::storage_error& e) {
  return std::unexpected(media_sync_failure{media_failure_kind::local, m, 0, e.message});
}

std::unexpected<media_sync_failure> bad_reply(media_method m, std::string message) {
  return std::unexpected(media_sync_failure{media_failure_kind::bad_reply, m, 0,
                                            std::move(message)});
}

// A temp file beside the media folder, removed when this goes.
class temp_file {
public:
  explicit temp_file(const fs::path& folder) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    path_ = folder / (".media-sync-" + std::to_string(rng()));
  }
  ~temp_file() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

bool write_bytes(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

std::optional<std::string> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in)
    return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The calls of one media sync: the host key, one session key, the
// failures as values.
class media_channel {
public:
  media_channel(sync_client& client, std::string host_key)
      : client_(client), host_key_(std::move(host_key)) {}

  std::expected<std::string, media_sync_failure> call(media_method m, std::string_view body) {
    auto r = client_.media_call(m, body, host_key_);
    if (!r)
      return std::unexpected(
          media_sync_failure{media_failure_kind::transport, m, 0, std::move(r.error())});
    if (!r->ok())
      return std::unexpected(
          media_sync_failure{media_failure_kind::http_status, m, r->status, std::move(r->body)});
    return std::move(r->body);
  }

private:
  sync_client& client_;
  std::string host_key_;
};

class media_syncer {
public:
  media_syncer(media_folder& media, media_channel& channel) : media_(media), channel_(channel) {}

  media_sync_result run(const media_sync_options& options) {
    if (auto r = media_.rescan(); !r)
      return local_failure(std::nullopt, r.error());
    auto client_usn = media_.last_usn();
    if (!client_usn)
      return local_failure(std::nullopt, client_usn.error());
    if (options.server_usn) {
      counts_.server_usn = *options.server_usn;
    } else {
      auto usn = begin();
      if (!usn)
        return std::unexpected(usn.error());
      counts_.server_usn = *usn;
    }

    bool acted = false;
    if (*client_usn != counts_.server_usn) {
      if (auto r = pull(*client_usn); !r)
        return std::unexpected(r.error());
      acted = true;
    }
    auto pending = media_.pending(1);
    if (!pending)
      return local_failure(media_method::upload_changes, pending.error());
    if (!pending->empty()) {
      if (auto r = push(); !r)
        return std::unexpected(r.error());
      acted = true;
    }
    if (acted)
      if (auto r = sanity(); !r)
        return std::unexpected(r.error());
    auto last = media_.last_usn();
    if (!last)
      return local_failure(std::nullopt, last.error());
    counts_.last_usn = *last;
    return counts_;
  }

private:
  std::expected<std::int64_t, media_sync_failure> begin() {
    auto body = channel_.call(media_method::begin, {});
    if (!body)
      return std::unexpected(body.error());
    auto reply = protocol::decode_media_begin_reply(*body);
    if (!reply)
      return bad_reply(media_method::begin, reply.error().message);
    return reply->usn;
  }

  step pull(std::int64_t last_usn) {
    for (;;) {
      auto body = channel_.call(media_method::media_changes, protocol::encode_media_changes(last_usn));
      if (!body)
        return std::unexpected(body.error());
      auto batch = protocol::decode_media_changes_reply(*body);
      if (!batch)
        return bad_reply(media_method::media_changes, batch.error().message);
      if (batch->empty())
        return {};
      last_usn = batch->back().usn;
      if (auto r = apply_batch(*batch, last_usn); !r)
        return r;
    }
  }

  step apply_batch(const std::vector<protocol::media_change_entry>& batch, std::int64_t last_usn) {
    std::vector<std::string> to_download, to_delete, to_remove_pending;
    for (const auto& row : batch) {
      auto local = media_.entry(row.fname);
      if (!local)
        return local_failure(media_method::media_changes, local.error());
      std::string local_sha1;
      auto state = media_local_state::not_in_db;
      if (*local) {
        local_sha1 = (*local)->sha1_hex;
        state = (*local)->dirty ? media_local_state::dirty : media_local_state::clean;
      }
      switch (required_media_change(local_sha1, row.sha1_hex, state)) {
      case media_required_change::none:
        break;
      case media_required_change::download:
        to_download.push_back(row.fname);
        break;
      case media_required_change::remove:
        to_delete.push_back(row.fname);
        break;
      case media_required_change::remove_pending:
        to_remove_pending.push_back(row.fname);
        break;
      }
    }

    if (auto r = media_.delete_files(to_delete); !r)
      return local_failure(media_method::media_changes, r.error());
    for (const auto& name : to_delete) {
      auto e = media_.entry(name);
      if (e && *e && !(*e)->sha1_hex.empty())
        ++counts_.removed;
    }

    std::vector<media_added> added;
    std::size_t next = 0;
    while (next < to_download.size()) {
      const std::size_t n =
          std::min(protocol::max_media_files_in_zip, to_download.size() - next);
      std::vector<std::string> names(to_download.begin() + static_cast<std::ptrdiff_t>(next),
                                     to_download.begin() + static_cast<std::ptrdiff_t>(next + n));
      auto got = download(names, added);
      if (!got)
        return std::unexpected(got.error());
      next += *got;
    }

    if (auto r = media_.commit_pull(to_remove_pending, to_delete, added, last_usn); !r)
      return local_failure(media_method::media_changes, r.error());
    // Names the server sent that this client would not have chosen: the
    // file lives on under its normalised name, to be uploaded; the
    // server's name is deleted (upstream record_additions).
    for (const auto& [server_name, file] : renamed_)
      if (auto r = media_.record_renamed(server_name, file); !r)
        return local_failure(media_method::download_files, r.error());
    renamed_.clear();
    return {};
  }

  // One downloadFiles call: how many of `names` (a prefix) arrived.
  std::expected<std::size_t, media_sync_failure> download(const std::vector<std::string>& names,
                                                          std::vector<media_added>& added) {
    auto body = channel_.call(media_method::download_files, protocol::encode_download_files(names));
    if (!body)
      return std::unexpected(body.error());
    temp_file zip(media_.folder().parent_path());
    if (!write_bytes(zip.path(), *body))
      return local_failure(media_method::download_files,
                           {storage::storage_errc::io, "write " + zip.path().string()});
    auto files = protocol::read_download_zip(zip.path());
    if (!files)
      return bad_reply(media_method::download_files, files.error().message);
    if (files->empty() || files->size() > names.size())
      return bad_reply(media_method::download_files,
                       "asked for " + std::to_string(names.size()) + " files, got " +
                           std::to_string(files->size()));
    for (std::size_t i = 0; i < files->size(); ++i) {
      const auto& f = (*files)[i];
      if (f.fname != names[i])
        return bad_reply(media_method::download_files,
                         "file " + std::to_string(i) + " is '" + f.fname + "', asked for '" +
                             names[i] + "'");
      const std::string local_name = normalize_media_name(f.fname);
      if (local_name.empty())
        return bad_reply(media_method::download_files, "unusable name '" + f.fname + "'");
      auto written = media_.write_downloaded(local_name, f.bytes);
      if (!written)
        return local_failure(media_method::download_files, written.error());
      if (local_name != f.fname)
        renamed_.emplace_back(f.fname, *written);
      else
        added.push_back(std::move(*written));
      ++counts_.downloaded;
    }
    return files->size();
  }

  step push() {
    for (;;) {
      auto pending = media_.pending(protocol::max_media_files_in_zip);
      if (!pending)
        return local_failure(media_method::upload_changes, pending.error());
      if (pending->empty())
        return {};

      // As upstream gather_zip_data_for_upload: stop once the payload is
      // over the target; a file that can no longer be sent loses its row
      // and the batch is built again.
      std::vector<protocol::upload_zip_input> entries;
      std::vector<std::string> unusable;
      std::uint64_t bytes = 0;
      for (const auto& e : *pending) {
        if (bytes > protocol::media_zip_target_bytes)
          break;
        if (e.sha1_hex.empty()) {
          entries.push_back({e.fname, true, {}});
          continue;
        }
        auto data = media_.read_file(e.fname);
        if (!data || data->empty() || data->size() > protocol::max_media_file_bytes ||
            normalize_media_name(e.fname) != e.fname) {
          unusable.push_back(e.fname);
          continue;
        }
        bytes += data->size();
        entries.push_back({e.fname, false, std::move(*data)});
      }
      if (!unusable.empty()) {
        for (const auto& name : unusable)
          if (auto r = media_.forget(name); !r)
            return local_failure(media_method::upload_changes, r.error());
        continue;
      }

      temp_file zip(media_.folder().parent_path());
      if (auto r = protocol::write_upload_zip(entries, zip.path()); !r)
        return local_failure(media_method::upload_changes,
                             {storage::storage_errc::io, r.error().message});
      auto zip_bytes = read_bytes(zip.path());
      if (!zip_bytes)
        return local_failure(media_method::upload_changes,
                             {storage::storage_errc::io, "read " + zip.path().string()});
      auto body = channel_.call(media_method::upload_changes, *zip_bytes);
      if (!body)
        return std::unexpected(body.error());
      auto reply = protocol::decode_upload_changes_reply(*body);
      if (!reply)
        return bad_reply(media_method::upload_changes, reply.error().message);
      if (reply->processed == 0 || reply->processed > entries.size())
        return bad_reply(media_method::upload_changes,
                         "processed " + std::to_string(reply->processed) + " of " +
                             std::to_string(entries.size()));

      std::vector<std::string> clean;
      for (std::size_t i = 0; i < reply->processed; ++i) {
        clean.push_back(entries[i].fname);
        ++(entries[i].deletion ? counts_.uploaded_deletions : counts_.uploaded);
      }
      auto last = media_.last_usn();
      if (!last)
        return local_failure(media_method::upload_changes, last.error());
      // Fast-forward only when nobody else changed the server meanwhile;
      // otherwise the next sync pulls the difference.
      std::optional<std::int64_t> new_usn;
      if (*last + static_cast<std::int64_t>(clean.size()) == reply->usn)
        new_usn = reply->usn;
      if (auto r = media_.commit_upload(clean, new_usn); !r)
        return local_failure(media_method::upload_changes, r.error());
    }
  }

  step sanity() {
    auto local = media_.live_count();
    if (!local)
      return local_failure(media_method::media_sanity, local.error());
    auto body = channel_.call(media_method::media_sanity, protocol::encode_media_sanity(*local));
    if (!body)
      return std::unexpected(body.error());
    auto ok = protocol::decode_media_sanity_reply(*body);
    if (!ok)
      return bad_reply(media_method::media_sanity, ok.error().message);
    counts_.sanity_checked = true;
    counts_.sanity_ok = *ok;
    if (!*ok)
      if (auto r = media_.force_resync(); !r)
        return local_failure(media_method::media_sanity, r.error());
    return {};
  }

  media_folder& media_;
  media_channel& channel_;
  media_sync_counts counts_;
  std::vector<std::pair<std::string, media_added>> renamed_;
};

} // namespace

media_required_change required_media_change(std::string_view local_sha1,
                                            std::string_view server_sha1,
                                            media_local_state state) {
  using enum media_required_change;
  if (local_sha1.empty() && server_sha1.empty())
    return state == media_local_state::not_in_db ? none : remove;
  if (local_sha1.empty())
    return download; // added on the server: wins over a pending local deletion
  if (server_sha1.empty())
    return state == media_local_state::dirty ? none : remove;
  if (local_sha1 == server_sha1)
    return state == media_local_state::dirty ? remove_pending : none;
  return download; // both have it, differently: the server wins
}

media_sync_result run_media_sync(media_folder& media, sync_client& client,
                                 std::string_view host_key, const media_sync_options& options) {
  media_channel channel(client, std::string(host_key));
  return media_syncer(media, channel).run(options);
}

std::string describe(const media_sync_failure& f) {
  std::string where = f.method ? " at " + std::string(protocol::to_string(*f.method)) : "";
  switch (f.kind) {
  case media_failure_kind::http_status:
    return "http " + std::to_string(f.status) + where + ": " + f.message;
  case media_failure_kind::transport:
    return "transport" + where + ": " + f.message;
  case media_failure_kind::bad_reply:
    return "bad reply" + where + ": " + f.message;
  case media_failure_kind::local:
    return "local" + where + ": " + f.message;
  }
  return f.message;
}

} // namespace ankisync::client
