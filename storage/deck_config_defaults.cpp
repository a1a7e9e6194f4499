#include "storage/deck_config_defaults.hpp"

#include <cmath>
#include <cstdint>

namespace ankisync::storage {

namespace {

// Defaults that also serve as repair values (upstream keeps the two in one
// constant; steps and easy days are set only for a brand-new config).
constexpr std::uint32_t new_per_day = 20;
constexpr std::uint32_t reviews_per_day = 200;
constexpr std::uint32_t new_per_day_minimum = 0;
constexpr float initial_ease = 2.5f;
constexpr float easy_multiplier = 1.3f;
constexpr float hard_multiplier = 1.2f;
constexpr float lapse_multiplier = 0.0f;
constexpr float interval_multiplier = 1.0f;
constexpr std::uint32_t maximum_review_interval = 36500;
constexpr std::uint32_t minimum_lapse_interval = 1;
constexpr std::uint32_t graduating_interval_good = 1;
constexpr std::uint32_t graduating_interval_easy = 4;
constexpr std::uint32_t leech_threshold = 8;
constexpr std::uint32_t cap_answer_time_to_secs = 60;
constexpr float desired_retention = 0.9f;
constexpr float historical_retention = 0.9f;

template <class Get, class Set>
void repair_u32(Get get, Set set, std::uint32_t def, std::uint32_t lo, std::uint32_t hi) {
  std::uint32_t v = get();
  if (v < lo || v > hi) set(def);
}

template <class Get, class Set>
void repair_f32(Get get, Set set, float def, float lo, float hi) {
  float v = get();
  if (std::isnan(v) || v < lo || v > hi) set(def);
}

} // namespace

pb::DeckConfigConfig default_deck_config() {
  pb::DeckConfigConfig c;
  c.add_learn_steps(1.0f);
  c.add_learn_steps(10.0f);
  c.add_relearn_steps(10.0f);
  for (int i = 0; i < 7; ++i) c.add_easy_days_percentages(1.0f);
  c.set_new_per_day(new_per_day);
  c.set_reviews_per_day(reviews_per_day);
  c.set_new_per_day_minimum(new_per_day_minimum);
  c.set_initial_ease(initial_ease);
  c.set_easy_multiplier(easy_multiplier);
  c.set_hard_multiplier(hard_multiplier);
  c.set_lapse_multiplier(lapse_multiplier);
  c.set_interval_multiplier(interval_multiplier);
  c.set_maximum_review_interval(maximum_review_interval);
  c.set_minimum_lapse_interval(minimum_lapse_interval);
  c.set_graduating_interval_good(graduating_interval_good);
  c.set_graduating_interval_easy(graduating_interval_easy);
  c.set_new_card_insert_order(pb::DeckConfigConfig::NEW_CARD_INSERT_ORDER_DUE);
  c.set_new_card_gather_priority(pb::DeckConfigConfig::NEW_CARD_GATHER_PRIORITY_DECK);
  c.set_new_card_sort_order(pb::DeckConfigConfig::NEW_CARD_SORT_ORDER_TEMPLATE);
  c.set_review_order(pb::DeckConfigConfig::REVIEW_CARD_ORDER_DAY);
  c.set_new_mix(pb::DeckConfigConfig::REVIEW_MIX_MIX_WITH_REVIEWS);
  c.set_interday_learning_mix(pb::DeckConfigConfig::REVIEW_MIX_MIX_WITH_REVIEWS);
  c.set_leech_action(pb::DeckConfigConfig::LEECH_ACTION_TAG_ONLY);
  c.set_leech_threshold(leech_threshold);
  c.set_cap_answer_time_to_secs(cap_answer_time_to_secs);
  c.set_question_action(pb::DeckConfigConfig::QUESTION_ACTION_SHOW_ANSWER);
  c.set_answer_action(pb::DeckConfigConfig::ANSWER_ACTION_BURY_CARD);
  c.set_wait_for_audio(true);
  c.set_desired_retention(desired_retention);
  c.set_historical_retention(historical_retention);
  return c;
}

void repair_deck_config_values(pb::DeckConfigConfig& c) {
#define ANKISYNC_FIELD(name) [&] { return c.name(); }, [&](auto v) { c.set_##name(v); }
  repair_u32(ANKISYNC_FIELD(new_per_day), new_per_day, 0, 9999);
  repair_u32(ANKISYNC_FIELD(reviews_per_day), reviews_per_day, 0, 9999);
  repair_u32(ANKISYNC_FIELD(new_per_day_minimum), new_per_day_minimum, 0, 9999);
  repair_f32(ANKISYNC_FIELD(initial_ease), initial_ease, 1.31f, 5.0f);
  repair_f32(ANKISYNC_FIELD(easy_multiplier), easy_multiplier, 1.0f, 5.0f);
  repair_f32(ANKISYNC_FIELD(hard_multiplier), hard_multiplier, 0.5f, 1.3f);
  repair_f32(ANKISYNC_FIELD(lapse_multiplier), lapse_multiplier, 0.0f, 1.0f);
  repair_f32(ANKISYNC_FIELD(interval_multiplier), interval_multiplier, 0.5f, 2.0f);
  repair_u32(ANKISYNC_FIELD(maximum_review_interval), maximum_review_interval, 1, 36500);
  repair_u32(ANKISYNC_FIELD(minimum_lapse_interval), minimum_lapse_interval, 1, 36500);
  repair_u32(ANKISYNC_FIELD(graduating_interval_good), graduating_interval_good, 1, 36500);
  repair_u32(ANKISYNC_FIELD(graduating_interval_easy), graduating_interval_easy, 1, 36500);
  repair_u32(ANKISYNC_FIELD(leech_threshold), leech_threshold, 1, 9999);
  repair_u32(ANKISYNC_FIELD(cap_answer_time_to_secs), cap_answer_time_to_secs, 1, 9999);
  repair_f32(ANKISYNC_FIELD(desired_retention), desired_retention, 0.7f, 0.99f);
  repair_f32(ANKISYNC_FIELD(historical_retention), historical_retention, 0.7f, 0.97f);
#undef ANKISYNC_FIELD
}

} // namespace ankisync::storage
