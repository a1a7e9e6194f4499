#include "protocol/changes.hpp"

#include <boost/json.hpp>

#include "protocol/json_read.hpp"
#include "protocol/json_write.hpp"

namespace ankisync::protocol {

namespace json = boost::json;
using namespace detail;

namespace {

// One schema-11 object, re-serialized compactly for storage/ to convert.
field_result<std::string> read_raw_object(const json::value& v) {
  auto o = as_object(v);
  if (!o) return std::unexpected(o.error());
  std::string text;
  if (!write_compact(text, v))
    return std::unexpected(problem("holds a number out of range"));
  return text;
}

field_result<std::vector<std::string>> read_raw_objects(const json::value& v) {
  auto a = as_array(v);
  if (!a) return std::unexpected(a.error());
  std::vector<std::string> out;
  out.reserve(size(**a));
  for (std::size_t i = 0; i < size(**a); ++i) {
    auto text = read_raw_object(element(**a, i));
    if (!text) return std::unexpected(at(std::move(text.error()), i));
    out.push_back(std::move(*text));
  }
  return out;
}

field_result<std::vector<std::string>> read_strings(const json::value& v) {
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

using decks_and_config = std::pair<std::vector<std::string>, std::vector<std::string>>;

// Upstream serializes [decks, config] as a tuple but derives a plain
// deserializer, which takes that array (exactly two elements) or an object.
field_result<decks_and_config> read_decks(const json::value& v) {
  decks_and_config out;
  if (const json::object* o = v.if_object()) {
    object_reader in(*o);
    in.req("decks", read_raw_objects, out.first).req("config", read_raw_objects, out.second);
    if (in.error()) return std::unexpected(*in.error());
    return out;
  }
  auto a = as_tuple(v, 2);
  if (!a) return std::unexpected(a.error());
  row_reader in(**a);
  in.col("decks", read_raw_objects, out.first).col("config", read_raw_objects, out.second);
  if (in.error()) return std::unexpected(*in.error());
  return out;
}

using conf_map = std::optional<std::vector<std::pair<std::string, std::string>>>;

field_result<conf_map> read_conf(const json::value& v) {
  if (v.is_null()) return conf_map{};
  auto o = as_object(v);
  if (!o) return std::unexpected(o.error());
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve((*o)->size());
  for (const json::key_value_pair& kv : **o) {
    std::string key(kv.key().data(), kv.key().size());
    std::string value;
    if (!write_compact(value, kv.value()))
      return std::unexpected(at(problem("holds a number out of range"), key));
    out.emplace_back(std::move(key), std::move(value));
  }
  return conf_map(std::move(out));
}

field_result<std::optional<std::int64_t>> read_crt(const json::value& v) {
  if (v.is_null()) return std::optional<std::int64_t>{};
  auto n = read_i64(v);
  if (!n) return std::unexpected(std::move(n.error()));
  return std::optional<std::int64_t>(*n);
}

field_result<changes_entry> read_changes(const json::value& v) {
  auto o = as_object(v);
  if (!o) return std::unexpected(o.error());
  changes_entry c;
  decks_and_config decks;
  object_reader in(**o);
  in.req("models", read_raw_objects, c.models)
      .req("decks", read_decks, decks)
      .req("tags", read_strings, c.tags)
      .opt("conf", read_conf, c.conf)
      .opt("crt", read_crt, c.crt);
  if (in.error()) return std::unexpected(*in.error());
  c.decks = std::move(decks.first);
  c.deck_configs = std::move(decks.second);
  return c;
}

field_result<apply_changes_request> request_from(const json::value& root) {
  auto o = as_object(root);
  if (!o) return std::unexpected(o.error());
  apply_changes_request r;
  object_reader in(**o);
  in.req("changes", read_changes, r.changes);
  if (in.error()) return std::unexpected(*in.error());
  return r;
}

// Raw JSON texts, spliced in as given.
void append_raw_list(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += items[i];
  }
  out += ']';
}

} // namespace

std::string encode_changes_entry(const changes_entry& c) {
  // Key order as upstream's UnchunkedChanges.
  std::string out = "{";
  append_key(out, "models");
  append_raw_list(out, c.models);
  out += ',';
  append_key(out, "decks");
  out += '[';
  append_raw_list(out, c.decks);
  out += ',';
  append_raw_list(out, c.deck_configs);
  out += "],";
  append_key(out, "tags");
  out += '[';
  for (std::size_t i = 0; i < c.tags.size(); ++i) {
    if (i) out += ',';
    append_string(out, c.tags[i]);
  }
  out += ']';
  if (c.conf) {
    out += ',';
    append_key(out, "conf");
    out += '{';
    for (std::size_t i = 0; i < c.conf->size(); ++i) {
      if (i) out += ',';
      append_key(out, (*c.conf)[i].first);
      out += (*c.conf)[i].second;
    }
    out += '}';
  }
  if (c.crt) {
    out += ',';
    append_key(out, "crt");
    append_int(out, *c.crt);
  }
  out += '}';
  return out;
}

std::expected<changes_entry, sync_error> decode_changes_entry(std::string_view text) {
  return decode_payload<changes_entry>(text, "bad applyChanges reply", read_changes);
}

std::expected<apply_changes_request, sync_error>
decode_apply_changes_request(std::string_view text) {
  return decode_payload<apply_changes_request>(text, "bad applyChanges body", request_from);
}

std::string encode_apply_changes_request(const apply_changes_request& r) {
  return "{\"changes\":" + encode_changes_entry(r.changes) + "}";
}

} // namespace ankisync::protocol
