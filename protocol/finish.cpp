#include "protocol/finish.hpp"

#include <boost/json.hpp>

#include "protocol/json_read.hpp"
#include "protocol/json_write.hpp"

namespace ankisync::protocol {

std::string encode_finish_response(std::int64_t mod_ms) {
  std::string out;
  detail::append_int(out, mod_ms);
  return out;
}

std::expected<std::int64_t, sync_error> decode_finish_response(std::string_view text) {
  return detail::decode_payload<std::int64_t>(text, "bad finish reply", detail::read_i64);
}

} // namespace ankisync::protocol
