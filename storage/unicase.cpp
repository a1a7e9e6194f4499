#include "storage/unicase.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <iterator>

#include "storage/sqlite_stmt.hpp"
#include "storage/utf8.hpp"

namespace ankisync::storage {

namespace {

struct fold_entry {
  char32_t from;
  std::uint8_t length;
  char32_t to[3];
};

constexpr fold_entry fold_table[] = {
#include "storage/unicase_table.inc"
};

static_assert(std::size(fold_table) == 1487,
              "the Unicode 12.0 C+F table has 1487 entries; regenerate deliberately");

const fold_entry* find_fold(char32_t cp) noexcept {
  auto it = std::lower_bound(std::begin(fold_table), std::end(fold_table), cp,
                             [](const fold_entry& e, char32_t c) { return e.from < c; });
  if (it == std::end(fold_table) || it->from != cp) return nullptr;
  return it;
}

// Yields the folded code points of a UTF-8 string one at a time, in the
// order unicase 2.6.0's iterator yields them.
class fold_stream {
public:
  explicit fold_stream(std::string_view s) : s_(s) {}

  // False at the end of the string.
  bool next(char32_t& out) noexcept {
    if (pending_ < count_) {
      out = buffer_[pending_++];
      return true;
    }
    if (pos_ >= s_.size()) return false;

    char32_t cp = utf8_next_lossy(s_, pos_);
    if (cp < 0x80) {
      out = (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
      return true;
    }
    const fold_entry* e = find_fold(cp);
    if (e == nullptr) {
      out = cp;
      return true;
    }
    if (e->length == 3) {
      // unicase 2.6.0's Fold::Three iterator returns its third element
      // first and then falls back to Two(first, second).
      buffer_[0] = e->to[2];
      buffer_[1] = e->to[0];
      buffer_[2] = e->to[1];
    } else {
      std::copy_n(e->to, e->length, buffer_);
    }
    count_ = e->length;
    pending_ = 1;
    out = buffer_[0];
    return true;
  }

private:
  std::string_view s_;
  std::size_t pos_ = 0;
  char32_t buffer_[3] = {};
  int count_ = 0;
  int pending_ = 0;
};

int ascii_compare(std::string_view a, std::string_view b) noexcept {
  auto lower = [](unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; };
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    int x = lower(static_cast<unsigned char>(a[i]));
    int y = lower(static_cast<unsigned char>(b[i]));
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

int collate(void*, int n1, const void* p1, int n2, const void* p2) {
  return unicase_compare(std::string_view(static_cast<const char*>(p1), static_cast<std::size_t>(n1)),
                         std::string_view(static_cast<const char*>(p2), static_cast<std::size_t>(n2)));
}

} // namespace

int unicase_compare(std::string_view a, std::string_view b) noexcept {
  if (is_ascii(a) && is_ascii(b)) return ascii_compare(a, b);
  fold_stream x(a), y(b);
  while (true) {
    char32_t cx = 0, cy = 0;
    bool has_x = x.next(cx);
    bool has_y = y.next(cy);
    if (!has_x || !has_y) return has_x == has_y ? 0 : (has_x ? 1 : -1);
    if (cx != cy) return cx < cy ? -1 : 1;
  }
}

std::string unicase_key(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  fold_stream f(s);
  char32_t c = 0;
  while (f.next(c)) utf8_append(out, c);
  return out;
}

result<void> register_unicase(sqlite3* db) {
  int rc = sqlite3_create_collation_v2(db, "unicase", SQLITE_UTF8, nullptr, collate, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db, rc, "register unicase collation"));
  return {};
}

} // namespace ankisync::storage
