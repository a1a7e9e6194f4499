// The TLS module: OpenSSL through Asio's ssl::stream, built as
// libankisync-tls.so and loaded by the server only when TLS is on.
#include "net/tls_module.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdio>
#include <string_view>
#include <algorithm>
#include <mutex>

namespace ankisync::net {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;

// TLS 1.2 with forward-secret AEAD suites only; TLS 1.3 suites are
// OpenSSL's defaults, all of them modern.
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string openssl_reason(const boost::system::error_code& ec) {
  return ec.message();
}

std::shared_ptr<ssl::context> load_context(const std::string& cert_file,
                                           const std::string& key_file, std::string& error) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  auto* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_cipher_list(native, tls12_ciphers);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    error = "cannot load the TLS certificate chain " + cert_file + ": " + openssl_reason(ec);
    return nullptr;
  }
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) {
    error = "cannot load the TLS private key " + key_file + ": " + openssl_reason(ec);
    return nullptr;
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    error = "the TLS private key " + key_file + " does not match the certificate " + cert_file;
    return nullptr;
  }
  return ctx;
}

std::string fingerprint_of(ssl::context& ctx) {
  X509* cert = SSL_CTX_get0_certificate(ctx.native_handle());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (!cert || X509_digest(cert, EVP_sha256(), md, &n) != 1)
    return {};
  std::string hex;
  char two[3];
  for (unsigned i = 0; i < n; ++i) {
    std::snprintf(two, sizeof two, "%02X", md[i]);
    hex += two;
  }
  return hex;
}

class tls_byte_stream final : public byte_stream {
public:
  tls_byte_stream(asio::ip::tcp::socket&& socket, std::shared_ptr<ssl::context> ctx)
      : ctx_(std::move(ctx)), stream_(beast::tcp_stream(std::move(socket)), *ctx_) {}

  executor_type get_executor() override { return stream_.get_executor(); }
  void async_start(handler done) override {
    stream_.async_handshake(
        ssl::stream_base::server,
        asio::bind_executor(get_executor(),
                            [done = std::move(done)](boost::system::error_code ec) mutable {
                              std::move(done)(ec, 0);
                            }));
  }
  void async_read_some(asio::mutable_buffer into, handler done) override {
    stream_.async_read_some(into, on_executor(get_executor(), std::move(done)));
  }
  // Asio's TLS stream writes only the first buffer of a sequence per
  // call, and a reply's head comes as one small buffer per header field:
  // written as they come, each would be a TLS record and a system call of
  // its own. They go out gathered into one record instead.
  void async_write_some(std::span<const asio::const_buffer> from, handler done) override {
    if (from.size() > 1 && from.front().size() < record_bytes) {
      gathered_.clear();
      for (const auto& b : from) {
        const auto n = std::min(b.size(), record_bytes - gathered_.size());
        gathered_.append(static_cast<const char*>(b.data()), n);
        if (gathered_.size() == record_bytes)
          break;
      }
      return stream_.async_write_some(asio::buffer(gathered_),
                                      on_executor(get_executor(), std::move(done)));
    }
    stream_.async_write_some(from, on_executor(get_executor(), std::move(done)));
  }
  void expires_at(std::chrono::steady_clock::time_point when) override {
    stream_.next_layer().expires_at(when);
  }
  void expires_never() override { stream_.next_layer().expires_never(); }
  // No close_notify: replies carry their length, so no client reads to the
  // end of the stream, and a shutdown would race a read still pending.
  void close() override {
    boost::system::error_code ec;
    stream_.next_layer().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    stream_.next_layer().close();
  }

private:
  // The certificate this connection was opened with, kept alive past a reload.
  std::shared_ptr<ssl::context> ctx_;
  ssl::stream<beast::tcp_stream> stream_;
  // The write in progress when it gathered several buffers.
  static constexpr std::size_t record_bytes = 16 * 1024; // TLS's largest record
  std::string gathered_;
};

class file_tls_endpoint final : public tls_endpoint {
public:
  file_tls_endpoint(std::string cert_file, std::string key_file,
                    std::shared_ptr<ssl::context> ctx)
      : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)), ctx_(std::move(ctx)) {}

  std::string reload() override {
    std::string error;
    auto fresh = load_context(cert_file_, key_file_, error);
    if (!fresh)
      return error;
    std::lock_guard lock(mutex_);
    ctx_ = std::move(fresh);
    return {};
  }
  std::unique_ptr<byte_stream> wrap(asio::ip::tcp::socket&& socket) override {
    return std::make_unique<tls_byte_stream>(std::move(socket), current());
  }
  std::string fingerprint() override { return fingerprint_of(*current()); }

  bool probe_health(const std::string& host, std::uint16_t port,
                    std::chrono::milliseconds timeout) override {
    // A server listening on every address is asked on loopback.
    const std::string target = host.empty() || host == "0.0.0.0" ? "127.0.0.1"
                               : host == "::"                    ? "::1"
                                                                 : host;
    asio::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_verify_mode(ssl::verify_none);
    ssl::stream<asio::ip::tcp::socket> s(ioc, ctx);
    boost::system::error_code ec;
    auto endpoints = asio::ip::tcp::resolver(ioc).resolve(target, std::to_string(port), ec);
    if (ec)
      return false;
    static constexpr std::string_view request =
        "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    // The status line is all that is needed: "HTTP/1.1 200 ...".
    char head[12];
    bool healthy = false;
    asio::async_connect(s.lowest_layer(), endpoints, [&](auto ec, const auto&) {
      if (ec)
        return;
      s.async_handshake(ssl::stream_base::client, [&](auto ec) {
        if (ec)
          return;
        asio::async_write(s, asio::buffer(request), [&](auto ec, std::size_t) {
          if (ec)
            return;
          asio::async_read(s, asio::buffer(head), [&](auto ec, std::size_t) {
            healthy = !ec && std::string_view(head, sizeof head).substr(9, 3) == "200";
          });
        });
      });
    });
    ioc.run_for(timeout);
    return healthy;
  }

private:
  std::shared_ptr<ssl::context> current() {
    std::lock_guard lock(mutex_);
    return ctx_;
  }

  std::string cert_file_, key_file_;
  std::mutex mutex_;
  std::shared_ptr<ssl::context> ctx_;
};

} // namespace
} // namespace ankisync::net

extern "C" ankisync::net::tls_endpoint* ankisync_make_tls_endpoint(const std::string& cert_file,
                                                                   const std::string& key_file,
                                                                   std::string& error) {
  auto ctx = ankisync::net::load_context(cert_file, key_file, error);
  if (!ctx)
    return nullptr;
  return new ankisync::net::file_tls_endpoint(cert_file, key_file, std::move(ctx));
}
