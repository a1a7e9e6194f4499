#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ankisync::storage {

// A row's modification time and usn: enough to decide whether an incoming
// version replaces it.
struct row_stamp {
  std::int64_t mod = 0;
  std::int32_t usn = 0;
};

// Which version of a card or note wins when a sync brings one whose id is
// already stored: the incoming one, unless the stored one is pending for
// the other side (usn >= min_usn, or exactly -1 when min_usn is -1) and
// not older; on equal mtimes `ties_to_incoming` decides.
struct merge_rule {
  std::int32_t min_usn = 0;
  bool ties_to_incoming = false;
};

// merge_rule's decision for a row with `stored` (if any) and an incoming
// mtime: true when the stored row stays.
inline bool stored_row_wins(const std::optional<row_stamp>& stored, std::int64_t incoming_mod,
                            merge_rule rule) {
  if (!stored)
    return false;
  const bool pending = rule.min_usn == -1 ? stored->usn == -1 : stored->usn >= rule.min_usn;
  return pending && (stored->mod > incoming_mod ||
                     (stored->mod == incoming_mod && !rule.ties_to_incoming));
}

// The same decision as an SQL condition, for upserts that compare the
// stored row inside the statement (`on conflict ... do update ... where`):
// true when the incoming row replaces the stored one, i.e. exactly when
// stored_row_wins is false. `stored_mod` and `stored_usn` are the stored
// row's expressions, `incoming_mod` the incoming mtime's, and
// `min_usn_param` / `ties_param` the numbers of the statement's
// parameters carrying merge_rule's fields (ties as 0 or 1). Kept next to
// stored_row_wins so that the rule is stated in one place; a test checks
// that both forms agree on every case.
std::string incoming_wins_sql(std::string_view stored_mod, std::string_view stored_usn,
                              std::string_view incoming_mod, int min_usn_param, int ties_param);

} // namespace ankisync::storage
