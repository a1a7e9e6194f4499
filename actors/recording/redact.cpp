#include "actors/recording/redact.hpp"

#include "protocol/host_key.hpp"
#include "protocol/media_json.hpp"

namespace ankisync::actors::recording {

std::string redacted_request_body(const protocol::sync_request& request) {
  if (const auto* login = std::get_if<protocol::host_key_request>(&request.body))
    return protocol::encode_host_key_request({login->username, std::string(redacted)});
  return request.payload;
}

std::string redacted_session_key(const protocol::sync_request& request) {
  if (!request.session_key.empty() && request.session_key == request.host_key)
    return std::string(redacted);
  return request.session_key;
}

reply_secret secret_in_reply(const protocol::sync_request& request) {
  if (request.family == protocol::request_family::media)
    return request.media == protocol::media_method::begin ? reply_secret::media_begin
                                                          : reply_secret::none;
  return request.method == protocol::sync_method::host_key ? reply_secret::host_key
                                                           : reply_secret::none;
}

std::string redacted_reply_body(reply_secret secret, std::string_view body) {
  switch (secret) {
  case reply_secret::none:
    break;
  case reply_secret::host_key:
    // A hostKey reply holds nothing but the key.
    return protocol::encode_host_key_response(redacted);
  case reply_secret::media_begin: {
    // The usn is compared on replay; the key is not. A reply that does
    // not decode is kept as a bare marker, never as it is.
    auto reply = protocol::decode_media_begin_reply(body);
    if (!reply)
      return std::string(redacted);
    return protocol::encode_media_begin_reply(reply->usn, redacted);
  }
  }
  return std::string(body);
}

} // namespace ankisync::actors::recording
