#include "tools/client/sync_channel.hpp"

#include <random>

namespace ankisync::client {

std::string new_session_key() {
  static constexpr std::string_view digits =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::random_device rd;
  std::uint64_t n = std::uniform_int_distribution<std::uint32_t>()(rd);
  std::string out;
  do {
    out.insert(out.begin(), digits[n % digits.size()]);
    n /= digits.size();
  } while (n > 0);
  return out;
}

sync_channel::sync_channel(sync_client& client, std::string host_key, sync_hooks hooks)
    : client_(client), host_key_(std::move(host_key)), session_key_(new_session_key()),
      hooks_(std::move(hooks)) {}

std::expected<std::string, sync_failure> sync_channel::call(protocol::sync_method method,
                                                            std::string_view json) {
  auto failure = [&](sync_failure_kind kind, std::string message, int status = 0) {
    return std::unexpected(sync_failure{kind, method, status, std::move(message), {}, {}});
  };
  if (dropped_)
    return failure(sync_failure_kind::dropped, "the connection was dropped earlier");
  bool drop_here = false;
  if (hooks_.drop && hooks_.drop->method == method)
    drop_here = ++calls_of_drop_method_ == hooks_.drop->occurrence;
  if (drop_here && hooks_.drop->point == drop_point::before_request) {
    dropped_ = true;
    return failure(sync_failure_kind::dropped, "dropped before the request");
  }

  if (hooks_.before_request)
    hooks_.before_request(method);
  auto reply = client_.call(protocol::to_string(method), json, host_key_, session_key_);
  if (!reply)
    return failure(sync_failure_kind::transport, reply.error());
  if (hooks_.after_reply)
    hooks_.after_reply(method, reply->status);
  if (drop_here) {
    dropped_ = true;
    return failure(sync_failure_kind::dropped, "dropped after the reply");
  }
  if (!reply->ok())
    return failure(sync_failure_kind::http_status, reply->body, reply->status);
  return std::move(reply->body);
}

} // namespace ankisync::client
