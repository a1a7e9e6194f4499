#pragma once

// The client side of the v11 sync envelope: what an Anki desktop client
// puts on the wire and checks on the way back. The reference sync client
// grows from here; today the integration tests use it.

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "protocol/methods.hpp"
#include "tools/client/http_client.hpp"

namespace ankisync::client {

// Which URL family a method lives under.
enum class sync_family { sync, media }; // /sync/<m>, /msync/<m>

// How a legacy client (sync_client_options::legacy) speaks /msync.
enum class legacy_media_style {
  // Anki <= 2.1.21 and old AnkiDroid: begin as multipart k, v, c=1 and a
  // gzipped {}; later calls with sk and c=1 gzipped JSON; uploadChanges
  // with c=0 and the raw zip.
  python,
  // Anki 2.1.22-2.1.56: GET /msync/begin?k=..&v=..; later calls as
  // multipart sk and data, without a c field (uncompressed).
  rust,
};

struct sync_client_options {
  http_client_options http;
  std::uint8_t version = 11;                        // "v" of the anki-sync header
  std::string client_version = "ankisync-client,0.1.0,linux"; // "c"
  // Speak the legacy envelope (v8-v10, as desktop clients before 2.1.57):
  // every call is multipart/form-data with k, s, c=1 and the gzipped body
  // as `data`, no anki-sync header; 200 replies are read raw.
  bool legacy = false;
  legacy_media_style media_style = legacy_media_style::python;
};

struct sync_response {
  int status = 0;
  // 200: the decompressed body. Otherwise the raw body (error bodies are
  // never compressed), e.g. "403 wrong username or password".
  std::string body;
  header_list headers;
  bool ok() const { return status == 200; }
};

// A reply taken as it came (legacy and media replies are not zstd).
std::expected<sync_response, std::string> raw_response(
    std::expected<http_response, std::string> resp);

struct login_response {
  int status = 0;
  std::string host_key; // set when status is 200
  std::string body;     // the decompressed reply on 200, the raw body otherwise
  bool ok() const { return status == 200; }
};

class sync_client {
public:
  sync_client(std::string host, std::uint16_t port, sync_client_options options = {});

  // POSTs `json_body`, zstd-compressed (legacy: as a gzipped multipart
  // `data` part, the reply taken raw), to /sync/<method> (or /msync/<method>)
  // with an anki-sync header carrying the keys. A 200 reply must carry
  // anki-original-size equal to the decompressed length. Errors: transport
  // failures and replies that break the envelope, as sentences.
  std::expected<sync_response, std::string> call(std::string_view method,
                                                 std::string_view json_body,
                                                 std::string_view host_key = {},
                                                 std::string_view session_key = {},
                                                 sync_family family = sync_family::sync);

  // /sync/hostKey with {"u","p"}: the host key on 200, else the status.
  std::expected<login_response, std::string> login(std::string_view user,
                                                   std::string_view password);

  // One /msync/<method> call; `body` is the JSON, or the zip for
  // uploadChanges. v11: as call(). Legacy: requests as
  // options.media_style says, replies raw. begin's request is made here
  // from the client version in every envelope (`body` is ignored).
  // Implemented in sync_client_media.cpp.
  std::expected<sync_response, std::string> media_call(protocol::media_method method,
                                                       std::string_view body,
                                                       std::string_view host_key,
                                                       std::string_view session_key = "media");

  http_client& http() { return http_; }
  const std::string& client_version() const { return options_.client_version; }
  bool legacy() const { return options_.legacy; }

private:
  http_client http_;
  sync_client_options options_;
};

} // namespace ankisync::client
