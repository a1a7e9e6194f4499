#pragma once

// A connection's transport as the HTTP code sees it: plain TCP, or TLS
// from the module that the server loads only when TLS is on (tls_module.hpp).
// Type-erased rather than a template parameter of the connection: the
// connection code is compiled once (Beast's HTTP templates are the heavy
// part of the build), the TLS module needs no HTTP code at all, and a
// virtual call per read or write costs nothing next to the system call.
// Included by http_server.cpp and the TLS module only (Asio headers).

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <span>

namespace ankisync::net {

class byte_stream {
public:
  using handler = boost::asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;
  using executor_type = boost::asio::any_io_executor;

  virtual ~byte_stream() = default;
  virtual executor_type get_executor() = 0;
  // Before the first read: the TLS handshake (nothing for plain TCP).
  virtual void async_start(handler done) = 0;
  virtual void async_read_some(boost::asio::mutable_buffer into, handler done) = 0;
  virtual void async_write_some(std::span<const boost::asio::const_buffer> from,
                                handler done) = 0;
  // A pending operation not done by then fails with beast::error::timeout.
  virtual void expires_at(std::chrono::steady_clock::time_point when) = 0;
  virtual void expires_never() = 0;
  // Sends FIN and frees the descriptor; pending operations fail.
  virtual void close() = 0;
};

// `done` as a handler that runs on `ex`, for an Asio or Beast operation:
// Boost 1.81's any_completion_handler cannot be handed to them directly
// (its executor does not support the blocking.never they post with).
inline auto on_executor(const byte_stream::executor_type& ex, byte_stream::handler done) {
  return boost::asio::bind_executor(
      ex, [done = std::move(done)](boost::system::error_code ec, std::size_t n) mutable {
        std::move(done)(ec, n);
      });
}

} // namespace ankisync::net
