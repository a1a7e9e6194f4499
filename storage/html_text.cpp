#include "storage/html_text.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <limits>
#include <vector>

#include "storage/unicode_text.hpp"
#include "storage/utf8.hpp"

namespace ankisync::storage {

namespace {

constexpr auto npos = std::string_view::npos;

// ---- matching words the way a (?i) Rust regex does ----

// Matches the lowercase ASCII `word` at `pos` case-insensitively and
// returns the index after it, or npos. Unicode simple case folding also
// puts U+017F (long s) in the class of 's' and U+212A (Kelvin) in 'k',
// and Rust's regex honours that.
std::size_t match_word(std::string_view s, std::size_t pos, std::string_view word) {
  for (char w : word) {
    if (pos < s.size() && (s[pos] == w || s[pos] == w - 32)) {
      ++pos;
    } else if (w == 's' && s.substr(pos, 2) == "\xC5\xBF") {
      pos += 2;
    } else if (w == 'k' && s.substr(pos, 3) == "\xE2\x84\xAA") {
      pos += 3;
    } else {
      return npos;
    }
  }
  return pos;
}

bool word_before(std::string_view s, std::size_t pos) {
  return pos > 0 && is_regex_word_char(utf8_prev_lossy(s, pos));
}

bool word_at(std::string_view s, std::size_t pos) {
  if (pos >= s.size()) return false;
  return is_regex_word_char(utf8_next_lossy(s, pos));
}

// ---- media tags ----
//
// Anki's media regex, in words: "<" + one of img|audio|video|object|source
// + a word boundary; then lazily one or more of (any char but ">" | a
// "..." run | a '...' run); then, at a word boundary, src= or data= and a
// value: "name" up to the next ">", or 'name' likewise, or an unquoted
// name ended by a space or ">" (verbose mode drops the space from
// [^ >], so the name may start with one). The text becomes " name ".
//
// A backtracking engine's first match, which Rust's regex reproduces, is
// found here without backtracking: the lazy middle part, entered at
// position p, succeeds with the first attribute at p..(next ">"), else
// with what follows the quoted runs starting in that stretch, the last
// one first. That is a function of p alone, filled in right to left.

struct media_value {
  std::size_t end;        // one past the match
  std::size_t name_begin; // the captured file name
  std::size_t name_end;
};

class media_scanner {
public:
  explicit media_scanner(std::string_view s) : s_(s) { build(); }

  // The match starting at s[lt] == '<', if any.
  const media_value* match_at(std::size_t lt) const {
    std::size_t q = npos;
    for (std::string_view tag : {"img", "audio", "video", "object", "source"}) {
      q = match_word(s_, lt + 1, tag);
      if (q != npos) break;
    }
    if (q == npos || word_at(s_, q)) return nullptr;
    // The first of the one-or-more repetitions is not optional.
    if (q < s_.size() && s_[q] != '>')
      if (auto* m = result(solved_[q + 1])) return m;
    if (auto* m = result(solved_[quoted_target(q, next_dq_)])) return m;
    return result(solved_[quoted_target(q, next_sq_)]);
  }

private:
  static constexpr std::int32_t none = -1;
  // Positions fit 32 bits: SQLite values are at most 1 GB.
  using index_t = std::uint32_t;
  static constexpr index_t absent = std::numeric_limits<index_t>::max();

  const media_value* result(std::int32_t index) const {
    return index == none ? nullptr : &values_[static_cast<std::size_t>(index)];
  }

  // For a quoted run (a quote, at least one other character, the same
  // quote) starting at `x`: the position after it, or n + 1 (a position
  // whose solution is "no match") when there is none. `next` is the
  // next-occurrence table of that quote.
  std::size_t quoted_target(std::size_t x, const std::vector<index_t>& next) const {
    const std::size_t n = s_.size();
    if (x + 1 >= n || next[x] != x || next[x + 1] == x + 1) return n + 1;
    index_t close = next[x + 1];
    return close == absent ? n + 1 : std::size_t{close} + 1;
  }

  static std::size_t at(const std::vector<index_t>& next, std::size_t i) {
    return next[i] == absent ? npos : std::size_t{next[i]};
  }

  // The attribute part at `x`: \b(src|data)= and a value, or nothing.
  bool attribute_at(std::size_t x, media_value& out) const {
    std::size_t e = match_word(s_, x, "src");
    if (e == npos) e = match_word(s_, x, "data");
    if (e == npos || word_before(s_, x) || e >= s_.size() || s_[e] != '=') return false;
    const std::size_t v = e + 1, n = s_.size();
    for (const auto* next : {&next_dq_, &next_sq_}) {
      std::size_t after = quoted_target(v, *next);
      if (after > n) continue;
      std::size_t gt = at(next_gt_, after);
      if (gt != npos) {
        out = {gt + 1, v + 1, after - 1};
        return true;
      }
    }
    if (v >= n || s_[v] == '>') return false;
    std::size_t gt = at(next_gt_, v + 1);
    if (gt == npos) return false;
    out = {gt + 1, v, std::min(at(next_space_, v + 1), gt)};
    return true;
  }

  void build() {
    const std::size_t n = s_.size();
    auto table = [&](char c) {
      std::vector<index_t> next(n + 1, absent);
      for (std::size_t i = n; i-- > 0;)
        next[i] = s_[i] == c ? static_cast<index_t>(i) : next[i + 1];
      return next;
    };
    next_gt_ = table('>');
    next_dq_ = table('"');
    next_sq_ = table('\'');
    next_space_ = table(' ');

    // solved_[p]: the match of the lazy middle part entered at p.
    // first_attr: the nearest attribute match at or after p.
    // quoted_tail: the first success among the quoted runs starting in
    // p..(next '>'), trying the run nearest the '>' first.
    solved_.assign(n + 2, none);
    std::int32_t first_attr = none;
    std::size_t first_attr_pos = npos;
    std::int32_t quoted_tail = none;
    for (std::size_t p = n; p-- > 0;) {
      if (s_[p] == '>') {
        quoted_tail = none;
        continue; // solved_[p] stays none: the middle part cannot take '>'
      }
      media_value v{};
      if (attribute_at(p, v)) {
        values_.push_back(v);
        first_attr = static_cast<std::int32_t>(values_.size() - 1);
        first_attr_pos = p;
      }
      if (quoted_tail == none) {
        quoted_tail = solved_[quoted_target(p, next_dq_)];
        if (quoted_tail == none) quoted_tail = solved_[quoted_target(p, next_sq_)];
      }
      bool attr_in_stretch = first_attr != none && first_attr_pos < at(next_gt_, p);
      solved_[p] = attr_in_stretch ? first_attr : quoted_tail;
    }
  }

  std::string_view s_;
  std::vector<index_t> next_gt_, next_dq_, next_sq_, next_space_;
  std::vector<std::int32_t> solved_;
  std::vector<media_value> values_;
};

bool may_hold_media_tag(std::string_view s) {
  for (std::size_t lt = s.find('<'); lt != npos; lt = s.find('<', lt + 1))
    for (std::string_view tag : {"img", "audio", "video", "object", "source"})
      if (match_word(s, lt + 1, tag) != npos) return true;
  return false;
}

std::string replace_media_tags(std::string_view s) {
  if (!may_hold_media_tag(s)) return std::string(s);
  media_scanner scanner(s);
  std::string out;
  out.reserve(s.size());
  std::size_t pos = 0;
  for (std::size_t lt = s.find('<'); lt != npos; lt = s.find('<', lt + 1)) {
    if (lt < pos) continue;
    const media_value* m = scanner.match_at(lt);
    if (m == nullptr) continue;
    out.append(s.substr(pos, lt - pos));
    out += ' ';
    out.append(s.substr(m->name_begin, m->name_end - m->name_begin));
    out += ' ';
    pos = m->end;
    lt = pos - 1;
  }
  out.append(s.substr(pos));
  return out;
}

// ---- tags, comments, style and script elements ----

// A forward search whose start only grows, answered from the previous
// result when that is still ahead: keeps many unclosed "<style" or "<!--"
// from rescanning the rest of the text each time.
template <class Find>
class forward_search {
public:
  explicit forward_search(Find find) : find_(find) {}
  std::size_t operator()(std::size_t from) {
    if (!(searched_ && from >= from_ && (found_ == npos || from <= found_))) {
      found_ = find_(from);
      from_ = from;
      searched_ = true;
    }
    return found_;
  }

private:
  Find find_;
  bool searched_ = false;
  std::size_t from_ = 0;
  std::size_t found_ = npos;
};

// The end of "</word>" (case-insensitive) at or after `from`, or npos.
std::size_t find_end_tag(std::string_view s, std::size_t from, std::string_view word) {
  for (std::size_t t = s.find("</", from); t != npos; t = s.find("</", t + 1)) {
    std::size_t e = match_word(s, t + 2, word);
    if (e != npos && e < s.size() && s[e] == '>') return e + 1;
  }
  return npos;
}

// Anki's alternation (comment | style element | script element | tag) at
// each '<', the first alternative that matches winning.
std::string remove_tags(std::string_view s) {
  auto comment_end = forward_search([s](std::size_t from) {
    std::size_t close = s.find("-->", from);
    return close == npos ? npos : close + 3;
  });
  auto style_end = forward_search([s](std::size_t from) { return find_end_tag(s, from, "style"); });
  auto script_end =
      forward_search([s](std::size_t from) { return find_end_tag(s, from, "script"); });

  auto match_at = [&](std::size_t lt) {
    if (s.substr(lt, 4) == "<!--") {
      std::size_t end = comment_end(lt + 4);
      if (end != npos) return end;
    }
    std::size_t e = match_word(s, lt + 1, "style");
    std::size_t gt = e == npos ? npos : s.find('>', e);
    if (gt != npos) {
      std::size_t end = style_end(gt + 1);
      if (end != npos) return end;
    }
    e = match_word(s, lt + 1, "script");
    gt = e == npos ? npos : s.find('>', e);
    if (gt != npos) {
      std::size_t end = script_end(gt + 1);
      if (end != npos) return end;
    }
    gt = s.find('>', lt + 1);
    return gt == npos ? npos : gt + 1;
  };

  std::string out;
  out.reserve(s.size());
  std::size_t pos = 0;
  while (true) {
    std::size_t lt = s.find('<', pos);
    if (lt == npos) break;
    std::size_t end = match_at(lt);
    // No match here means no '>' after it, so none further on either.
    if (end == npos) break;
    out.append(s.substr(pos, lt - pos));
    pos = end;
  }
  out.append(s.substr(pos));
  return out;
}

// ---- entities ----

struct named_entity {
  std::string_view name;
  char32_t cp;
};

constexpr named_entity entities[] = {
#include "storage/html_entities.inc"
};

static_assert(std::size(entities) == 252);

bool lookup_entity(std::string_view name, char32_t& cp) {
  auto it = std::lower_bound(std::begin(entities), std::end(entities), name,
                             [](const named_entity& e, std::string_view n) { return e.name < n; });
  if (it == std::end(entities) || it->name != name) return false;
  cp = it->cp;
  return true;
}

// u32::from_str_radix followed by char::from_u32.
bool numeric_entity(std::string_view digits, int radix, char32_t& cp) {
  if (digits.empty()) return false;
  std::uint64_t value = 0;
  for (char c : digits) {
    int d = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                     : c - 'A' + 10;
    value = value * static_cast<unsigned>(radix) + static_cast<unsigned>(d);
    if (value > std::numeric_limits<std::uint32_t>::max()) return false;
  }
  if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return false;
  cp = static_cast<char32_t>(value);
  return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// htmlescape's state machine; false on any error. Bytes, not characters:
// every byte that matters is ASCII, and a multi-byte character inside a
// name just makes the name unknown, as it would there.
bool decode_strict(std::string_view s, std::string& out) {
  enum class state { normal, entity, named, numeric, hex, dec };
  state st = state::normal;
  std::string buffer;
  for (char c : s) {
    char32_t cp = 0;
    switch (st) {
    case state::normal:
      if (c == '&') st = state::entity;
      else out += c;
      break;
    case state::entity:
      if (c == '#') st = state::numeric;
      else if (c == ';') return false; // "&;" is never a valid name
      else st = state::named, buffer.assign(1, c);
      break;
    case state::named:
      if (c != ';') {
        buffer += c;
        break;
      }
      if (!lookup_entity(buffer, cp)) return false;
      utf8_append(out, cp);
      st = state::normal;
      break;
    case state::numeric:
      if (is_digit(c)) st = state::dec, buffer.assign(1, c);
      else if (c == 'x') st = state::hex, buffer.clear();
      else return false;
      break;
    case state::dec:
    case state::hex:
      if (c == ';') {
        if (!numeric_entity(buffer, st == state::dec ? 10 : 16, cp)) return false;
        utf8_append(out, cp);
        st = state::normal;
      } else if (st == state::dec ? is_digit(c) : is_hex_digit(c)) {
        buffer += c;
      } else {
        return false;
      }
      break;
    }
  }
  return st == state::normal;
}

} // namespace

std::string decode_entities(std::string_view html) {
  if (html.find('&') == npos) return std::string(html);
  std::string decoded;
  decoded.reserve(html.size());
  if (!decode_strict(html, decoded)) return std::string(html);
  std::string out;
  out.reserve(decoded.size());
  for (std::size_t i = 0; i < decoded.size(); ++i) {
    if (decoded.compare(i, 2, "\xC2\xA0") == 0) {
      out += ' ';
      ++i;
    } else {
      out += decoded[i];
    }
  }
  return out;
}

std::string strip_html(std::string_view html) { return decode_entities(remove_tags(html)); }

std::string strip_html_preserving_media_filenames(std::string_view html) {
  return strip_html(replace_media_tags(html));
}

} // namespace ankisync::storage
