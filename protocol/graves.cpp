#include "protocol/graves.hpp"

#include <boost/json.hpp>

#include "protocol/json_read.hpp"
#include "protocol/json_write.hpp"

namespace ankisync::protocol {

namespace json = boost::json;
using namespace detail;

namespace {

// Upstream's key order (struct order: cards, decks, notes), which is not
// the order the graves are applied in (notes, cards, decks).
struct grave_list {
  std::string_view key;
  std::vector<std::int64_t> graves_entry::*ids;
};
constexpr grave_list lists[] = {
    {"cards", &graves_entry::cards},
    {"decks", &graves_entry::decks},
    {"notes", &graves_entry::notes},
};

field_result<std::vector<std::int64_t>> read_ids(const json::value& v) {
  auto a = as_array(v);
  if (!a) return std::unexpected(a.error());
  std::vector<std::int64_t> ids;
  ids.reserve(size(**a));
  for (std::size_t i = 0; i < size(**a); ++i) {
    auto id = read_i64(element(**a, i));
    if (!id) return std::unexpected(at(std::move(id.error()), i));
    ids.push_back(*id);
  }
  return ids;
}

// The strict form: ids are JSON integers (applyGraves, start replies).
field_result<graves_entry> read_graves(const json::value& v) {
  auto o = as_object(v);
  if (!o) return std::unexpected(o.error());
  graves_entry g;
  object_reader in(**o);
  for (const grave_list& l : lists) in.req(l.key, read_ids, g.*l.ids);
  if (in.error()) return std::unexpected(*in.error());
  return g;
}

// start's "graves": upstream tries the number form, then the string form
// (old AnkiMobile), then null. So either every id in the object is a
// number or every id is a decimal string; the first id decides which.
field_result<std::optional<graves_entry>> read_legacy_graves(const json::value& v) {
  if (v.is_null()) return std::nullopt;
  auto o = as_object(v);
  if (!o) return std::unexpected(o.error());
  enum class form { unknown, numbers, strings } seen = form::unknown;
  graves_entry g;
  for (const grave_list& l : lists) {
    const std::string_view key = l.key;
    auto x = required(**o, key);
    if (!x) return std::unexpected(x.error());
    auto arr = as_array(**x);
    if (!arr) return std::unexpected(at(std::move(arr.error()), key));
    auto& out = g.*l.ids;
    out.reserve(size(**arr));
    for (std::size_t i = 0; i < size(**arr); ++i) {
      const json::value& e = element(**arr, i);
      const form this_form = e.is_string() ? form::strings : form::numbers;
      if (seen == form::unknown) seen = this_form;
      field_result<std::int64_t> id;
      if (this_form != seen) {
        id = std::unexpected(problem(
            seen == form::numbers
                ? "is a string, but earlier ids are numbers (ids must be all numbers or all strings)"
                : "is not a string, but earlier ids are strings (ids must be all numbers or all "
                  "strings)"));
      } else if (const json::string* s = e.if_string()) {
        id = parse_decimal_i64(std::string_view(s->data(), s->size()));
      } else {
        id = read_i64(e);
      }
      if (!id) return std::unexpected(at(at(std::move(id.error()), i), key));
      out.push_back(*id);
    }
  }
  return g;
}

field_result<start_request> start_from(const json::value& root) {
  auto o = as_object(root);
  if (!o) return std::unexpected(o.error());
  start_request r;
  object_reader in(**o);
  in.req("minUsn", read_i32, r.min_usn)
      .req("lnewer", read_bool, r.lnewer)
      .opt("graves", read_legacy_graves, r.graves);
  if (in.error()) return std::unexpected(*in.error());
  return r;
}

field_result<apply_graves_request> apply_from(const json::value& root) {
  auto o = as_object(root);
  if (!o) return std::unexpected(o.error());
  apply_graves_request r;
  object_reader in(**o);
  in.req("chunk", read_graves, r.chunk);
  if (in.error()) return std::unexpected(*in.error());
  return r;
}

void append_ids(std::string& out, const std::vector<std::int64_t>& ids) {
  out += '[';
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    append_int(out, ids[i]);
  }
  out += ']';
}

} // namespace

std::string encode_graves_entry(const graves_entry& g) {
  std::string out = "{";
  bool first = true;
  for (const grave_list& l : lists) {
    if (!first) out += ',';
    first = false;
    append_key(out, l.key);
    append_ids(out, g.*l.ids);
  }
  out += '}';
  return out;
}

std::expected<start_request, sync_error> decode_start_request(std::string_view text) {
  return decode_payload<start_request>(text, "bad start body", start_from);
}

std::string encode_start_request(const start_request& r) {
  std::string out = "{";
  append_key(out, "minUsn");
  append_int(out, r.min_usn);
  out += ',';
  append_key(out, "lnewer");
  append_bool(out, r.lnewer);
  out += ',';
  append_key(out, "graves");
  out += r.graves ? encode_graves_entry(*r.graves) : std::string("null");
  out += '}';
  return out;
}

std::string encode_start_response(const graves_entry& g) { return encode_graves_entry(g); }

std::expected<graves_entry, sync_error> decode_start_response(std::string_view text) {
  return decode_payload<graves_entry>(text, "bad start reply", read_graves);
}

std::expected<apply_graves_request, sync_error> decode_apply_graves_request(std::string_view text) {
  return decode_payload<apply_graves_request>(text, "bad applyGraves body", apply_from);
}

std::string encode_apply_graves_request(const apply_graves_request& r) {
  return "{\"chunk\":" + encode_graves_entry(r.chunk) + "}";
}

} // namespace ankisync::protocol
