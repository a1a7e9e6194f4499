// The client's half of the media zips: what the reference client sends
// with uploadChanges and reads from downloadFiles.

#include "protocol/media_zip.hpp"

#include <boost/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "protocol/json_read.hpp"
#include "protocol/json_write.hpp"
#include "protocol/media_json.hpp"
#include "protocol/stored_zip.hpp"
#include "protocol/zip_read.hpp"

namespace ankisync::protocol {

namespace json = boost::json;
using namespace detail;

namespace {

constexpr std::string_view download_what = "malformed zip";
// A download `_meta` names at most 25 files of at most 255 bytes each.
constexpr std::uint64_t download_meta_cap = 1 << 20;

struct file_closer {
  void operator()(std::FILE* f) const noexcept {
    if (f) std::fclose(f);
  }
};

field_result<std::map<std::string, std::string>> read_member_map(const json::value& root) {
  auto o = as_object(root);
  if (!o) return std::unexpected(o.error());
  std::map<std::string, std::string> out;
  for (const auto& kv : **o) {
    auto name = read_string(kv.value());
    if (!name) return std::unexpected(at(std::move(name.error()), std::string_view(kv.key())));
    out.emplace(std::string(kv.key()), std::move(*name));
  }
  return out;
}

} // namespace

std::expected<void, sync_error> write_upload_zip(const std::vector<upload_zip_input>& entries,
                                                 const std::filesystem::path& out_path) {
  std::unique_ptr<std::FILE, file_closer> out(std::fopen(out_path.c_str(), "wb"));
  if (!out)
    return std::unexpected(make_error(error_code::server_error,
                                      "cannot create " + out_path.string() + ": " +
                                          std::strerror(errno)));
  auto fail = [&](sync_error e) {
    out.reset();
    std::error_code ec;
    std::filesystem::remove(out_path, ec);
    return std::unexpected(std::move(e));
  };
  const stored_zip_writer::sink_fn sink = [&](std::string_view piece)
      -> std::expected<void, sync_error> {
    if (std::fwrite(piece.data(), 1, piece.size(), out.get()) != piece.size())
      return std::unexpected(
          make_error(error_code::server_error, "cannot write " + out_path.string()));
    return {};
  };

  stored_zip_writer zip(sink);
  std::string meta = "[";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (i) meta += ',';
    meta += '[';
    append_string(meta, e.fname);
    meta += ',';
    if (e.deletion) {
      meta += "null";
    } else {
      // Named by position in `_meta`, so deletions leave gaps, as upstream.
      const std::string member = std::to_string(i);
      if (auto r = zip.add_bytes(member, e.bytes); !r) return fail(r.error());
      append_string(meta, member);
    }
    meta += ']';
  }
  meta += ']';
  if (auto r = zip.add_bytes("_meta", meta); !r) return fail(r.error());
  if (auto r = zip.finish(); !r) return fail(r.error());
  if (std::fflush(out.get()) != 0)
    return fail(make_error(error_code::server_error, "cannot write " + out_path.string()));
  return {};
}

std::expected<std::vector<downloaded_file>, sync_error>
read_download_zip(const std::filesystem::path& zip_path) {
  auto z = open_zip(zip_path, download_what);
  if (!z) return std::unexpected(z.error());
  auto meta_index = find_member(z->get(), "_meta");
  if (!meta_index)
    return std::unexpected(make_error(error_code::bad_request, "malformed zip: no _meta"));
  auto meta_text = read_member_bytes(z->get(), *meta_index, download_meta_cap, over_limit::fail,
                                     download_what, "_meta");
  if (!meta_text) return std::unexpected(meta_text.error());
  using member_map = std::map<std::string, std::string>;
  auto names = decode_payload<member_map>(*meta_text, "malformed zip _meta", read_member_map);
  if (!names) return std::unexpected(names.error());

  std::vector<downloaded_file> out;
  const std::uint64_t count = member_count(z->get());
  for (std::uint64_t i = 0; i < count; ++i) {
    if (i == *meta_index) continue;
    const std::string member = member_name(z->get(), i);
    auto it = names->find(member);
    if (it == names->end())
      return std::unexpected(make_error(error_code::bad_request,
                                        "malformed zip: member \"" + member + "\" not in _meta"));
    auto bytes = read_member_bytes(z->get(), i, max_media_file_bytes, over_limit::fail,
                                   download_what, "\"" + it->second + "\"");
    if (!bytes) return std::unexpected(bytes.error());
    out.push_back(downloaded_file{it->second, std::move(*bytes)});
  }
  return out;
}

} // namespace ankisync::protocol
