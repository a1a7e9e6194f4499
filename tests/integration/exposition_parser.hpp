#pragma once

// A strict reader of the Prometheus text exposition format 0.0.4, written
// from the format's description, independently of the server's writer:
// every line is "# HELP name text", "# TYPE name type" or a sample
// "name{label="value",...} value"; names and labels are valid; a sample's
// family has its TYPE before it and all its lines in one group; no series
// twice; a histogram's buckets are cumulative, in rising `le`, end at
// +Inf, and +Inf equals _count.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <expected>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ankisync::integration {

using label_list = std::vector<std::pair<std::string, std::string>>;

struct exposition {
  std::map<std::string, std::string> types; // family -> counter, gauge, histogram, ...
  std::map<std::string, double> samples;    // series key (see key_of) -> value

  // "name{a="x",b="y"}" with labels sorted by name; "name" without any.
  static std::string key_of(std::string_view name, label_list labels) {
    std::sort(labels.begin(), labels.end());
    std::string k(name);
    if (labels.empty())
      return k;
    k += '{';
    for (std::size_t i = 0; i < labels.size(); ++i)
      k += (i ? "," : "") + labels[i].first + "=\"" + labels[i].second + "\"";
    return k + '}';
  }
  bool has(std::string_view name, const label_list& labels = {}) const {
    return samples.contains(key_of(name, labels));
  }
  // The sample's value; NaN when absent.
  double value(std::string_view name, const label_list& labels = {}) const {
    auto it = samples.find(key_of(name, labels));
    return it == samples.end() ? std::nan("") : it->second;
  }
  // Sum over every series of `name` whose labels include `subset`.
  double sum(std::string_view name, const label_list& subset = {}) const {
    double total = 0;
    for (const auto& [key, v] : samples) {
      if (!key.starts_with(name) || (key.size() > name.size() && key[name.size()] != '{'))
        continue;
      bool all = true;
      for (const auto& [ln, lv] : subset)
        all = all && key.find(ln + "=\"" + lv + "\"") != std::string::npos;
      if (all)
        total += v;
    }
    return total;
  }
};

namespace exposition_detail {

inline bool name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
inline bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

inline bool valid_metric_name(std::string_view n) {
  return !n.empty() && name_start(n[0]) && std::all_of(n.begin(), n.end(), name_char);
}
inline bool valid_label_name(std::string_view n) {
  return !n.empty() && name_start(n[0]) && n[0] != ':' &&
         std::all_of(n.begin(), n.end(), [](char c) { return name_char(c) && c != ':'; }) &&
         !n.starts_with("__");
}

inline std::expected<double, std::string> parse_value(std::string_view v) {
  if (v == "+Inf" || v == "Inf")
    return HUGE_VAL;
  if (v == "-Inf")
    return -HUGE_VAL;
  if (v == "NaN")
    return std::nan("");
  double d = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || end != v.data() + v.size())
    return std::unexpected("not a number: '" + std::string(v) + "'");
  return d;
}

// The family a sample belongs to, given the declared types.
inline std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  if (types.contains(name))
    return name;
  for (std::string_view suffix : {"_bucket", "_sum", "_count"})
    if (name.ends_with(suffix)) {
      auto base = name.substr(0, name.size() - suffix.size());
      if (auto it = types.find(base); it != types.end() && it->second == "histogram")
        return base;
    }
  return {};
}

} // namespace exposition_detail

inline std::expected<exposition, std::string> parse_exposition(std::string_view text) {
  using namespace exposition_detail;
  exposition out;
  if (text.empty() || text.back() != '\n')
    return std::unexpected("the text must end with a newline");
  std::set<std::string> closed;   // families whose group has ended
  std::set<std::string> helped;
  std::string current;            // the family of the group being read
  // Per histogram and label set (without le): the buckets in order.
  std::map<std::string, std::vector<std::pair<double, double>>> buckets;
  std::size_t line_no = 0;
  auto enter = [&](const std::string& family) -> std::expected<void, std::string> {
    if (family == current)
      return {};
    if (closed.contains(family))
      return std::unexpected("the lines of " + family + " are not one group");
    if (!current.empty())
      closed.insert(current);
    current = family;
    return {};
  };
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    const auto where = "line " + std::to_string(line_no) + " '" + std::string(line) + "': ";
    if (line.empty())
      return std::unexpected(where + "empty line");
    if (line[0] == '#') {
      const bool help = line.starts_with("# HELP ");
      const bool type = line.starts_with("# TYPE ");
      if (!help && !type)
        return std::unexpected(where + "a comment other than # HELP or # TYPE");
      auto rest = line.substr(7);
      const auto sp = rest.find(' ');
      if (sp == std::string_view::npos)
        return std::unexpected(where + "no text after the name");
      const std::string name(rest.substr(0, sp));
      const auto what = rest.substr(sp + 1);
      if (!valid_metric_name(name))
        return std::unexpected(where + "invalid metric name");
      if (auto ok = enter(name); !ok)
        return std::unexpected(where + ok.error());
      if (help) {
        if (!helped.insert(name).second)
          return std::unexpected(where + "a second HELP");
        for (std::size_t i = 0; i < what.size(); ++i)
          if (what[i] == '\\' && (i + 1 == what.size() || (what[i + 1] != '\\' && what[i + 1] != 'n')))
            return std::unexpected(where + "a bad escape in HELP");
          else if (what[i] == '\\')
            ++i;
        continue;
      }
      if (out.types.contains(name))
        return std::unexpected(where + "a second TYPE");
      if (what != "counter" && what != "gauge" && what != "histogram" && what != "summary" &&
          what != "untyped")
        return std::unexpected(where + "unknown type");
      out.types[name] = std::string(what);
      continue;
    }
    // A sample.
    std::size_t i = 0;
    while (i < line.size() && name_char(line[i]))
      ++i;
    const std::string name(line.substr(0, i));
    if (!valid_metric_name(name))
      return std::unexpected(where + "invalid metric name");
    label_list labels;
    if (i < line.size() && line[i] == '{') {
      ++i;
      std::set<std::string> seen;
      while (true) {
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        const auto start = i;
        while (i < line.size() && line[i] != '=')
          ++i;
        const std::string lname(line.substr(start, i - start));
        if (!valid_label_name(lname))
          return std::unexpected(where + "invalid label name '" + lname + "'");
        if (!seen.insert(lname).second)
          return std::unexpected(where + "label " + lname + " twice");
        if (i + 1 >= line.size() || line[i + 1] != '"')
          return std::unexpected(where + "label value not quoted");
        i += 2;
        std::string value;
        while (true) {
          if (i >= line.size())
            return std::unexpected(where + "unterminated label value");
          const char c = line[i++];
          if (c == '"')
            break;
          if (c == '\\') {
            if (i >= line.size())
              return std::unexpected(where + "unterminated escape");
            const char e = line[i++];
            if (e == 'n')
              value += '\n';
            else if (e == '\\' || e == '"')
              value += e;
            else
              return std::unexpected(where + "bad escape in a label value");
          } else {
            value += c;
          }
        }
        labels.emplace_back(lname, value);
        if (i < line.size() && line[i] == ',') {
          ++i;
          continue;
        }
        if (i < line.size() && line[i] == '}') {
          ++i;
          break;
        }
        return std::unexpected(where + "expected , or } after a label");
      }
    }
    if (i >= line.size() || line[i] != ' ')
      return std::unexpected(where + "no space before the value");
    auto value_text = line.substr(i + 1);
    if (const auto sp = value_text.find(' '); sp != std::string_view::npos) {
      // An optional timestamp: an integer (ms).
      auto ts = value_text.substr(sp + 1);
      long long t = 0;
      auto [end, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), t);
      if (ec != std::errc() || end != ts.data() + ts.size())
        return std::unexpected(where + "bad timestamp");
      value_text = value_text.substr(0, sp);
    }
    auto value = parse_value(value_text);
    if (!value)
      return std::unexpected(where + value.error());
    const auto family = family_of(name, out.types);
    if (family.empty())
      return std::unexpected(where + "no TYPE declared before this sample");
    if (family != current)
      return std::unexpected(where + "the sample is outside its family's group");
    const auto& type = out.types[family];
    if (type == "counter" && !(*value >= 0))
      return std::unexpected(where + "a counter below 0");
    if (type == "histogram") {
      label_list rest;
      std::string le;
      for (auto& l : labels)
        if (l.first == "le")
          le = l.second;
        else
          rest.push_back(l);
      const auto group = exposition::key_of(family, rest);
      if (name == family + "_bucket") {
        if (le.empty())
          return std::unexpected(where + "a bucket without le");
        auto bound = parse_value(le);
        if (!bound)
          return std::unexpected(where + "bad le: " + bound.error());
        auto& list = buckets[group];
        if (!list.empty() && (*bound <= list.back().first || *value < list.back().second))
          return std::unexpected(where + "buckets not in rising le or not cumulative");
        list.emplace_back(*bound, *value);
      } else if (!le.empty()) {
        return std::unexpected(where + "le on a non-bucket sample");
      } else if (name == family) {
        return std::unexpected(where + "a histogram sample without a suffix");
      }
    }
    const auto key = exposition::key_of(name, labels);
    if (!out.samples.emplace(key, *value).second)
      return std::unexpected(where + "series " + key + " twice");
  }
  for (const auto& [group, list] : buckets) {
    if (list.empty() || !std::isinf(list.back().first))
      return std::unexpected(group + ": the last bucket is not +Inf");
    const auto brace = group.find('{');
    const auto family = group.substr(0, brace);
    const auto labels = brace == std::string::npos ? std::string() : group.substr(brace);
    auto count = out.samples.find(family + "_count" + labels);
    auto sum = out.samples.find(family + "_sum" + labels);
    if (count == out.samples.end() || sum == out.samples.end())
      return std::unexpected(group + ": no _count or _sum");
    if (count->second != list.back().second)
      return std::unexpected(group + ": +Inf bucket differs from _count");
  }
  for (const auto& [family, type] : out.types)
    if (type == "histogram" && std::none_of(buckets.begin(), buckets.end(), [&](const auto& b) {
          return b.first.substr(0, b.first.find('{')) == family;
        }))
      return std::unexpected(family + ": a histogram without buckets");
  return out;
}

} // namespace ankisync::integration
