// The only translation unit of the client that includes Boost.Beast.
#include "tools/client/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <functional>
#include <optional>

namespace ankisync::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The peer closed (or reset) the connection before any byte of a reply.
bool is_closed_by_peer(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

} // namespace

const std::string* http_response::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequal(k, name))
      return &v;
  return nullptr;
}

struct http_client::impl {
  impl(std::string h, std::uint16_t p, http_client_options o)
      : host(std::move(h)), port(p), options(o) {}

  std::string host;
  std::uint16_t port;
  http_client_options options;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  // Over `stream` when options.tls_ca_file is set.
  std::optional<asio::ssl::context> tls_context;
  std::optional<asio::ssl::stream<beast::tcp_stream&>> tls;
  beast::flat_buffer buffer;

  bool connected() const { return stream && stream->socket().is_open(); }

  void close() {
    if (stream) {
      beast::error_code ec;
      stream->socket().shutdown(tcp::socket::shutdown_both, ec);
      stream->close();
      tls.reset();
      stream.reset();
    }
    buffer.clear();
  }

  void run() {
    ioc.restart();
    ioc.run();
  }

  std::string where() const { return host + ":" + std::to_string(port); }

  std::expected<void, std::string> connect() {
    close();
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec)
      return std::unexpected("cannot resolve " + where() + ": " + ec.message());
    stream.emplace(ioc);
    stream->expires_after(options.timeout);
    if (options.source_address.empty()) {
      stream->async_connect(endpoints,
                            [&ec](beast::error_code e, const tcp::endpoint&) { ec = e; });
    } else {
      // One endpoint: trying a list would close the bound socket between tries.
      const tcp::endpoint target = *endpoints.begin();
      auto& socket = stream->socket();
      const auto from = asio::ip::make_address(options.source_address, ec);
      if (!ec)
        socket.open(target.protocol(), ec);
      if (!ec)
        socket.bind(tcp::endpoint(from, 0), ec);
      if (ec) {
        close();
        return std::unexpected("cannot connect from " + options.source_address + ": " +
                               ec.message());
      }
      stream->async_connect(target, [&ec](beast::error_code e) { ec = e; });
    }
    run();
    if (ec) {
      close();
      if (ec == beast::error::timeout)
        return std::unexpected("connecting to " + where() + " timed out");
      return std::unexpected("cannot connect to " + where() + ": " + ec.message());
    }
    beast::error_code ignored;
    stream->socket().set_option(tcp::no_delay(true), ignored);
    if (!options.tls_ca_file.empty())
      return handshake();
    return {};
  }

  std::expected<void, std::string> handshake() {
    beast::error_code ec;
    if (!tls_context) {
      tls_context.emplace(asio::ssl::context::tls_client);
      tls_context->load_verify_file(options.tls_ca_file, ec);
      if (ec) {
        tls_context.reset();
        close();
        return std::unexpected("cannot read the CA file " + options.tls_ca_file + ": " +
                               ec.message());
      }
      tls_context->set_verify_mode(asio::ssl::verify_peer);
    }
    tls.emplace(*stream, *tls_context);
    tls->set_verify_callback(asio::ssl::host_name_verification(host));
    // SNI, as a browser sends it (not for an IP address).
    beast::error_code not_ip;
    asio::ip::make_address(host, not_ip);
    if (not_ip)
      SSL_set_tlsext_host_name(tls->native_handle(), host.c_str());
    stream->expires_after(options.timeout);
    tls->async_handshake(asio::ssl::stream_base::client, [&ec](beast::error_code e) { ec = e; });
    run();
    if (ec) {
      close();
      return std::unexpected("TLS handshake with " + where() + " failed: " + ec.message());
    }
    return {};
  }

  struct attempt {
    std::expected<http_response, std::string> result;
    bool stale = false; // a reused connection the server had already closed
  };

  // Writes the request and reads the reply at the same time, so a server
  // that answers early (413 before the body is read) and closes is heard
  // even when it stops reading the rest of the body.
  attempt exchange(const http_request& r, bool reused) {
    if (tls)
      return exchange_on(*tls, r, reused);
    return exchange_on(*stream, r, reused);
  }

  template <class Stream> attempt exchange_on(Stream& s, const http_request& r, bool reused) {
    http::request<http::string_body> req;
    req.version(11);
    req.method_string(r.method);
    req.target(options.path_prefix + r.target);
    req.set(http::field::host, where());
    for (const auto& [k, v] : r.headers)
      req.insert(k, v);
    req.keep_alive(options.keep_alive);
    req.body() = r.body;
    if (r.chunked)
      req.chunked(true);
    else if (!r.body.empty() || r.method == "POST" || r.method == "PUT")
      req.content_length(r.body.size());

    beast::error_code write_ec, read_ec;
    bool write_done = false, read_done = false;
    std::optional<http::response_parser<http::string_body>> parser;

    std::function<void()> start_read = [&] {
      parser.emplace();
      parser->body_limit(boost::none);
      // Beast reads at most the buffer's free capacity per call: without
      // room, a 27 MB download arrives in 512-byte reads.
      buffer.reserve(64 * 1024);
      http::async_read(s, buffer, *parser, [&](beast::error_code ec, std::size_t) {
        // 1xx replies (100 Continue) come before the real one.
        if (!ec && parser->get().result_int() / 100 == 1)
          return start_read();
        read_ec = ec;
        read_done = true;
        // The reply is complete: a request body still being written is
        // one the server does not want any more.
        if (!write_done)
          stream->cancel();
      });
    };

    stream->expires_after(options.timeout);
    http::async_write(s, req, [&](beast::error_code ec, std::size_t) {
      write_ec = ec;
      write_done = true;
    });
    start_read();
    run();

    attempt out;
    if (read_ec) {
      const bool nothing_received = !parser || !parser->is_header_done();
      out.stale = reused && nothing_received && (is_closed_by_peer(read_ec) ||
                                                  is_closed_by_peer(write_ec));
      std::string message = read_ec == beast::error::timeout
                                ? "no reply from " + where() + " within " +
                                      std::to_string(options.timeout.count()) + " ms"
                                : "reading the reply from " + where() + ": " + read_ec.message();
      if (write_ec && write_ec != read_ec)
        message += " (sending: " + write_ec.message() + ")";
      close();
      out.result = std::unexpected(std::move(message));
      return out;
    }

    auto& msg = parser->get();
    http_response resp;
    resp.status = static_cast<int>(msg.result_int());
    for (const auto& field : msg)
      resp.headers.emplace_back(lowercase(field.name_string()), std::string(field.value()));
    resp.body = std::move(msg.body());
    const bool reusable = options.keep_alive && msg.keep_alive() && write_done && !write_ec;
    if (!reusable)
      close();
    out.result = std::move(resp);
    return out;
  }
};

http_client::http_client(std::string host, std::uint16_t port, http_client_options options)
    : impl_(std::make_unique<impl>(std::move(host), port, options)) {}

http_client::~http_client() = default;
http_client::http_client(http_client&&) noexcept = default;
http_client& http_client::operator=(http_client&&) noexcept = default;

std::expected<http_response, std::string> http_client::send(const http_request& request) {
  const bool reused = impl_->connected();
  if (!reused)
    if (auto c = impl_->connect(); !c)
      return std::unexpected(c.error());
  auto first = impl_->exchange(request, reused);
  if (!first.stale)
    return std::move(first.result);
  // The server closed the idle connection before it saw this request, so
  // sending it again on a fresh one cannot repeat it.
  if (auto c = impl_->connect(); !c)
    return std::unexpected(c.error());
  return std::move(impl_->exchange(request, false).result);
}

void http_client::close() { impl_->close(); }

} // namespace ankisync::client
