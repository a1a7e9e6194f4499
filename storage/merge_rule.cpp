#include "storage/merge_rule.hpp"

namespace ankisync::storage {

std::string incoming_wins_sql(std::string_view stored_mod, std::string_view stored_usn,
                              std::string_view incoming_mod, int min_usn_param, int ties_param) {
  const std::string min_usn = "?" + std::to_string(min_usn_param);
  const std::string ties = "?" + std::to_string(ties_param);
  const std::string mod(stored_mod), usn(stored_usn), incoming(incoming_mod);
  return "not (case when " + min_usn + " = -1 then " + usn + " = -1 else " + usn +
         " >= " + min_usn + " end) or " + mod + " < " + incoming + " or (" + ties + " and " +
         mod + " = " + incoming + ")";
}

} // namespace ankisync::storage
