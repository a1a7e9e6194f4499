#include "protocol/meta.hpp"

#include <boost/json.hpp>

#include <limits>

#include "protocol/json_read.hpp"
#include "protocol/json_write.hpp"

namespace ankisync::protocol {

namespace json = boost::json;
using namespace detail;

namespace {

constexpr std::string_view request_what = "bad meta body";
constexpr std::string_view response_what = "bad meta reply";

// Any integer, saturated into int: the caller only compares with 8..11.
field_result<int> read_any_int(const json::value& v) {
  constexpr std::int64_t lo = std::numeric_limits<int>::min();
  constexpr std::int64_t hi = std::numeric_limits<int>::max();
  if (v.is_uint64()) return static_cast<int>(hi);
  auto n = read_i64(v);
  if (!n) return std::unexpected(n.error());
  return static_cast<int>(*n < lo ? lo : *n > hi ? hi : *n);
}

field_result<meta_request> request_from(const json::value& root) {
  auto o = as_object(root);
  if (!o) return std::unexpected(o.error());
  meta_request r;
  object_reader in(**o);
  in.req("v", read_any_int, r.v).req("cv", read_string, r.cv);
  if (in.error()) return std::unexpected(*in.error());
  return r;
}

field_result<meta_response> response_from(const json::value& root) {
  auto o = as_object(root);
  if (!o) return std::unexpected(o.error());
  meta_response r;
  object_reader in(**o);
  in.req("mod", read_i64, r.mod)
      .req("scm", read_i64, r.scm)
      .req("usn", read_i32, r.usn)
      .req("ts", read_i64, r.ts)
      .req("msg", read_string, r.msg)
      .req("cont", read_bool, r.cont)
      .req("hostNum", read_u32, r.host_num)
      // Upstream gives "empty" a default: older servers did not send it.
      .opt("empty", read_bool, r.empty)
      .req("media_usn", read_i32, r.media_usn);
  if (in.error()) return std::unexpected(*in.error());
  return r;
}

} // namespace

std::expected<meta_request, sync_error> decode_meta_request(std::string_view text) {
  return decode_payload<meta_request>(text, request_what, request_from);
}

std::string encode_meta_request(const meta_request& r) {
  std::string out = "{";
  append_key(out, "v");
  append_int(out, r.v);
  out += ',';
  append_key(out, "cv");
  append_string(out, r.cv);
  out += '}';
  return out;
}

std::string encode_meta_response(const meta_response& r) {
  // Key order as upstream's SyncMeta, so replies compare byte for byte.
  std::string out = "{";
  append_key(out, "mod");
  append_int(out, r.mod);
  out += ',';
  append_key(out, "scm");
  append_int(out, r.scm);
  out += ',';
  append_key(out, "usn");
  append_int(out, r.usn);
  out += ',';
  append_key(out, "ts");
  append_int(out, r.ts);
  out += ',';
  append_key(out, "msg");
  append_string(out, r.msg);
  out += ',';
  append_key(out, "cont");
  append_bool(out, r.cont);
  out += ',';
  append_key(out, "hostNum");
  append_uint(out, r.host_num);
  out += ',';
  append_key(out, "empty");
  append_bool(out, r.empty);
  out += ',';
  append_key(out, "media_usn");
  append_int(out, r.media_usn);
  out += '}';
  return out;
}

std::expected<meta_response, sync_error> decode_meta_response(std::string_view text) {
  return decode_payload<meta_response>(text, response_what, response_from);
}

} // namespace ankisync::protocol
