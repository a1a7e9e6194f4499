#include "actors/login_gate.hpp"

#include <algorithm>

namespace ankisync::actors {
namespace {

constexpr auto window = std::chrono::minutes(1);
// Past this many budgets, the expired ones are dropped as logins arrive.
constexpr std::size_t budgets_kept = 1024;

template <class Map, class Key>
login_gate::budget_view view_of(const Map& m, const Key& k, login_gate::clock::time_point now) {
  auto it = m.find(k);
  if (it == m.end())
    return {};
  login_gate::budget_view v{it->second.failures, it->second.in_flight};
  if (now - it->second.start > window)
    v.failures = 0;
  return v;
}

template <class Map>
void drop_expired(Map& m, login_gate::clock::time_point now) {
  std::erase_if(m, [now](const auto& entry) {
    return entry.second.in_flight == 0 && (entry.second.failures == 0 || now - entry.second.start > window);
  });
}

} // namespace

void login_gate::arrive(ticket id, const std::string& address, const std::string& user,
                        clock::time_point now) {
  auto [queue, added] = queues_.try_emplace(address);
  if (added)
    turns_.push_back(address);
  queue->second.push_back(waiting_login{id, user, now});
  ++waiting_count_;
  if (addresses_.size() + names_.size() > budgets_kept) {
    drop_expired(addresses_, now);
    drop_expired(names_, now);
  }
}

void login_gate::done(ticket id, bool failed, clock::time_point now) {
  auto it = hashing_.find(id);
  if (it == hashing_.end())
    return;
  const auto k = std::move(it->second);
  hashing_.erase(it);
  for (auto* b : {&addresses_[k.address], &names_[k]}) {
    if (b->in_flight > 0)
      --b->in_flight;
    if (!failed)
      continue;
    if (b->failures == 0 || now - b->start > window)
      *b = budget{now, 0, b->in_flight};
    ++b->failures;
  }
}

login_gate::budget_view login_gate::address_budget(const std::string& address,
                                                   clock::time_point now) const {
  return view_of(addresses_, address, now);
}

login_gate::budget_view login_gate::name_budget(const std::string& address,
                                                const std::string& user,
                                                clock::time_point now) const {
  return view_of(names_, key{address, user}, now);
}

std::vector<login_gate::decision> login_gate::next(clock::time_point now) {
  std::vector<decision> out;
  // Refusals do not wait for a hashing slot.
  for (auto q = queues_.begin(); q != queues_.end();) {
    const auto& address = q->first;
    const bool address_spent =
        address_budget(address, now).failures >= limits_.address_failures_per_minute;
    std::erase_if(q->second, [&](const waiting_login& w) {
      verdict what;
      if (address_spent ||
          name_budget(address, w.user, now).failures >= limits_.user_failures_per_minute)
        what = verdict::throttle;
      else if (now - w.since > limits_.max_wait)
        what = verdict::too_late;
      else
        return false;
      out.push_back({w.id, what});
      --waiting_count_;
      return true;
    });
    if (q->second.empty()) {
      std::erase(turns_, address);
      q = queues_.erase(q);
    } else {
      ++q;
    }
  }
  // One login per address per turn, for as long as hashing slots are
  // free and some address has a login whose budgets have room.
  std::size_t idle_turns = 0;
  while (hashing_.size() < limits_.max_hashing && !turns_.empty() && idle_turns < turns_.size()) {
    auto address = std::move(turns_.front());
    turns_.pop_front();
    auto& queue = queues_[address];
    const auto a = address_budget(address, now);
    bool started = false;
    if (a.failures + a.in_flight < limits_.address_failures_per_minute) {
      auto w = std::find_if(queue.begin(), queue.end(), [&](const waiting_login& l) {
        const auto n = name_budget(address, l.user, now);
        return n.failures + n.in_flight < limits_.user_failures_per_minute;
      });
      if (w != queue.end()) {
        key k{address, w->user};
        ++addresses_[address].in_flight;
        ++names_[k].in_flight;
        hashing_.emplace(w->id, std::move(k));
        out.push_back({w->id, verdict::hash});
        queue.erase(w);
        --waiting_count_;
        started = true;
      }
    }
    if (queue.empty())
      queues_.erase(address);
    else
      turns_.push_back(std::move(address));
    idle_turns = started ? 0 : idle_turns + 1;
  }
  return out;
}

} // namespace ankisync::actors
