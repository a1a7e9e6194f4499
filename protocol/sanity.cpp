#include "protocol/sanity.hpp"

#include <boost/json.hpp>

#include <array>

#include "protocol/json_read.hpp"
#include "protocol/json_write.hpp"

namespace ankisync::protocol {

namespace json = boost::json;
using namespace detail;

namespace {

using due_counts = std::array<std::uint32_t, 3>;

field_result<due_counts> read_due(const json::value& v) {
  auto a = as_tuple(v, 3);
  if (!a) return std::unexpected(a.error());
  due_counts due{};
  row_reader in(**a);
  in.col("new", read_u32, due[0]).col("learn", read_u32, due[1]).col("review", read_u32, due[2]);
  if (in.error()) return std::unexpected(*in.error());
  return due;
}

field_result<sanity_counts_entry> read_counts(const json::value& v) {
  auto a = as_tuple(v, 8);
  if (!a) return std::unexpected(a.error());
  sanity_counts_entry c;
  due_counts due{};
  row_reader in(**a);
  in.col("counts", read_due, due)
      .col("cards", read_u32, c.cards)
      .col("notes", read_u32, c.notes)
      .col("revlog", read_u32, c.revlog)
      .col("graves", read_u32, c.graves)
      .col("models", read_u32, c.models)
      .col("decks", read_u32, c.decks)
      .col("deck_config", read_u32, c.deck_config);
  if (in.error()) return std::unexpected(*in.error());
  c.due_new = due[0];
  c.due_learn = due[1];
  c.due_review = due[2];
  return c;
}

field_result<sanity_request> request_from(const json::value& root) {
  auto o = as_object(root);
  if (!o) return std::unexpected(o.error());
  sanity_request r;
  object_reader in(**o);
  in.req("client", read_counts, r.client);
  if (in.error()) return std::unexpected(*in.error());
  return r;
}

field_result<sanity_status> read_status(const json::value& v) {
  auto s = read_string(v);
  if (!s) return std::unexpected(s.error());
  if (*s == "ok") return sanity_status::ok;
  if (*s == "bad") return sanity_status::bad;
  return std::unexpected(problem("is \"" + *s + "\", expected \"ok\" or \"bad\""));
}

// default_on_invalid upstream: whatever does not read as counts is null.
field_result<std::optional<sanity_counts_entry>> read_counts_or_null(const json::value& v) {
  auto c = read_counts(v);
  return c ? std::optional<sanity_counts_entry>(*c) : std::nullopt;
}

field_result<sanity_response> response_from(const json::value& root) {
  auto o = as_object(root);
  if (!o) return std::unexpected(o.error());
  sanity_response r;
  object_reader in(**o);
  in.req("status", read_status, r.status)
      .opt("c", read_counts_or_null, r.client)
      .opt("s", read_counts_or_null, r.server);
  if (in.error()) return std::unexpected(*in.error());
  return r;
}

void append_counts(std::string& out, const std::optional<sanity_counts_entry>& c) {
  if (!c) {
    out += "null";
    return;
  }
  out += '[';
  out += '[';
  append_uint(out, c->due_new);
  out += ',';
  append_uint(out, c->due_learn);
  out += ',';
  append_uint(out, c->due_review);
  out += ']';
  for (std::uint32_t n : {c->cards, c->notes, c->revlog, c->graves, c->models, c->decks,
                          c->deck_config}) {
    out += ',';
    append_uint(out, n);
  }
  out += ']';
}

} // namespace

std::expected<sanity_request, sync_error> decode_sanity_request(std::string_view text) {
  return decode_payload<sanity_request>(text, "bad sanityCheck2 body", request_from);
}

std::string encode_sanity_request(const sanity_request& r) {
  std::string out = "{";
  append_key(out, "client");
  append_counts(out, r.client);
  out += '}';
  return out;
}

std::string encode_sanity_response(const sanity_response& r) {
  std::string out = "{";
  append_key(out, "status");
  append_string(out, r.status == sanity_status::ok ? "ok" : "bad");
  out += ',';
  append_key(out, "c");
  append_counts(out, r.client);
  out += ',';
  append_key(out, "s");
  append_counts(out, r.server);
  out += '}';
  return out;
}

std::expected<sanity_response, sync_error> decode_sanity_response(std::string_view text) {
  return decode_payload<sanity_response>(text, "bad sanityCheck2 reply", response_from);
}

} // namespace ankisync::protocol
