#include "storage/schema11_notetype.hpp"

#include "storage/json_text.hpp"
#include "storage/schema11_json_read.hpp"

namespace ankisync::storage {

namespace json = boost::json;
using namespace s11;

namespace {

// Keys the converter writes itself; anything else in `other` is merged
// back on output (upstream's reserved key sets).
constexpr std::string_view notetype_keys[] = {
    "latexPost", "flds", "css", "originalStockKind", "originalId", "id", "usn", "mod",
    "req", "latexPre", "name", "did", "tmpls", "type", "sortf", "latexsvg"};
constexpr std::string_view field_keys[] = {
    "name", "ord", "sticky", "rtl", "plainText", "font", "size",
    "collapsed", "description", "excludeFromSearch", "id", "tag", "preventDeletion"};
constexpr std::string_view template_keys[] = {
    "name", "ord", "did", "afmt", "bafmt", "qfmt", "bqfmt", "bfont", "bsize", "id"};

const auto as_i64 = [](const json::value& v) { return parse_int<std::int64_t>(v); };
const auto as_i32 = [](const json::value& v) { return parse_int<std::int32_t>(v); };
const auto as_u32 = [](const json::value& v) { return parse_int<std::uint32_t>(v); };
const auto as_u16 = [](const json::value& v) { return parse_int<std::uint16_t>(v); };
const auto as_u8 = [](const json::value& v) { return parse_int<std::uint8_t>(v); };
const auto as_bool = [](const json::value& v) { return parse_bool(v); };
const auto as_any_bool = [](const json::value& v) { return parse_bool_from_anything(v); };
const auto as_string = [](const json::value& v) { return parse_string(v); };
const auto as_opt_i64 = [](const json::value& v) { return parse_nullable(v, as_i64); };
const auto as_opt_u16 = [](const json::value& v) { return parse_nullable(v, as_u16); };
const auto as_opt_u32 = [](const json::value& v) { return parse_nullable(v, as_u32); };

// "type": a u8 enum, 0 standard or 1 cloze; anything else is an error.
std::optional<int> parse_kind(const json::value& v) {
  auto n = parse_int<std::uint8_t>(v);
  if (!n || *n > 1) return std::nullopt;
  return *n;
}

// One "req" entry: [card_ord, "any"|"all"|"none", [field_ord, ...]].
std::optional<pb::NotetypeConfig::CardRequirement> parse_req(const json::value& v) {
  if (!v.is_array() || v.get_array().size() != 3) return std::nullopt;
  const auto& a = v.get_array();
  auto ord = parse_int<std::uint16_t>(a[0]);
  if (!ord || !a[1].is_string() || !a[2].is_array()) return std::nullopt;
  pb::NotetypeConfig::CardRequirement r;
  r.set_card_ord(*ord);
  std::string_view kind = a[1].get_string();
  if (kind == "any") r.set_kind(pb::NotetypeConfig::CardRequirement::KIND_ANY);
  else if (kind == "all") r.set_kind(pb::NotetypeConfig::CardRequirement::KIND_ALL);
  else if (kind == "none") r.set_kind(pb::NotetypeConfig::CardRequirement::KIND_NONE);
  else return std::nullopt;
  for (const auto& f : a[2].get_array()) {
    auto n = parse_int<std::uint16_t>(f);
    if (!n) return std::nullopt;
    r.add_field_ords(*n);
  }
  return r;
}

// The whole "req" list; one bad entry spoils it (then it becomes []).
std::optional<std::vector<pb::NotetypeConfig::CardRequirement>> parse_reqs(const json::value& v) {
  if (!v.is_array()) return std::nullopt;
  std::vector<pb::NotetypeConfig::CardRequirement> out;
  for (const auto& e : v.get_array()) {
    auto r = parse_req(e);
    if (!r) return std::nullopt;
    out.push_back(std::move(*r));
  }
  return out;
}

result<notetype_field_row> field_from_schema11(const json::value& v, std::uint32_t ord) {
  std::string what = "notetype field " + std::to_string(ord);
  if (!v.is_object()) return fail(storage_errc::invalid, what + ": not an object");
  object_reader r(v.get_object(), what);
  notetype_field_row f;
  f.ord = ord;
  auto name = r.required("name", as_string);
  if (!name) return std::unexpected(name.error());
  f.name = std::move(*name);
  // Validated only: the array position is the ord that counts.
  if (auto o = r.optional("ord", as_opt_u16, std::optional<std::uint16_t>{}); !o)
    return std::unexpected(o.error());
  auto sticky = r.required("sticky", as_any_bool);
  if (!sticky) return std::unexpected(sticky.error());
  auto rtl = r.required("rtl", as_any_bool);
  if (!rtl) return std::unexpected(rtl.error());
  auto font = r.required("font", as_string);
  if (!font) return std::unexpected(font.error());
  auto size = r.required("size", as_u16);
  if (!size) return std::unexpected(size.error());
  auto& c = f.config;
  c.set_sticky(*sticky);
  c.set_rtl(*rtl);
  c.set_font_name(std::move(*font));
  c.set_font_size(*size);
  c.set_description(r.lenient("description", as_string));
  c.set_plain_text(r.lenient("plainText", as_bool));
  c.set_collapsed(r.lenient("collapsed", as_bool));
  c.set_exclude_from_search(r.lenient("excludeFromSearch", as_bool));
  if (auto id = r.lenient("id", as_opt_i64)) c.set_id(*id);
  if (auto tag = r.lenient("tag", as_opt_u32)) c.set_tag(*tag);
  c.set_prevent_deletion(r.lenient("preventDeletion", as_bool));
  c.set_other(other_bytes(r.rest()));
  return f;
}

result<notetype_template_row> template_from_schema11(const json::value& v, std::uint32_t ord) {
  std::string what = "notetype template " + std::to_string(ord);
  if (!v.is_object()) return fail(storage_errc::invalid, what + ": not an object");
  object_reader r(v.get_object(), what);
  notetype_template_row t;
  t.ord = ord;
  t.mtime_secs = 0;
  t.usn = 0;
  auto name = r.required("name", as_string);
  if (!name) return std::unexpected(name.error());
  t.name = std::move(*name);
  if (auto o = r.optional("ord", as_opt_u16, std::optional<std::uint16_t>{}); !o)
    return std::unexpected(o.error());
  auto qfmt = r.required("qfmt", as_string);
  if (!qfmt) return std::unexpected(qfmt.error());
  auto afmt = r.optional("afmt", as_string, std::string());
  if (!afmt) return std::unexpected(afmt.error());
  auto bqfmt = r.optional("bqfmt", as_string, std::string());
  if (!bqfmt) return std::unexpected(bqfmt.error());
  auto bafmt = r.optional("bafmt", as_string, std::string());
  if (!bafmt) return std::unexpected(bafmt.error());
  auto& c = t.config;
  c.set_q_format(std::move(*qfmt));
  c.set_a_format(std::move(*afmt));
  c.set_q_format_browser(std::move(*bqfmt));
  c.set_a_format_browser(std::move(*bafmt));
  c.set_target_deck_id(r.lenient("did", as_opt_i64).value_or(0));
  c.set_browser_font_name(r.lenient("bfont", as_string));
  c.set_browser_font_size(r.lenient("bsize", as_u8));
  if (auto id = r.lenient("id", as_opt_i64)) c.set_id(*id);
  c.set_other(other_bytes(r.rest()));
  return t;
}

json::value optional_i64(bool has, std::int64_t v) {
  return has ? json::value(v) : json::value(nullptr);
}

} // namespace

namespace {

result<notetype_row> notetype_from_schema11_unguarded(const json::value& v) {
  if (!v.is_object()) return fail(storage_errc::invalid, "notetype: not an object");
  object_reader r(v.get_object(), "notetype");
  notetype_row nt;
  auto id = r.required("id", parse_i64_num_or_str);
  if (!id) return std::unexpected(id.error());
  nt.id = *id;
  auto name = r.required("name", as_string);
  if (!name) return std::unexpected(name.error());
  nt.name = std::move(*name);
  auto kind = r.required("type", parse_kind);
  if (!kind) return std::unexpected(kind.error());
  auto mtime = r.required("mod", as_i64);
  if (!mtime) return std::unexpected(mtime.error());
  nt.mtime_secs = *mtime;
  auto usn = r.required("usn", as_i32);
  if (!usn) return std::unexpected(usn.error());
  nt.usn = *usn;
  auto sortf = r.required("sortf", as_u16);
  if (!sortf) return std::unexpected(sortf.error());
  auto did = r.required_lenient("did", as_opt_i64);
  if (!did) return std::unexpected(did.error());

  const json::value* tmpls = r.find("tmpls");
  if (tmpls == nullptr) return r.missing("tmpls");
  if (!tmpls->is_array()) return r.wrong("tmpls");
  const json::value* flds = r.find("flds");
  if (flds == nullptr) return r.missing("flds");
  if (!flds->is_array()) return r.wrong("flds");
  for (const auto& e : tmpls->get_array()) {
    auto t = template_from_schema11(e, static_cast<std::uint32_t>(nt.templates.size()));
    if (!t) return std::unexpected(t.error());
    nt.templates.push_back(std::move(*t));
  }
  for (const auto& e : flds->get_array()) {
    auto f = field_from_schema11(e, static_cast<std::uint32_t>(nt.fields.size()));
    if (!f) return std::unexpected(f.error());
    nt.fields.push_back(std::move(*f));
  }

  auto css = r.required_lenient("css", as_string);
  if (!css) return std::unexpected(css.error());
  auto latex_pre = r.optional("latexPre", as_string, std::string());
  if (!latex_pre) return std::unexpected(latex_pre.error());
  auto latex_post = r.optional("latexPost", as_string, std::string());
  if (!latex_post) return std::unexpected(latex_post.error());
  auto stock = r.optional("originalStockKind", as_i32, 0);
  if (!stock) return std::unexpected(stock.error());
  auto original_id = r.optional("originalId", as_opt_i64, std::optional<std::int64_t>{});
  if (!original_id) return std::unexpected(original_id.error());

  auto& c = nt.config;
  c.set_kind(static_cast<pb::NotetypeConfig::Kind>(*kind));
  c.set_sort_field_idx(*sortf);
  c.set_css(std::move(*css));
  c.set_target_deck_id_unused(did->value_or(0));
  c.set_latex_pre(std::move(*latex_pre));
  c.set_latex_post(std::move(*latex_post));
  c.set_latex_svg(r.lenient("latexsvg", as_bool));
  for (auto& req : r.lenient("req", parse_reqs)) *c.add_reqs() = std::move(req);
  c.set_original_stock_kind(static_cast<pb::NotetypeConfig::OriginalStockKind>(*stock));
  if (*original_id) c.set_original_id(**original_id);
  c.set_other(other_bytes(r.rest()));
  return nt;
}

} // namespace

result<notetype_row> notetype_from_schema11(const json::value& v) {
  return guarded("notetype", [&] { return notetype_from_schema11_unguarded(v); });
}

namespace {

json::object field_to_schema11(const notetype_field_row& f) {
  const auto& c = f.config;
  json::object o;
  o["name"] = f.name;
  o["ord"] = static_cast<std::uint16_t>(f.ord);
  o["sticky"] = c.sticky();
  o["rtl"] = c.rtl();
  o["font"] = c.font_name();
  o["size"] = static_cast<std::uint16_t>(c.font_size());
  o["description"] = c.description();
  o["plainText"] = c.plain_text();
  o["collapsed"] = c.collapsed();
  o["excludeFromSearch"] = c.exclude_from_search();
  o["id"] = optional_i64(c.has_id(), c.id());
  o["tag"] = c.has_tag() ? json::value(c.tag()) : json::value(nullptr);
  o["preventDeletion"] = c.prevent_deletion();
  merge_other(o, parse_other(c.other(), field_keys));
  return o;
}

json::object template_to_schema11(const notetype_template_row& t) {
  const auto& c = t.config;
  json::object o;
  o["name"] = t.name;
  o["ord"] = static_cast<std::uint16_t>(t.ord);
  o["qfmt"] = c.q_format();
  o["afmt"] = c.a_format();
  o["bqfmt"] = c.q_format_browser();
  o["bafmt"] = c.a_format_browser();
  o["did"] = c.target_deck_id() > 0 ? json::value(c.target_deck_id()) : json::value(nullptr);
  o["bfont"] = c.browser_font_name();
  o["bsize"] = static_cast<std::uint8_t>(c.browser_font_size());
  o["id"] = optional_i64(c.has_id(), c.id());
  merge_other(o, parse_other(c.other(), template_keys));
  return o;
}

} // namespace

json::object notetype_to_schema11(const notetype_row& nt) {
  const auto& c = nt.config;
  json::object o;
  o["id"] = nt.id;
  o["name"] = nt.name;
  o["type"] = c.kind() == pb::NotetypeConfig::KIND_CLOZE ? 1 : 0;
  o["mod"] = nt.mtime_secs;
  o["usn"] = nt.usn;
  o["sortf"] = static_cast<std::uint16_t>(c.sort_field_idx());
  o["did"] = c.target_deck_id_unused() == 0 ? json::value(nullptr)
                                             : json::value(c.target_deck_id_unused());
  json::array tmpls;
  for (const auto& t : nt.templates) tmpls.emplace_back(template_to_schema11(t));
  o["tmpls"] = std::move(tmpls);
  json::array flds;
  for (const auto& f : nt.fields) flds.emplace_back(field_to_schema11(f));
  o["flds"] = std::move(flds);
  o["css"] = c.css();
  o["latexPre"] = c.latex_pre();
  o["latexPost"] = c.latex_post();
  o["latexsvg"] = c.latex_svg();
  json::array req;
  for (const auto& r : c.reqs()) {
    json::array entry;
    entry.emplace_back(static_cast<std::uint16_t>(r.card_ord()));
    switch (r.kind()) {
    case pb::NotetypeConfig::CardRequirement::KIND_ANY: entry.emplace_back("any"); break;
    case pb::NotetypeConfig::CardRequirement::KIND_ALL: entry.emplace_back("all"); break;
    default: entry.emplace_back("none"); break;
    }
    json::array ords;
    for (auto f : r.field_ords()) ords.emplace_back(static_cast<std::uint16_t>(f));
    entry.emplace_back(std::move(ords));
    req.emplace_back(std::move(entry));
  }
  o["req"] = std::move(req);
  if (c.original_stock_kind() != 0) o["originalStockKind"] = static_cast<int>(c.original_stock_kind());
  if (c.has_original_id()) o["originalId"] = c.original_id();
  merge_other(o, parse_other(c.other(), notetype_keys));
  return o;
}

result<notetype_row> notetype_from_schema11_text(std::string_view json_text) {
  return guarded("notetype", [&]() -> result<notetype_row> {
    auto v = parse_json_text(json_text, "notetype");
    if (!v) return std::unexpected(v.error());
    return notetype_from_schema11_unguarded(*v);
  });
}

std::string notetype_to_schema11_text(const notetype_row& nt) { return to_json_text(notetype_to_schema11(nt)); }

} // namespace ankisync::storage
