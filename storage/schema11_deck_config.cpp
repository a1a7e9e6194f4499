#include "storage/schema11_deck_config.hpp"

#include <algorithm>

#include "storage/json_text.hpp"
#include "storage/schema11_json_read.hpp"

namespace ankisync::storage {

namespace json = boost::json;
using namespace s11;
using cfg = pb::DeckConfigConfig;

namespace {

constexpr std::string_view top_keys[] = {
    "id", "newSortOrder", "replayq", "newPerDayMinimum", "usn", "autoplay", "dyn",
    "maxTaken", "reviewOrder", "buryInterdayLearning", "newMix", "mod", "timer", "name",
    "interdayLearningMix", "newGatherPriority", "fsrsWeights", "fsrsParams5",
    "fsrsParams6", "desiredRetention", "stopTimerOnAnswer", "secondsToShowQuestion",
    "secondsToShowAnswer", "questionAction", "answerAction", "waitForAudio",
    "sm2Retention", "weightSearch", "ignoreRevlogsBeforeDate", "easyDaysPercentages"};
constexpr std::string_view new_keys[] = {
    "order", "delays", "bury", "perDay", "initialFactor", "ints"};
constexpr std::string_view rev_keys[] = {
    "maxIvl", "hardFactor", "ease4", "ivlFct", "perDay", "bury"};
constexpr std::string_view lapse_keys[] = {
    "leechFails", "mult", "leechAction", "delays", "minInt"};

const auto as_i32 = [](const json::value& v) { return parse_int<std::int32_t>(v); };
const auto as_u32 = [](const json::value& v) { return parse_int<std::uint32_t>(v); };
const auto as_u16 = [](const json::value& v) { return parse_int<std::uint16_t>(v); };
const auto as_u8 = [](const json::value& v) { return parse_int<std::uint8_t>(v); };
const auto as_bool = [](const json::value& v) { return parse_bool(v); };
const auto as_string = [](const json::value& v) { return parse_string(v); };
const auto as_f32 = [](const json::value& v) { return parse_f32(v); };
const auto as_f32_list = [](const json::value& v) { return parse_f32_list(v); };

// A u8 enum accepting 0..max only.
auto as_enum(std::uint8_t max) {
  return [max](const json::value& v) -> std::optional<int> {
    auto n = parse_int<std::uint8_t>(v);
    if (!n || *n > max) return std::nullopt;
    return *n;
  };
}

// "new" / "rev" / "lapse" in parsed form, with the unknown keys.
struct new_conf {
  bool bury = false;
  std::vector<float> delays{1.0f, 10.0f};
  std::uint16_t initial_factor = 2500;
  std::uint16_t good = 1, easy = 4;
  bool order_due = true;
  std::uint32_t per_day = 20;
  json::object other;
};
struct rev_conf {
  bool bury = false;
  float ease4 = 1.3f, ivl_fct = 1.0f;
  std::uint32_t max_ivl = 36500, per_day = 200;
  float hard_factor = 1.2f;
  json::object other;
};
struct lapse_conf {
  std::vector<float> delays{10.0f};
  bool tag_only = true;
  std::uint32_t leech_fails = 8, min_int = 1;
  float mult = 0.0f;
  json::object other;
};

// Each sub-object parses as a unit: nullopt makes the caller use the
// defaults, unknown keys included.
std::optional<new_conf> parse_new(const json::value& v) {
  if (!v.is_object()) return std::nullopt;
  object_reader r(v.get_object(), "deck config new");
  new_conf n;
  auto bury = r.optional("bury", as_bool, false);
  auto delays = r.required_lenient("delays", as_f32_list);
  auto factor = r.required("initialFactor", as_u16);
  const json::value* ints = r.find("ints");
  const json::value* order = r.find("order");
  auto per_day = r.required_lenient("perDay", as_u32);
  if (!bury || !delays || !factor || ints == nullptr || order == nullptr || !per_day)
    return std::nullopt;
  n.bury = *bury;
  n.delays = std::move(*delays);
  n.initial_factor = *factor;
  // AnkiDroid wrote two elements instead of three; fewer than two usable
  // u16 values fall back to [1, 4].
  if (ints->is_array() && ints->get_array().size() >= 2) {
    std::vector<std::uint16_t> vals;
    for (const auto& e : ints->get_array()) {
      auto x = parse_int<std::uint16_t>(e);
      if (!x) {
        vals.clear();
        break;
      }
      vals.push_back(*x);
    }
    if (vals.size() >= 2) {
      n.good = vals[0];
      n.easy = vals[1];
    }
  }
  // 0 random, 1 due; a wrong-typed order falls back to the enum default, due.
  n.order_due = as_enum(1)(*order) != 0;
  n.per_day = *per_day;
  n.other = r.rest();
  return n;
}

std::optional<rev_conf> parse_rev(const json::value& v) {
  if (!v.is_object()) return std::nullopt;
  object_reader r(v.get_object(), "deck config rev");
  rev_conf n;
  auto bury = r.optional("bury", as_bool, false);
  auto ease4 = r.required("ease4", as_f32);
  auto ivl_fct = r.required("ivlFct", as_f32);
  auto max_ivl = r.required("maxIvl", as_u32);
  auto per_day = r.required_lenient("perDay", as_u32);
  auto hard = r.optional("hardFactor", as_f32, 1.2f);
  if (!bury || !ease4 || !ivl_fct || !max_ivl || !per_day || !hard) return std::nullopt;
  n.bury = *bury;
  n.ease4 = *ease4;
  n.ivl_fct = *ivl_fct;
  n.max_ivl = *max_ivl;
  n.per_day = *per_day;
  n.hard_factor = *hard;
  n.other = r.rest();
  return n;
}

std::optional<lapse_conf> parse_lapse(const json::value& v) {
  if (!v.is_object()) return std::nullopt;
  object_reader r(v.get_object(), "deck config lapse");
  lapse_conf n;
  auto delays = r.required_lenient("delays", as_f32_list);
  const json::value* action = r.find("leechAction");
  auto fails = r.required("leechFails", as_u32);
  auto min_int = r.required("minInt", as_u32);
  auto mult = r.required("mult", as_f32);
  if (!delays || action == nullptr || !fails || !min_int || !mult) return std::nullopt;
  n.delays = std::move(*delays);
  // A wrong-typed action falls back to its enum default, "tag only".
  n.tag_only = as_enum(1)(*action) != 0;
  n.leech_fails = *fails;
  n.min_int = *min_int;
  n.mult = *mult;
  n.other = r.rest();
  return n;
}

} // namespace

namespace {

result<deck_config_row> deck_config_from_schema11_unguarded(const json::value& v) {
  if (!v.is_object()) return fail(storage_errc::invalid, "deck config: not an object");
  object_reader r(v.get_object(), "deck config");
  deck_config_row row;
  auto id = r.required("id", parse_i64_num_or_str);
  if (!id) return std::unexpected(id.error());
  row.id = *id;
  auto mtime = r.required("mod", parse_i64_num_or_str);
  if (!mtime) return std::unexpected(mtime.error());
  row.mtime_secs = *mtime;
  auto name = r.required("name", as_string);
  if (!name) return std::unexpected(name.error());
  row.name = std::move(*name);
  auto usn = r.required("usn", as_i32);
  if (!usn) return std::unexpected(usn.error());
  row.usn = *usn;
  auto max_taken = r.required("maxTaken", as_i32);
  if (!max_taken) return std::unexpected(max_taken.error());
  auto autoplay = r.required("autoplay", as_bool);
  if (!autoplay) return std::unexpected(autoplay.error());
  auto timer = r.required_lenient("timer", as_u8);
  if (!timer) return std::unexpected(timer.error());
  auto replayq = r.optional("replayq", as_bool, false);
  if (!replayq) return std::unexpected(replayq.error());

  const json::value* nv = r.find("new");
  if (nv == nullptr) return r.missing("new");
  const json::value* rv = r.find("rev");
  if (rv == nullptr) return r.missing("rev");
  const json::value* lv = r.find("lapse");
  if (lv == nullptr) return r.missing("lapse");
  new_conf nc = parse_new(*nv).value_or(new_conf{});
  rev_conf rc = parse_rev(*rv).value_or(rev_conf{});
  lapse_conf lc = parse_lapse(*lv).value_or(lapse_conf{});
  (void)r.lenient("dyn", as_bool); // never stored; always written false

  auto& c = row.config;
  // Keys of 2021 and later; missing ones take their defaults, wrong types
  // are errors as upstream.
  auto new_mix = r.optional("newMix", as_i32, 0);
  auto min_new = r.optional("newPerDayMinimum", as_u32, 0u);
  auto il_mix = r.optional("interdayLearningMix", as_i32, 0);
  auto review_order = r.optional("reviewOrder", as_i32, 0);
  auto sort_order = r.optional("newSortOrder", as_i32, 0);
  auto gather = r.optional("newGatherPriority", as_i32, 0);
  auto bury_il = r.optional("buryInterdayLearning", as_bool, false);
  auto fsrs4 = r.optional("fsrsWeights", as_f32_list, std::vector<float>{});
  auto fsrs5 = r.optional("fsrsParams5", as_f32_list, std::vector<float>{});
  auto fsrs6 = r.optional("fsrsParams6", as_f32_list, std::vector<float>{});
  auto retention = r.optional("desiredRetention", as_f32, 0.0f);
  auto ignore_before = r.optional("ignoreRevlogsBeforeDate", as_string, std::string());
  auto easy_days = r.optional("easyDaysPercentages", as_f32_list, std::vector<float>{});
  auto stop_timer = r.optional("stopTimerOnAnswer", as_bool, false);
  auto show_q = r.optional("secondsToShowQuestion", as_f32, 0.0f);
  auto show_a = r.optional("secondsToShowAnswer", as_f32, 0.0f);
  auto q_action = r.optional("questionAction", as_enum(1), 0);
  auto a_action = r.optional("answerAction", as_enum(4), 0);
  auto wait_audio = r.optional("waitForAudio", as_bool, true);
  auto sm2 = r.optional("sm2Retention", as_f32, 0.0f);
  auto param_search = r.optional("weightSearch", as_string, std::string());
  if (auto e = first_error(new_mix, min_new, il_mix, review_order, sort_order, gather, bury_il,
                           fsrs4, fsrs5, fsrs6, retention, ignore_before, easy_days, stop_timer,
                           show_q, show_a, q_action, a_action, wait_audio, sm2, param_search))
    return std::unexpected(*e);

  for (float f : nc.delays) c.add_learn_steps(f);
  for (float f : lc.delays) c.add_relearn_steps(f);
  c.set_new_per_day(nc.per_day);
  c.set_reviews_per_day(rc.per_day);
  c.set_new_per_day_minimum(*min_new);
  c.set_initial_ease(static_cast<float>(nc.initial_factor) / 1000.0f);
  c.set_easy_multiplier(rc.ease4);
  c.set_hard_multiplier(rc.hard_factor);
  c.set_lapse_multiplier(lc.mult);
  c.set_interval_multiplier(rc.ivl_fct);
  c.set_maximum_review_interval(rc.max_ivl);
  c.set_minimum_lapse_interval(lc.min_int);
  c.set_graduating_interval_good(nc.good);
  c.set_graduating_interval_easy(nc.easy);
  // Schema 11 numbers the insert order the other way round (0 random, 1 due).
  c.set_new_card_insert_order(nc.order_due ? cfg::NEW_CARD_INSERT_ORDER_DUE
                                           : cfg::NEW_CARD_INSERT_ORDER_RANDOM);
  c.set_new_card_gather_priority(static_cast<cfg::NewCardGatherPriority>(*gather));
  c.set_new_card_sort_order(static_cast<cfg::NewCardSortOrder>(*sort_order));
  c.set_review_order(static_cast<cfg::ReviewCardOrder>(*review_order));
  c.set_new_mix(static_cast<cfg::ReviewMix>(*new_mix));
  c.set_interday_learning_mix(static_cast<cfg::ReviewMix>(*il_mix));
  c.set_leech_action(lc.tag_only ? cfg::LEECH_ACTION_TAG_ONLY : cfg::LEECH_ACTION_SUSPEND);
  c.set_leech_threshold(lc.leech_fails);
  c.set_disable_autoplay(!*autoplay);
  c.set_cap_answer_time_to_secs(static_cast<std::uint32_t>(std::max(*max_taken, 0)));
  c.set_show_timer(*timer != 0);
  c.set_stop_timer_on_answer(*stop_timer);
  c.set_seconds_to_show_question(*show_q);
  c.set_seconds_to_show_answer(*show_a);
  c.set_question_action(static_cast<cfg::QuestionAction>(*q_action));
  c.set_answer_action(static_cast<cfg::AnswerAction>(*a_action));
  c.set_wait_for_audio(*wait_audio);
  c.set_skip_question_when_replaying_answer(!*replayq);
  c.set_bury_new(nc.bury);
  c.set_bury_reviews(rc.bury);
  c.set_bury_interday_learning(*bury_il);
  for (float f : *fsrs4) c.add_fsrs_params_4(f);
  for (float f : *fsrs5) c.add_fsrs_params_5(f);
  for (float f : *fsrs6) c.add_fsrs_params_6(f);
  c.set_ignore_revlogs_before_date(std::move(*ignore_before));
  for (float f : *easy_days) c.add_easy_days_percentages(f);
  c.set_desired_retention(*retention);
  c.set_historical_retention(*sm2);
  c.set_param_search(std::move(*param_search));

  json::object other = r.rest();
  if (!nc.other.empty()) other["new"] = std::move(nc.other);
  if (!rc.other.empty()) other["rev"] = std::move(rc.other);
  if (!lc.other.empty()) other["lapse"] = std::move(lc.other);
  c.set_other(other_bytes(other));
  return row;
}

} // namespace

result<deck_config_row> deck_config_from_schema11(const json::value& v) {
  return guarded("deck config", [&] { return deck_config_from_schema11_unguarded(v); });
}

namespace {

// Pulls a sub-object's unknown keys out of the top-level `other`.
json::object take_sub_other(json::object& top, std::string_view key,
                            std::span<const std::string_view> reserved) {
  auto it = top.find(key);
  if (it == top.end()) return {};
  json::object sub;
  if (it->value().is_object()) sub = it->value().get_object();
  top.erase(it);
  for (auto k : reserved) sub.erase(k);
  return sub;
}

} // namespace

json::object deck_config_to_schema11(const deck_config_row& row) {
  const auto& c = row.config;
  json::object top_other = parse_other(c.other(), std::span<const std::string_view>());
  json::object new_other = take_sub_other(top_other, "new", new_keys);
  json::object rev_other = take_sub_other(top_other, "rev", rev_keys);
  json::object lapse_other = take_sub_other(top_other, "lapse", lapse_keys);
  for (auto k : top_keys) top_other.erase(k);

  json::object o;
  o["id"] = row.id;
  o["mod"] = row.mtime_secs;
  o["name"] = row.name;
  o["usn"] = row.usn;
  o["maxTaken"] = static_cast<std::int32_t>(c.cap_answer_time_to_secs());
  o["autoplay"] = !c.disable_autoplay();
  o["timer"] = c.show_timer() ? 1 : 0;
  o["replayq"] = !c.skip_question_when_replaying_answer();

  json::object n;
  n["bury"] = c.bury_new();
  n["delays"] = f32_list_json(c.learn_steps());
  n["initialFactor"] = saturating_cast<std::uint16_t>(c.initial_ease() * 1000.0f);
  n["ints"] = json::array{static_cast<std::uint16_t>(c.graduating_interval_good()),
                          static_cast<std::uint16_t>(c.graduating_interval_easy()), 0};
  n["order"] = c.new_card_insert_order() == cfg::NEW_CARD_INSERT_ORDER_RANDOM ? 0 : 1;
  n["perDay"] = c.new_per_day();
  merge_other(n, new_other);
  o["new"] = std::move(n);

  json::object rv;
  rv["bury"] = c.bury_reviews();
  rv["ease4"] = float_for_json(c.easy_multiplier());
  rv["ivlFct"] = float_for_json(c.interval_multiplier());
  rv["maxIvl"] = c.maximum_review_interval();
  rv["perDay"] = c.reviews_per_day();
  rv["hardFactor"] = float_for_json(c.hard_multiplier());
  merge_other(rv, rev_other);
  o["rev"] = std::move(rv);

  json::object l;
  l["delays"] = f32_list_json(c.relearn_steps());
  l["leechAction"] = c.leech_action() == cfg::LEECH_ACTION_TAG_ONLY ? 1 : 0;
  l["leechFails"] = c.leech_threshold();
  l["minInt"] = c.minimum_lapse_interval();
  l["mult"] = float_for_json(c.lapse_multiplier());
  merge_other(l, lapse_other);
  o["lapse"] = std::move(l);

  o["dyn"] = false;
  o["newMix"] = static_cast<int>(c.new_mix());
  o["newPerDayMinimum"] = c.new_per_day_minimum();
  o["interdayLearningMix"] = static_cast<int>(c.interday_learning_mix());
  o["reviewOrder"] = static_cast<int>(c.review_order());
  o["newSortOrder"] = static_cast<int>(c.new_card_sort_order());
  o["newGatherPriority"] = static_cast<int>(c.new_card_gather_priority());
  o["buryInterdayLearning"] = c.bury_interday_learning();
  o["fsrsWeights"] = f32_list_json(c.fsrs_params_4());
  o["fsrsParams5"] = f32_list_json(c.fsrs_params_5());
  o["fsrsParams6"] = f32_list_json(c.fsrs_params_6());
  o["desiredRetention"] = float_for_json(c.desired_retention());
  o["ignoreRevlogsBeforeDate"] = c.ignore_revlogs_before_date();
  o["easyDaysPercentages"] = f32_list_json(c.easy_days_percentages());
  o["stopTimerOnAnswer"] = c.stop_timer_on_answer();
  o["secondsToShowQuestion"] = float_for_json(c.seconds_to_show_question());
  o["secondsToShowAnswer"] = float_for_json(c.seconds_to_show_answer());
  o["questionAction"] = c.question_action() == 1 ? 1 : 0;
  int answer = static_cast<int>(c.answer_action());
  o["answerAction"] = (answer >= 1 && answer <= 4) ? answer : 0;
  o["waitForAudio"] = c.wait_for_audio();
  o["sm2Retention"] = float_for_json(c.historical_retention());
  o["weightSearch"] = c.param_search();
  merge_other(o, top_other);
  return o;
}

result<deck_config_row> deck_config_from_schema11_text(std::string_view json_text) {
  return guarded("deck config", [&]() -> result<deck_config_row> {
    auto v = parse_json_text(json_text, "deck config");
    if (!v) return std::unexpected(v.error());
    return deck_config_from_schema11_unguarded(*v);
  });
}

std::string deck_config_to_schema11_text(const deck_config_row& conf) { return to_json_text(deck_config_to_schema11(conf)); }

} // namespace ankisync::storage
