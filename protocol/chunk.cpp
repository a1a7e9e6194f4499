#include "protocol/chunk.hpp"

#include <boost/json.hpp>

#include "protocol/json_read.hpp"
#include "protocol/json_write.hpp"

namespace ankisync::protocol {

namespace json = boost::json;
using namespace detail;

namespace {

// Revlog "type" is read with upstream's default_on_invalid: anything that
// is not a known review kind (6, -1, 1.0, "1", null) becomes 0 (learn).
field_result<std::uint8_t> read_review_kind(const json::value& v) {
  const std::int64_t* n = v.if_int64();
  return static_cast<std::uint8_t>(n && *n >= 0 && *n <= 5 ? *n : 0);
}

// Card type and queue are serde_repr enums: a strict integer of one of the
// listed values, anything else refused.
field_result<std::uint8_t> read_card_type(const json::value& v) {
  auto n = read_int(v, 0, 3, "card type (0..3)");
  if (!n) return std::unexpected(n.error());
  return static_cast<std::uint8_t>(*n);
}

field_result<std::int8_t> read_card_queue(const json::value& v) {
  auto n = read_int(v, -3, 4, "card queue (-3..4)");
  if (!n) return std::unexpected(n.error());
  return static_cast<std::int8_t>(*n);
}

field_result<revlog_entry> read_revlog(const json::value& v) {
  auto a = as_array(v);
  if (!a) return std::unexpected(a.error());
  // Nine columns; upstream's serde default on "type" also lets a row end
  // after eight. More than nine is an error.
  if (size(**a) != 8 && size(**a) != 9)
    return std::unexpected(problem("has " + std::to_string(size(**a)) + " elements, expected 9"));
  revlog_entry r;
  row_reader in(**a);
  in.col("id", read_i64, r.id)
      .col("cid", read_i64, r.cid)
      .col("usn", read_i32, r.usn)
      .col("ease", read_u8, r.ease)
      .col("ivl", read_number_as_i32, r.ivl)
      .col("lastIvl", read_number_as_i32, r.last_ivl)
      .col("factor", read_number_as_u32, r.factor)
      .col("time", read_number_as_u32, r.time)
      .col_or_default("type", read_review_kind, r.type);
  if (in.error()) return std::unexpected(*in.error());
  return r;
}

field_result<card_entry> read_card(const json::value& v) {
  auto a = as_tuple(v, 18);
  if (!a) return std::unexpected(a.error());
  card_entry c;
  row_reader in(**a);
  in.col("id", read_i64, c.id)
      .col("nid", read_i64, c.nid)
      .col("did", read_i64, c.did)
      .col("ord", read_u16, c.ord)
      .col("mod", read_number_as_i64, c.mod)
      .col("usn", read_i32, c.usn)
      .col("type", read_card_type, c.type)
      .col("queue", read_card_queue, c.queue)
      .col("due", read_number_as_i32, c.due)
      .col("ivl", read_number_as_u32, c.ivl)
      .col("factor", read_u16, c.factor)
      .col("reps", read_u32, c.reps)
      .col("lapses", read_u32, c.lapses)
      .col("left", read_u32, c.left)
      .col("odue", read_number_as_i32, c.odue)
      .col("odid", read_i64, c.odid)
      .col("flags", read_u8, c.flags)
      .col("data", read_string, c.data);
  if (in.error()) return std::unexpected(*in.error());
  return c;
}

field_result<note_entry> read_note(const json::value& v) {
  auto a = as_tuple(v, 11);
  if (!a) return std::unexpected(a.error());
  note_entry n;
  row_reader in(**a);
  // No lenient columns here: upstream reads a note's mod strictly.
  in.col("id", read_i64, n.id)
      .col("guid", read_string, n.guid)
      .col("mid", read_i64, n.mid)
      .col("mod", read_i64, n.mod)
      .col("usn", read_i32, n.usn)
      .col("tags", read_string, n.tags)
      .col("flds", read_string, n.flds)
      .col("sfld", read_string, n.sfld)
      .col("csum", read_string, n.csum)
      .col("flags", read_u32, n.flags)
      .col("data", read_string, n.data);
  if (in.error()) return std::unexpected(*in.error());
  return n;
}

template <typename Row>
field_result<std::vector<Row>> read_rows(const json::value& v,
                                         field_result<Row> (*read_row)(const json::value&)) {
  auto a = as_array(v);
  if (!a) return std::unexpected(a.error());
  std::vector<Row> out;
  out.reserve(size(**a));
  for (std::size_t i = 0; i < size(**a); ++i) {
    auto row = read_row(element(**a, i));
    if (!row) return std::unexpected(at(std::move(row.error()), i));
    out.push_back(std::move(*row));
  }
  return out;
}

field_result<chunk_entry> read_chunk(const json::value& v) {
  auto o = as_object(v);
  if (!o) return std::unexpected(o.error());
  chunk_entry c;
  object_reader in(**o);
  in.opt("done", read_bool, c.done)
      .opt("revlog", [](const json::value& x) { return read_rows(x, read_revlog); }, c.revlog)
      .opt("cards", [](const json::value& x) { return read_rows(x, read_card); }, c.cards)
      .opt("notes", [](const json::value& x) { return read_rows(x, read_note); }, c.notes);
  if (in.error()) return std::unexpected(*in.error());
  return c;
}

field_result<apply_chunk_request> request_from(const json::value& root) {
  auto o = as_object(root);
  if (!o) return std::unexpected(o.error());
  apply_chunk_request r;
  object_reader in(**o);
  in.req("chunk", read_chunk, r.chunk);
  if (in.error()) return std::unexpected(*in.error());
  return r;
}

void append_revlog(std::string& out, const revlog_entry& r) {
  out += '[';
  append_int(out, r.id);
  out += ',';
  append_int(out, r.cid);
  out += ',';
  append_int(out, r.usn);
  out += ',';
  append_uint(out, r.ease);
  out += ',';
  append_int(out, r.ivl);
  out += ',';
  append_int(out, r.last_ivl);
  out += ',';
  append_uint(out, r.factor);
  out += ',';
  append_uint(out, r.time);
  out += ',';
  append_uint(out, r.type);
  out += ']';
}

void append_card(std::string& out, const card_entry& c) {
  out += '[';
  for (std::int64_t n : {c.id, c.nid, c.did, std::int64_t{c.ord}, c.mod, std::int64_t{c.usn},
                         std::int64_t{c.type}, std::int64_t{c.queue}, std::int64_t{c.due},
                         std::int64_t{c.ivl}, std::int64_t{c.factor}, std::int64_t{c.reps},
                         std::int64_t{c.lapses}, std::int64_t{c.left}, std::int64_t{c.odue},
                         c.odid, std::int64_t{c.flags}}) {
    append_int(out, n);
    out += ',';
  }
  append_string(out, c.data);
  out += ']';
}

void append_note(std::string& out, const note_entry& n) {
  out += '[';
  append_int(out, n.id);
  out += ',';
  append_string(out, n.guid);
  out += ',';
  append_int(out, n.mid);
  out += ',';
  append_int(out, n.mod);
  out += ',';
  append_int(out, n.usn);
  out += ',';
  append_string(out, n.tags);
  out += ',';
  append_string(out, n.flds);
  out += ',';
  append_string(out, n.sfld);
  out += ',';
  append_string(out, n.csum);
  out += ',';
  append_uint(out, n.flags);
  out += ',';
  append_string(out, n.data);
  out += ']';
}

template <typename Row>
void append_rows(std::string& out, std::string_view key, const std::vector<Row>& rows,
                 void (*append_row)(std::string&, const Row&)) {
  if (rows.empty()) return;
  out += ',';
  append_key(out, key);
  out += '[';
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i) out += ',';
    append_row(out, rows[i]);
  }
  out += ']';
}

} // namespace

std::string encode_chunk_entry(const chunk_entry& c) {
  std::string out;
  // Rough guess that avoids most regrowth for a full 250-row chunk.
  out.reserve(32 + 64 * (c.revlog.size() + c.cards.size()) + 128 * c.notes.size());
  out += '{';
  append_key(out, "done");
  append_bool(out, c.done);
  append_rows(out, "revlog", c.revlog, append_revlog);
  append_rows(out, "cards", c.cards, append_card);
  append_rows(out, "notes", c.notes, append_note);
  out += '}';
  return out;
}

std::expected<chunk_entry, sync_error> decode_chunk_entry(std::string_view text) {
  return decode_payload<chunk_entry>(text, "bad chunk reply", read_chunk);
}

std::expected<apply_chunk_request, sync_error> decode_apply_chunk_request(std::string_view text) {
  return decode_payload<apply_chunk_request>(text, "bad applyChunk body", request_from);
}

std::string encode_apply_chunk_request(const apply_chunk_request& r) {
  return "{\"chunk\":" + encode_chunk_entry(r.chunk) + "}";
}

} // namespace ankisync::protocol
