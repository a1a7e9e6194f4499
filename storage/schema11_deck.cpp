#include "storage/schema11_deck.hpp"

#include <algorithm>

#include "storage/deck_name.hpp"
#include "storage/json_text.hpp"
#include "storage/schema11_json_read.hpp"

namespace ankisync::storage {

namespace json = boost::json;
using namespace s11;

namespace {

// Keys the converter writes itself for every deck (upstream's reserved set:
// common and normal-deck keys, not "md" nor the filtered-only keys).
constexpr std::string_view deck_keys[] = {
    "usn", "revToday", "newLimit", "dyn", "reviewLimit", "newToday", "timeToday",
    "reviewLimitToday", "extendNew", "mod", "newLimitToday", "desc", "name",
    "lrnToday", "conf", "browserCollapsed", "extendRev", "id", "collapsed",
    "desiredRetention"};

const auto as_i32 = [](const json::value& v) { return parse_int<std::int32_t>(v); };
const auto as_u32 = [](const json::value& v) { return parse_int<std::uint32_t>(v); };
const auto as_bool = [](const json::value& v) { return parse_bool(v); };
const auto as_string = [](const json::value& v) { return parse_string(v); };
const auto as_opt_u32 = [](const json::value& v) { return parse_nullable(v, as_u32); };
const auto as_opt_f32_list = [](const json::value& v) {
  return parse_nullable(v, [](const json::value& x) { return parse_f32_list(x); });
};

// "lrnToday" etc.: [day, amount]; the last element is the amount and the
// one before it the day; elements that are not integers count as 0.
struct today_amount {
  std::int32_t day = 0;
  std::int32_t amount = 0;
};
std::optional<today_amount> parse_today(const json::value& v) {
  if (!v.is_array()) return std::nullopt;
  const auto& a = v.get_array();
  auto as_i64 = [](const json::value& e) -> std::int64_t {
    if (e.is_int64()) return e.get_int64();
    if (e.is_uint64() && e.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
      return static_cast<std::int64_t>(e.get_uint64());
    return 0;
  };
  today_amount t;
  // Wrapping casts, as upstream's `as i32`.
  if (a.size() >= 1) t.amount = static_cast<std::int32_t>(as_i64(a[a.size() - 1]));
  if (a.size() >= 2) t.day = static_cast<std::int32_t>(as_i64(a[a.size() - 2]));
  return t;
}

// {"limit": u32, "today": u32} or null.
std::optional<std::optional<pb::DeckNormal::DayLimit>> parse_day_limit(const json::value& v) {
  if (v.is_null()) return std::optional<std::optional<pb::DeckNormal::DayLimit>>(std::in_place);
  if (!v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  auto lim = o.find("limit");
  auto today = o.find("today");
  if (lim == o.end() || today == o.end()) return std::nullopt;
  auto l = parse_int<std::uint32_t>(lim->value());
  auto t = parse_int<std::uint32_t>(today->value());
  if (!l || !t) return std::nullopt;
  pb::DeckNormal::DayLimit d;
  d.set_limit(*l);
  d.set_today(*t);
  return std::optional<std::optional<pb::DeckNormal::DayLimit>>(std::in_place, d);
}

// "terms" entry: [search, limit (number or numeric string), order].
std::optional<pb::DeckFiltered::SearchTerm> parse_term(const json::value& v) {
  if (!v.is_array() || v.get_array().size() != 3) return std::nullopt;
  const auto& a = v.get_array();
  auto search = parse_string(a[0]);
  auto limit = parse_i32_num_or_str(a[1]);
  auto order = parse_int<std::int32_t>(a[2]);
  if (!search || !limit || !order) return std::nullopt;
  pb::DeckFiltered::SearchTerm t;
  t.set_search(std::move(*search));
  t.set_limit(static_cast<std::uint32_t>(std::max(*limit, 0)));
  t.set_order(static_cast<pb::DeckFiltered::SearchTerm::Order>(*order));
  return t;
}

std::optional<std::vector<pb::DeckFiltered::SearchTerm>> parse_terms(const json::value& v) {
  if (!v.is_array()) return std::nullopt;
  std::vector<pb::DeckFiltered::SearchTerm> out;
  for (const auto& e : v.get_array()) {
    auto t = parse_term(e);
    if (!t) return std::nullopt;
    out.push_back(std::move(*t));
  }
  return out;
}

// "dyn" picks the kind: true or 1 means filtered. A bool is rewritten as
// 0/1 first; a number must then fit a u8; any other type is an error.
result<bool> read_dyn(object_reader& r) {
  const json::value* v = r.find("dyn");
  if (v == nullptr) return r.missing("dyn");
  if (v->is_bool()) return v->get_bool();
  if (!v->is_number()) return r.wrong("dyn");
  auto n = parse_int<std::uint8_t>(*v);
  if (!n) return r.wrong("dyn");
  return *n == 1;
}

result<void> read_normal(object_reader& r, pb::DeckNormal& n) {
  auto conf = r.required("conf", parse_i64_num_or_str);
  if (!conf) return std::unexpected(conf.error());
  n.set_config_id(*conf);
  n.set_extend_new(static_cast<std::uint32_t>(std::max(r.lenient("extendNew", as_i32), 0)));
  n.set_extend_review(static_cast<std::uint32_t>(std::max(r.lenient("extendRev", as_i32), 0)));
  if (auto v = r.lenient("reviewLimit", as_opt_u32)) n.set_review_limit(*v);
  if (auto v = r.lenient("newLimit", as_opt_u32)) n.set_new_limit(*v);
  if (auto v = r.lenient("reviewLimitToday", parse_day_limit)) *n.mutable_review_limit_today() = *v;
  if (auto v = r.lenient("newLimitToday", parse_day_limit)) *n.mutable_new_limit_today() = *v;
  if (auto v = r.lenient("desiredRetention", as_opt_u32))
    n.set_desired_retention(static_cast<float>(*v) / 100.0f);
  return {};
}

result<void> read_filtered(object_reader& r, pb::DeckFiltered& f) {
  auto resched = r.required("resched", parse_bool_from_anything);
  if (!resched) return std::unexpected(resched.error());
  f.set_reschedule(*resched);
  auto terms = r.required("terms", parse_terms);
  if (!terms) return std::unexpected(terms.error());
  for (auto& t : *terms) *f.add_search_terms() = std::move(t);
  // Older clients require "separate"; it is validated and always written true.
  if (auto s = r.optional("separate", as_bool, false); !s) return std::unexpected(s.error());
  for (float d : r.lenient("delays", as_opt_f32_list).value_or(std::vector<float>{}))
    f.add_delays(d);
  auto preview_delay = r.optional("previewDelay", as_u32, 0u);
  if (!preview_delay) return std::unexpected(preview_delay.error());
  auto again = r.optional("previewAgainSecs", as_u32, 0u);
  if (!again) return std::unexpected(again.error());
  auto hard = r.optional("previewHardSecs", as_u32, 0u);
  if (!hard) return std::unexpected(hard.error());
  auto good = r.optional("previewGoodSecs", as_u32, 0u);
  if (!good) return std::unexpected(good.error());
  f.set_preview_delay(*preview_delay);
  f.set_preview_again_secs(*again);
  f.set_preview_hard_secs(*hard);
  f.set_preview_good_secs(*good);
  return {};
}

} // namespace

namespace {

result<deck_row> deck_from_schema11_unguarded(const json::value& v) {
  if (!v.is_object()) return fail(storage_errc::invalid, "deck: not an object");
  object_reader r(v.get_object(), "deck");
  auto filtered = read_dyn(r);
  if (!filtered) return std::unexpected(filtered.error());
  r.skip("return"); // obsolete; upstream drops it

  deck_row d;
  auto id = r.required("id", parse_i64_num_or_str);
  if (!id) return std::unexpected(id.error());
  d.id = *id;
  auto mtime = r.optional("mod", parse_i64_num_or_str, std::int64_t{0});
  if (!mtime) return std::unexpected(mtime.error());
  d.mtime_secs = *mtime;
  auto name = r.required("name", as_string);
  if (!name) return std::unexpected(name.error());
  d.name = native_deck_name(*name);
  auto usn = r.required("usn", as_i32);
  if (!usn) return std::unexpected(usn.error());
  d.usn = *usn;
  today_amount today[4];
  const char* today_keys[4] = {"lrnToday", "revToday", "newToday", "timeToday"};
  for (int i = 0; i < 4; ++i) {
    auto t = r.required(today_keys[i], parse_today);
    if (!t) return std::unexpected(t.error());
    today[i] = *t;
  }
  auto collapsed = r.required("collapsed", as_bool);
  if (!collapsed) return std::unexpected(collapsed.error());
  auto browser_collapsed = r.optional("browserCollapsed", as_bool, false);
  if (!browser_collapsed) return std::unexpected(browser_collapsed.error());
  auto desc = r.optional("desc", as_string, std::string());
  if (!desc) return std::unexpected(desc.error());
  auto md = r.optional("md", as_bool, false);
  if (!md) return std::unexpected(md.error());

  if (*filtered) {
    auto k = read_filtered(r, *d.kind.mutable_filtered());
    if (!k) return std::unexpected(k.error());
  } else {
    auto* n = d.kind.mutable_normal();
    auto k = read_normal(r, *n);
    if (!k) return std::unexpected(k.error());
    n->set_description(std::move(*desc));
    n->set_markdown_description(*md);
  }

  // The four counters share one day: the latest of time/new/rev. A counter
  // from an earlier day is stale and counts as 0 (custom study may bump only
  // new or rev; learning never decides the day).
  auto [lrn, rev, nw, time] = std::tie(today[0], today[1], today[2], today[3]);
  std::int32_t max_day = std::max({time.day, nw.day, rev.day});
  auto& c = d.common;
  c.set_study_collapsed(*collapsed);
  c.set_browser_collapsed(*browser_collapsed);
  c.set_last_day_studied(static_cast<std::uint32_t>(max_day));
  c.set_new_studied(nw.day == max_day ? nw.amount : 0);
  c.set_review_studied(rev.day == max_day ? rev.amount : 0);
  c.set_learning_studied(lrn.day == max_day ? lrn.amount : 0);
  c.set_milliseconds_studied(time.amount);
  c.set_other(other_bytes(r.rest()));
  return d;
}

} // namespace

result<deck_row> deck_from_schema11(const json::value& v) {
  return guarded("deck", [&] { return deck_from_schema11_unguarded(v); });
}

json::object deck_to_schema11(const deck_row& d) {
  const auto& c = d.common;
  json::object o;
  o["id"] = d.id;
  o["mod"] = d.mtime_secs;
  o["name"] = human_deck_name(d.name);
  o["usn"] = d.usn;
  auto day = static_cast<std::int32_t>(c.last_day_studied());
  auto pair = [day](std::int32_t amount) { return json::array{day, amount}; };
  o["lrnToday"] = pair(c.learning_studied());
  o["revToday"] = pair(c.review_studied());
  o["newToday"] = pair(c.new_studied());
  o["timeToday"] = pair(c.milliseconds_studied());
  o["collapsed"] = c.study_collapsed();
  o["browserCollapsed"] = c.browser_collapsed();

  if (d.kind.has_filtered()) {
    const auto& f = d.kind.filtered();
    o["desc"] = "";
    o["dyn"] = 1;
    merge_other(o, parse_other(c.other(), deck_keys));
    o["resched"] = f.reschedule();
    json::array terms;
    for (const auto& t : f.search_terms())
      terms.emplace_back(json::array{json::value(t.search()),
                                     json::value(static_cast<std::int32_t>(t.limit())),
                                     json::value(static_cast<int>(t.order()))});
    o["terms"] = std::move(terms);
    o["separate"] = true;
    o["delays"] = f.delays().empty() ? json::value(nullptr) : json::value(f32_list_json(f.delays()));
    o["previewDelay"] = f.preview_delay();
    o["previewAgainSecs"] = f.preview_again_secs();
    o["previewHardSecs"] = f.preview_hard_secs();
    o["previewGoodSecs"] = f.preview_good_secs();
    return o;
  }

  pb::DeckNormal fallback;
  fallback.set_config_id(1);
  const auto& n = d.kind.has_normal() ? d.kind.normal() : fallback;
  o["desc"] = n.description();
  if (n.markdown_description()) o["md"] = true;
  o["dyn"] = 0;
  merge_other(o, parse_other(c.other(), deck_keys));
  o["conf"] = n.config_id();
  o["extendNew"] = static_cast<std::int32_t>(n.extend_new());
  o["extendRev"] = static_cast<std::int32_t>(n.extend_review());
  o["reviewLimit"] = n.has_review_limit() ? json::value(n.review_limit()) : json::value(nullptr);
  o["newLimit"] = n.has_new_limit() ? json::value(n.new_limit()) : json::value(nullptr);
  auto day_limit = [](bool has, const pb::DeckNormal::DayLimit& l) {
    if (!has) return json::value(nullptr);
    return json::value(json::object{{"limit", l.limit()}, {"today", l.today()}});
  };
  o["reviewLimitToday"] = day_limit(n.has_review_limit_today(), n.review_limit_today());
  o["newLimitToday"] = day_limit(n.has_new_limit_today(), n.new_limit_today());
  o["desiredRetention"] =
      n.has_desired_retention()
          ? json::value(saturating_cast<std::uint32_t>(n.desired_retention() * 100.0f))
          : json::value(nullptr);
  return o;
}

result<deck_row> deck_from_schema11_text(std::string_view json_text) {
  return guarded("deck", [&]() -> result<deck_row> {
    auto v = parse_json_text(json_text, "deck");
    if (!v) return std::unexpected(v.error());
    return deck_from_schema11_unguarded(*v);
  });
}

std::string deck_to_schema11_text(const deck_row& deck) { return to_json_text(deck_to_schema11(deck)); }

} // namespace ankisync::storage
