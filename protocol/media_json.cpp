#include "protocol/media_json.hpp"

#include <boost/json.hpp>

#include "protocol/json_read.hpp"
#include "protocol/json_write.hpp"

namespace ankisync::protocol {

namespace json = boost::json;
using namespace detail;

namespace {

// Upstream's Usn is an i32 read strictly by serde; we carry it as int64.
field_result<std::int64_t> read_usn(const json::value& v) {
  auto n = read_i32(v);
  if (!n) return std::unexpected(n.error());
  return static_cast<std::int64_t>(*n);
}

field_result<std::vector<std::string>> read_string_list(const json::value& v) {
  auto a = as_array(v);
  if (!a) return std::unexpected(a.error());
  std::vector<std::string> out;
  out.reserve(size(**a));
  for (std::size_t i = 0; i < size(**a); ++i) {
    auto s = read_string(element(**a, i));
    if (!s) return std::unexpected(at(std::move(s.error()), i));
    out.push_back(std::move(*s));
  }
  return out;
}

field_result<media_change_entry> read_change(const json::value& v) {
  auto a = as_tuple(v, 3);
  if (!a) return std::unexpected(a.error());
  media_change_entry e;
  row_reader in(**a);
  in.col("fname", read_string, e.fname).col("usn", read_usn, e.usn).col("sha1", read_string,
                                                                          e.sha1_hex);
  if (in.error()) return std::unexpected(*in.error());
  return e;
}

// {"data": <result>, "err": ""}: `data_json` is already JSON text.
std::string wrap(std::string_view data_json) {
  std::string out;
  out.reserve(data_json.size() + 20);
  out += "{\"data\":";
  out += data_json;
  out += ",\"err\":\"\"}";
  return out;
}

// Replies are an untagged Ok/Err pair upstream: {"data": T, "err": ...} or
// {"err": "..."}. A reply with no `data` is the server reporting a failure
// in words; one with a `data` we cannot read is a malformed reply.
template <typename T, typename Read>
std::expected<T, sync_error> unwrap(std::string_view text, std::string_view what, Read read) {
  return with_payload<T>(text, what, [&](const json::value& root) -> std::expected<T, sync_error> {
    auto o = as_object(root);
    if (!o) return std::unexpected(to_sync_error(what, o.error()));
    const json::value* data = optional(**o, "data");
    if (!data) {
      const json::value* err = optional(**o, "err");
      if (err && err->is_string()) {
        const json::string& s = err->get_string();
        return std::unexpected(make_error(error_code::server_error,
                                          "server error: " + std::string(s.data(), s.size())));
      }
      return std::unexpected(to_sync_error(what, problem("has neither data nor err")));
    }
    auto r = read(*data);
    if (!r) return std::unexpected(to_sync_error(what, at(std::move(r.error()), "data")));
    return T(std::move(*r));
  });
}

} // namespace

// ---- server side: requests in ----

std::expected<std::string, sync_error> decode_media_begin(std::string_view text) {
  auto v = decode_payload<std::string>(text, "bad begin body", [](const json::value& root)
                                                                   -> field_result<std::string> {
    auto o = as_object(root);
    if (!o) return std::unexpected(o.error());
    std::string version;
    object_reader in(**o);
    in.opt("v", read_string, version);
    if (in.error()) return std::unexpected(*in.error());
    return version;
  });
  if (!v) return v;
  // Legacy clients send `v` in the form or query instead; the envelope
  // puts it into the JSON, so an empty one here was never sent at all.
  if (v->empty())
    return std::unexpected(make_error(error_code::bad_request, "missing client version"));
  return v;
}

std::expected<std::int64_t, sync_error> decode_media_changes(std::string_view text) {
  return decode_payload<std::int64_t>(text, "bad mediaChanges body",
                                      [](const json::value& root) -> field_result<std::int64_t> {
                                        auto o = as_object(root);
                                        if (!o) return std::unexpected(o.error());
                                        std::int64_t usn = 0;
                                        object_reader in(**o);
                                        in.req("lastUsn", read_usn, usn);
                                        if (in.error()) return std::unexpected(*in.error());
                                        return usn;
                                      });
}

std::expected<std::vector<std::string>, sync_error> decode_download_files(std::string_view text) {
  using names = std::vector<std::string>;
  auto r = decode_payload<names>(text, "bad downloadFiles body",
                                 [](const json::value& root) -> field_result<names> {
                                   auto o = as_object(root);
                                   if (!o) return std::unexpected(o.error());
                                   names files;
                                   object_reader in(**o);
                                   in.req("files", read_string_list, files);
                                   if (in.error()) return std::unexpected(*in.error());
                                   return files;
                                 });
  if (r && r->size() > max_media_files_in_zip)
    return std::unexpected(make_error(error_code::bad_request,
                                      "bad downloadFiles body: " + std::to_string(r->size()) +
                                          " names, at most 25 allowed"));
  return r;
}

std::expected<std::uint32_t, sync_error> decode_media_sanity(std::string_view text) {
  return decode_payload<std::uint32_t>(text, "bad mediaSanity body",
                                       [](const json::value& root) -> field_result<std::uint32_t> {
                                         auto o = as_object(root);
                                         if (!o) return std::unexpected(o.error());
                                         std::uint32_t local = 0;
                                         object_reader in(**o);
                                         in.req("local", read_u32, local);
                                         if (in.error()) return std::unexpected(*in.error());
                                         return local;
                                       });
}

// ---- server side: replies out ----

std::string encode_media_begin_reply(std::int64_t usn, std::string_view host_key) {
  std::string data = "{";
  append_key(data, "usn");
  append_int(data, usn);
  data += ',';
  append_key(data, "sk");
  append_string(data, host_key);
  data += '}';
  return wrap(data);
}

std::string encode_media_changes_reply(const std::vector<media_change_entry>& rows) {
  std::string data = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i) data += ',';
    data += '[';
    append_string(data, rows[i].fname);
    data += ',';
    append_int(data, rows[i].usn);
    data += ',';
    append_string(data, rows[i].sha1_hex);
    data += ']';
  }
  data += ']';
  return wrap(data);
}

std::string encode_upload_changes_reply(std::uint32_t processed, std::int64_t usn) {
  std::string data = "[";
  append_uint(data, processed);
  data += ',';
  append_int(data, usn);
  data += ']';
  return wrap(data);
}

std::string encode_media_sanity_reply(bool ok) {
  return wrap(ok ? "\"OK\"" : "\"mediaSanity\"");
}

// ---- client side ----

std::string encode_media_begin(std::string_view client_version) {
  std::string out = "{";
  append_key(out, "v");
  append_string(out, client_version);
  out += '}';
  return out;
}

std::string encode_media_changes(std::int64_t last_usn) {
  std::string out = "{";
  append_key(out, "lastUsn");
  append_int(out, last_usn);
  out += '}';
  return out;
}

std::string encode_download_files(const std::vector<std::string>& names) {
  std::string out = "{";
  append_key(out, "files");
  out += '[';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    append_string(out, names[i]);
  }
  out += "]}";
  return out;
}

std::string encode_media_sanity(std::uint32_t local) {
  std::string out = "{";
  append_key(out, "local");
  append_uint(out, local);
  out += '}';
  return out;
}

std::expected<media_begin_reply, sync_error> decode_media_begin_reply(std::string_view text) {
  return unwrap<media_begin_reply>(
      text, "bad begin reply", [](const json::value& v) -> field_result<media_begin_reply> {
        auto o = as_object(v);
        if (!o) return std::unexpected(o.error());
        media_begin_reply r;
        object_reader in(**o);
        in.req("usn", read_usn, r.usn).req("sk", read_string, r.sk);
        if (in.error()) return std::unexpected(*in.error());
        return r;
      });
}

std::expected<std::vector<media_change_entry>, sync_error>
decode_media_changes_reply(std::string_view text) {
  using rows = std::vector<media_change_entry>;
  return unwrap<rows>(text, "bad mediaChanges reply", [](const json::value& v) -> field_result<rows> {
    auto a = as_array(v);
    if (!a) return std::unexpected(a.error());
    rows out;
    out.reserve(size(**a));
    for (std::size_t i = 0; i < size(**a); ++i) {
      auto e = read_change(element(**a, i));
      if (!e) return std::unexpected(at(std::move(e.error()), i));
      out.push_back(std::move(*e));
    }
    return out;
  });
}

std::expected<upload_changes_reply, sync_error> decode_upload_changes_reply(std::string_view text) {
  return unwrap<upload_changes_reply>(
      text, "bad uploadChanges reply",
      [](const json::value& v) -> field_result<upload_changes_reply> {
        auto a = as_tuple(v, 2);
        if (!a) return std::unexpected(a.error());
        upload_changes_reply r;
        row_reader in(**a);
        in.col("processed", read_u32, r.processed).col("current_usn", read_usn, r.usn);
        if (in.error()) return std::unexpected(*in.error());
        return r;
      });
}

std::expected<bool, sync_error> decode_media_sanity_reply(std::string_view text) {
  return unwrap<bool>(text, "bad mediaSanity reply", [](const json::value& v) -> field_result<bool> {
    auto s = read_string(v);
    if (!s) return std::unexpected(s.error());
    if (*s == "OK") return true;
    if (*s == "mediaSanity") return false;
    return std::unexpected(problem("is \"" + *s + "\", expected \"OK\" or \"mediaSanity\""));
  });
}

} // namespace ankisync::protocol
