#pragma once

// What the TLS module (libankisync-tls.so) offers the server. The server
// binary does not link OpenSSL: it loads the module with dlopen() only when
// a certificate is configured (tls_loader.hpp), so a server without TLS
// maps no TLS library at all. Both sides are built from this tree with the
// same compiler, so C++ types may cross.

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>

#include "net/byte_stream.hpp"

namespace ankisync::net {

// A certificate and key, served to new connections; replaced by reload().
class tls_endpoint {
public:
  virtual ~tls_endpoint() = default;
  // Reads the certificate chain and key files again. On failure the
  // previous certificate stays in use and the reason comes back (empty: done).
  virtual std::string reload() = 0;
  // TLS over an accepted socket, with the certificate current now: a
  // reload later does not touch this connection.
  virtual std::unique_ptr<byte_stream> wrap(boost::asio::ip::tcp::socket&& socket) = 0;
  // The current certificate's SHA-256 fingerprint (hex), for the log.
  virtual std::string fingerprint() = 0;
  // GET /health over HTTPS (the certificate not checked: it is this
  // server's own), for the service watchdog; true on a 200 within `timeout`.
  virtual bool probe_health(const std::string& host, std::uint16_t port,
                            std::chrono::milliseconds timeout) = 0;
};

// The one symbol the server looks up in the module. Returns nullptr and
// sets `error` when the files cannot be loaded.
using make_tls_endpoint_fn = tls_endpoint* (*)(const std::string& cert_file,
                                              const std::string& key_file, std::string& error);
inline constexpr const char* make_tls_endpoint_symbol = "ankisync_make_tls_endpoint";

} // namespace ankisync::net
