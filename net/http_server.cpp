// The only translation unit that includes Boost.Beast: it costs ~20 s to
// compile, so everything else talks to it through http_message.hpp.
#include "net/http_server.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "net/byte_stream.hpp"
#include "net/connection_slots.hpp"
#include "net/spill_body.hpp"
#include "net/request_log.hpp"
#include "net/tls_module.hpp"

namespace ankisync::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// The path without its query: an old client's media `begin` carries its
// host key in the query string, and keys must not reach the log. As sent:
// the request log escapes it.
std::string loggable_target(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

// Reads of a request's header; a header over header_limit_bytes is refused.
constexpr std::size_t header_read_bytes = 4096;
constexpr std::size_t header_limit_bytes = 16 * 1024;
// Beast reads at most the read buffer's free capacity per call (no less
// than 512 bytes, no more than 64 KiB). Left at its size after the header,
// a 27 MB upload came in 512-byte reads, each a recvmsg, a timer re-arm and
// a write to the spill file: half the server's CPU time of an upload.
constexpr std::size_t body_read_bytes = 64 * 1024;
// Out of file descriptors, accept fails at once for as long as a
// connection waits in the backlog: retrying at once spins a core. Wait
// this long between tries instead; connections close meanwhile.
constexpr auto accept_backoff = std::chrono::milliseconds(100);

// Plain TCP; TLS comes from the module (tls_module.hpp).
class tcp_byte_stream final : public byte_stream {
public:
  explicit tcp_byte_stream(tcp::socket&& socket) : stream_(std::move(socket)) {}
  executor_type get_executor() override { return stream_.get_executor(); }
  void async_start(handler done) override {
    asio::dispatch(stream_.get_executor(), [done = std::move(done)]() mutable {
      std::move(done)(beast::error_code{}, 0);
    });
  }
  void async_read_some(asio::mutable_buffer into, handler done) override {
    stream_.async_read_some(into, on_executor(get_executor(), std::move(done)));
  }
  void async_write_some(std::span<const asio::const_buffer> from, handler done) override {
    stream_.async_write_some(from, on_executor(get_executor(), std::move(done)));
  }
  void expires_at(std::chrono::steady_clock::time_point when) override {
    stream_.expires_at(when);
  }
  void expires_never() override { stream_.expires_never(); }
  void close() override {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }

private:
  beast::tcp_stream stream_;
};

// An error from the TLS module carries that module's copy of the Beast
// and Asio categories, which compare unequal to this one's: the same
// error in this binary's categories. TLS errors (a peer gone without
// close_notify, a bad record) end the connection like a reset.
beast::error_code local_error(beast::error_code ec) {
  if (!ec)
    return ec;
  const std::string_view category = ec.category().name();
  if (category == "boost.beast")
    return static_cast<beast::error>(ec.value());
  if (category == "asio.misc")
    return {ec.value(), asio::error::get_misc_category()};
  if (category.starts_with("asio.ssl"))
    return asio::error::connection_reset;
  return ec;
}

// A byte_stream as Beast's HTTP functions take it (an AsyncStream).
class any_stream {
public:
  using executor_type = byte_stream::executor_type;
  explicit any_stream(std::unique_ptr<byte_stream> impl) : impl_(std::move(impl)) {}
  executor_type get_executor() { return impl_->get_executor(); }

  template <class Token> auto async_start(Token&& token) {
    return asio::async_initiate<Token, void(beast::error_code, std::size_t)>(
        [this](auto handler) { impl_->async_start(local_errors(std::move(handler))); }, token);
  }
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return asio::async_initiate<Token, void(beast::error_code, std::size_t)>(
        [this](auto handler, asio::mutable_buffer into) {
          impl_->async_read_some(into, local_errors(std::move(handler)));
        },
        token, asio::mutable_buffer(*asio::buffer_sequence_begin(buffers)));
  }
  // At most write_pieces buffers per write: what is left goes in the next.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    std::size_t n = 0;
    for (auto it = asio::buffer_sequence_begin(buffers);
         it != asio::buffer_sequence_end(buffers) && n < write_pieces_.size(); ++it)
      write_pieces_[n++] = *it;
    return asio::async_initiate<Token, void(beast::error_code, std::size_t)>(
        [this, n](auto handler) {
          impl_->async_write_some(std::span(write_pieces_.data(), n),
                                  local_errors(std::move(handler)));
        },
        token);
  }
  void expires_after(std::chrono::steady_clock::duration d) {
    impl_->expires_at(std::chrono::steady_clock::now() + d);
  }
  void expires_at(std::chrono::steady_clock::time_point when) { impl_->expires_at(when); }
  void expires_never() { impl_->expires_never(); }
  void close() { impl_->close(); }

private:
  template <class Handler> auto local_errors(Handler handler) {
    auto ex = asio::get_associated_executor(handler, impl_->get_executor());
    return asio::bind_executor(
        ex, [h = std::move(handler)](beast::error_code ec, std::size_t n) mutable {
          std::move(h)(local_error(ec), n);
        });
  }

  std::unique_ptr<byte_stream> impl_;
  // The buffers of the write in progress (one at a time per connection),
  // alive until it completes.
  std::array<asio::const_buffer, 16> write_pieces_;
};

class connection;

// Every open connection of a server, so a shutdown can close those between
// requests and wait for the others. Any I/O thread may call in.
struct live_connections {
  using list = std::list<std::weak_ptr<connection>>;
  std::mutex mutex;
  list connections;
  // Requests between their header and the end of their reply.
  std::atomic<std::size_t> busy{0};
  // Set by stop_accepting(): replies say Connection: close.
  std::atomic<bool> draining{false};

  list::iterator add(std::weak_ptr<connection> c) {
    std::lock_guard lock(mutex);
    return connections.insert(connections.end(), std::move(c));
  }
  void remove(list::iterator it) {
    std::lock_guard lock(mutex);
    connections.erase(it);
  }
};

struct listener_state {
  std::string name;
  listener_limits limits;
  request_handler handler;
  protocol::server_metrics* counters;
  live_connections* live; // the server's; outlives every connection
  std::shared_ptr<connection_slots> slots;
  std::shared_ptr<tls_endpoint> tls; // null: plain HTTP
};

class connection : public std::enable_shared_from_this<connection> {
public:
  connection(std::unique_ptr<byte_stream> stream, std::shared_ptr<listener_state> listener,
             std::string peer_ip, connection_slots::slot slot)
      : stream_(std::move(stream)), listener_(std::move(listener)), peer_ip_(std::move(peer_ip)),
        slot_(std::move(slot)) {}
  ~connection() {
    if (registered_)
      listener_->live->remove(entry_);
    set_busy(false);
  }

  void run() {
    entry_ = listener_->live->add(weak_from_this());
    registered_ = true;
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&connection::start, shared_from_this()));
  }

  // Shutdown: a connection waiting for its next request closes now; one
  // with a request in flight closes once the reply is written.
  void drain() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_)
        self->close();
    });
  }

private:
  void set_busy(bool busy) {
    if (busy == busy_)
      return;
    busy_ = busy;
    if (busy)
      listener_->live->busy.fetch_add(1, std::memory_order_relaxed);
    else
      listener_->live->busy.fetch_sub(1, std::memory_order_relaxed);
  }

  // The TLS handshake, within the first request's header deadline.
  void start() {
    stream_.expires_after(listener_->limits.header_timeout);
    stream_.async_start([self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        spdlog::debug("[{}] {} TLS handshake failed ({}), closed", self->listener_->name,
                      self->peer_ip_, ec.message());
        return self->close();
      }
      self->do_read_header();
    });
  }

  // The next request: at once on a new connection or when bytes of it
  // are already buffered, else after the keep-alive wait.
  void do_read_header() {
    if (listener_->live->draining.load(std::memory_order_relaxed))
      return close();
    // An idle keep-alive connection keeps no large read buffer.
    if (buffer_.size() == 0 && buffer_.capacity() > body_read_bytes / 4)
      buffer_.shrink_to_fit();
    parser_.emplace();
    parser_->header_limit(header_limit_bytes);
    parser_->body_limit(listener_->limits.max_body_bytes);
    bytes_in_ = 0;
    log_method_.clear();
    log_target_.clear();
    if (first_request_ || buffer_.size() > 0) {
      first_request_ = false;
      return begin_header();
    }
    stream_.expires_after(listener_->limits.keep_alive_timeout);
    stream_.async_read_some(
        buffer_.prepare(header_read_bytes),
        [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
          self->buffer_.commit(bytes);
          if (ec) // timeout, EOF, reset: the keep-alive simply ends
            return self->close();
          self->begin_header();
        });
  }

  void begin_header() {
    header_deadline_ = std::chrono::steady_clock::now() + listener_->limits.header_timeout;
    parse_header();
  }

  // Raw reads, not Beast's read on the parser: that one completes only
  // when the parser moves on, so a header line trickling in byte by byte
  // would look idle. Here every byte that arrives restarts the idle wait;
  // the deadline stays.
  void read_header_some() {
    stream_.expires_at(std::min(header_deadline_, std::chrono::steady_clock::now() +
                                                      listener_->limits.idle_timeout));
    stream_.async_read_some(buffer_.prepare(header_read_bytes),
                            [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                              self->buffer_.commit(bytes);
                              if (ec)
                                return self->on_header(ec);
                              self->parse_header();
                            });
  }

  // Feeds what arrived to the parser, which takes whole lines only and
  // stops at the end of the header (it is not eager).
  void parse_header() {
    beast::error_code ec;
    while (!parser_->is_header_done() && buffer_.size() > 0) {
      const auto used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      bytes_in_ += used;
      if (ec == http::error::need_more) {
        ec = {};
        break;
      }
      if (ec || used == 0)
        break;
    }
    if (!ec && !parser_->is_header_done() && buffer_.size() > header_limit_bytes)
      ec = http::error::header_limit;
    if (!ec && !parser_->is_header_done())
      return read_header_some();
    on_header(ec);
  }

  void on_header(beast::error_code ec) {
    if (ec == asio::error::eof || ec == http::error::end_of_stream ||
        ec == http::error::partial_message || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
      // Not a request yet: nothing to log at info (a scanner, a client
      // that connected and went away, a header trickled past its deadline).
      if (buffer_.size() > 0 || bytes_in_ > 0)
        spdlog::debug("[{}] {} header not complete ({}), closed", listener_->name, peer_ip_,
                      ec.message());
      return close();
    }
    started_ = std::chrono::steady_clock::now();
    head_bytes_ = bytes_in_;
    set_busy(true);
    // A declared length past the limit is refused before reading a byte:
    // Beast reports it while parsing the header.
    if (ec == http::error::body_limit)
      return fail_early(413, "request body exceeds the payload limit");
    if (ec) {
      const int status = ec == http::error::header_limit ? 431 : 400;
      return fail_early(status, "malformed HTTP request: " + ec.message());
    }
    auto& req = parser_->get();
    log_method_ = std::string(req.method_string());
    log_target_ = loggable_target(req.target());
    req.body().configure(listener_->limits.spill_bytes, listener_->limits.spill_dir);
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      stream_.expires_after(listener_->limits.idle_timeout);
      http::async_write(stream_, *cont,
                        [self = shared_from_this(), cont](beast::error_code ec, std::size_t) {
                          if (ec)
                            return self->cut("the client went away before sending the body");
                          self->do_read_body();
                        });
      return;
    }
    do_read_body();
  }

  // The body in pieces, each a read of up to body_read_bytes: every piece
  // restarts the idle timeout, so only a stalled sender is cut.
  void do_read_body() {
    if (parser_->is_done())
      return on_body();
    if (auto length = parser_->content_length(); !length || *length > body_read_bytes / 4)
      buffer_.reserve(body_read_bytes);
    stream_.expires_after(listener_->limits.idle_timeout);
    http::async_read_some(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&connection::on_body_some, shared_from_this()));
  }

  void on_body_some(beast::error_code ec, std::size_t bytes) {
    bytes_in_ += bytes;
    if (ec == http::error::body_limit)
      return fail_early(413, "request body exceeds the payload limit");
    if (ec == beast::error::timeout)
      return cut(fmt::format("no bytes for {} ms while reading the body",
                             listener_->limits.idle_timeout.count()));
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted)
      return cut("the client closed the connection while sending the body");
    if (ec)
      return fail_early(400, "malformed HTTP request: " + ec.message());
    if (!parser_->is_done())
      return do_read_body();
    on_body();
  }

  void on_body() {
    auto& msg = parser_->get();
    if (auto err = msg.body().error(); !err.empty())
      return fail_early(500, "could not store the request body: " + err);
    stream_.expires_never();
    http_request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (auto& field : msg) {
      std::string name(field.name_string());
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    req.peer_ip = peer_ip_;
    if (listener_->limits.ip_source != client_ip_source::connection) {
      if (auto ip = client_ip_from_headers(listener_->limits.ip_source, req.headers))
        req.peer_ip = std::move(*ip);
      else
        req.client_ip_missing = true;
    }
    client_ip_ = req.peer_ip;
    keep_alive_ = msg.keep_alive();
    body_file_ = msg.body().release_into(req.body);
    log_method_ = req.method;
    log_target_ = loggable_target(req.target);

    // The handler may answer from any thread; hop back onto this
    // connection's strand before touching the socket.
    auto self = shared_from_this();
    listener_->handler(std::move(req), [self](http_response resp) {
      asio::post(self->stream_.get_executor(),
                 [self, resp = std::move(resp)]() mutable { self->write(std::move(resp)); });
    });
  }

  // Answers a request that never reached a handler, then closes: the rest
  // of its body is unread, so the stream cannot be reused.
  void fail_early(int status, std::string message) {
    keep_alive_ = false;
    if (parser_ && parser_->is_header_done()) {
      auto& msg = parser_->get();
      log_method_ = std::string(msg.method_string());
      log_target_ = loggable_target(msg.target());
    }
    http_response resp;
    resp.status = status;
    resp.headers.emplace_back("content-type", "text/plain; charset=utf-8");
    resp.body = std::to_string(status) + " " + message;
    resp.note = std::move(message);
    write(std::move(resp));
  }

  void write(http_response resp) {
    if (!resp.body_file.empty())
      return write_file(std::move(resp));
    auto out = std::make_shared<http::response<http::string_body>>();
    out->body() = std::move(resp.body);
    send(std::move(out), std::move(resp));
  }

  // A large body (a full download) goes from disk to the socket in
  // Beast's small buffers, then its file is removed.
  void write_file(http_response resp) {
    auto out = std::make_shared<http::response<http::file_body>>();
    beast::error_code ec;
    out->body().open(resp.body_file.c_str(), beast::file_mode::scan, ec);
    ::unlink(resp.body_file.c_str()); // the open handle keeps the data readable
    if (ec) {
      http_response failed;
      failed.status = 500;
      failed.body = "500 cannot read the reply file";
      failed.note = "cannot open " + resp.body_file + ": " + ec.message();
      return write(std::move(failed));
    }
    send(std::move(out), std::move(resp));
  }

  // Head, bookkeeping for the log line, and the write, for any body type;
  // `out` lives until the write completes.
  template <class Body>
  void send(std::shared_ptr<http::response<Body>> out, http_response resp) {
    out->version(11);
    out->result(static_cast<unsigned>(resp.status));
    for (auto& [k, v] : resp.headers)
      out->set(k, v);
    if (listener_->live->draining.load(std::memory_order_relaxed))
      keep_alive_ = false;
    out->keep_alive(keep_alive_);
    out->prepare_payload();
    status_ = resp.status;
    user_ = std::move(resp.user);
    note_ = std::move(resp.note);
    client_version_ = std::move(resp.client_version);
    session_ = std::move(resp.session);
    transfer_ = resp.transfer;
    body_size_ = out->payload_size().value_or(0);
    bytes_out_ = 0;
    in_reply_body_ = false;
    auto sr = std::make_shared<http::response_serializer<Body>>(*out);
    // The head goes out on its own, so the bytes after it are the body's.
    sr->split(true);
    write_some(std::move(out), std::move(sr));
  }

  // One piece of the reply per write; every piece restarts the idle
  // timeout, so a slow reader gets it all and only a stalled one is cut.
  template <class Body>
  void write_some(std::shared_ptr<http::response<Body>> out,
                  std::shared_ptr<http::response_serializer<Body>> sr) {
    stream_.expires_after(listener_->limits.idle_timeout);
    http::async_write_some(
        stream_, *sr,
        [self = shared_from_this(), out, sr](beast::error_code ec, std::size_t bytes) mutable {
          if (self->in_reply_body_)
            self->bytes_out_ += bytes;
          else if (sr->is_header_done())
            self->in_reply_body_ = true;
          if (ec == beast::error::timeout)
            return self->cut(fmt::format("no bytes for {} ms while writing the reply (the client "
                                         "stopped reading)",
                                         self->listener_->limits.idle_timeout.count()));
          if (ec)
            return self->cut("the client went away during the reply: " + ec.message());
          if (!sr->is_done())
            return self->write_some(std::move(out), std::move(sr));
          self->on_write();
        });
  }

  void on_write() {
    finish_request();
    if (!keep_alive_ || listener_->live->draining.load(std::memory_order_relaxed))
      return close();
    do_read_header();
  }

  // A transfer that did not complete: logged as cut, with what moved.
  void cut(std::string why) {
    finish_request(why);
    close();
  }

  // One line per request, complete or cut; an error's reason rides on it,
  // so it is logged once. The metrics count it at the same moment.
  void finish_request(std::string_view cut_reason = {}) {
    const auto took = std::chrono::steady_clock::now() - started_;
    const bool cut = !cut_reason.empty();
    count_request(took, cut);
    std::string cut_detail;
    if (cut) {
      // The counts are what moved: bytes_in includes the request head,
      // bytes_out is the reply body alone, out of what was planned.
      cut_detail = "in=" + std::to_string(bytes_in_);
      if (status_ == 0 && parser_ && parser_->content_length())
        cut_detail += " of " + std::to_string(head_bytes_ + *parser_->content_length());
      if (status_ != 0)
        cut_detail +=
            " out=" + std::to_string(bytes_out_) + " of " + std::to_string(body_size_);
    }
    protocol::request_log_fields f;
    f.listener = listener_->name;
    f.client_ip = client_ip_;
    f.method = log_method_;
    f.uri = log_target_;
    f.user = user_;
    f.client_version = client_version_;
    f.session = session_;
    f.elapsed_ms = std::chrono::duration<double, std::milli>(took).count();
    f.status = status_;
    f.bytes_in = bytes_in_;
    f.bytes_out = bytes_out_;
    f.reason = cut ? cut_reason : std::string_view(note_);
    f.cut = cut;
    log_request(f, cut_detail);
    if (cut || status_ >= 400)
      remember_failure(f);
    body_file_.reset();
    parser_.reset();
    user_.clear();
    note_.clear();
    client_version_.clear();
    session_.clear();
    client_ip_ = peer_ip_;
    transfer_ = http_response::transfer_kind::none;
    status_ = 0;
    bytes_out_ = body_size_ = 0;
    set_busy(false);
  }

  void remember_failure(const protocol::request_log_fields& f) {
    protocol::error_entry e;
    e.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    e.status = f.status;
    e.cut = f.cut;
    e.method = f.method;
    e.uri = f.uri;
    e.user = f.user;
    e.reason = f.reason;
    listener_->counters->failures.add(std::move(e));
  }

  void count_request(std::chrono::steady_clock::duration took, bool cut) {
    auto& m = *listener_->counters;
    const auto method = protocol::method_of(log_method_);
    m.request(protocol::family_of_path(log_target_), method,
              protocol::class_of_status(status_, cut))
        .add();
    m.duration(method).observe(took);
    m.bytes_received.add(bytes_in_);
    m.bytes_sent.add(bytes_out_);
    if (status_ == 409)
      m.conflicts.add();
    if (status_ == 413)
      m.payload_too_large.add();
    if (cut || status_ != 200)
      return;
    if (transfer_ == http_response::transfer_kind::full_upload) {
      m.full_uploads.add();
      m.full_upload_bytes.add(bytes_in_ - head_bytes_);
      m.full_upload_duration.observe(took);
    } else if (transfer_ == http_response::transfer_kind::full_download) {
      m.full_downloads.add();
      m.full_download_bytes.add(bytes_out_);
      m.full_download_duration.observe(took);
    } else if (log_target_ == "/msync/uploadChanges") {
      m.media_upload_bytes.add(bytes_in_ - head_bytes_);
    } else if (log_target_ == "/msync/downloadFiles") {
      m.media_download_bytes.add(bytes_out_);
    }
  }

  void close() {
    set_busy(false);
    body_file_.reset();
    stream_.close();
    // The descriptor is free again; this object may live on a while (a
    // reply still on its way from an actor).
    slot_ = {};
  }

  any_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<listener_state> listener_;
  std::optional<http::request_parser<spill_body>> parser_;
  std::unique_ptr<temp_file> body_file_; // deleted once the response is written
  std::string peer_ip_;
  // Who the current request is from, for its log line: the peer, or the
  // client a proxy named.
  std::string client_ip_ = peer_ip_;
  connection_slots::slot slot_;
  std::string log_method_, log_target_, user_, note_, client_version_, session_;
  http_response::transfer_kind transfer_ = http_response::transfer_kind::none;
  bool keep_alive_ = false;
  bool busy_ = false; // a request is in flight (live_connections::busy)
  bool registered_ = false;
  live_connections::list::iterator entry_;
  bool first_request_ = true;  // its header deadline runs from the accept
  bool in_reply_body_ = false; // the reply's head is written
  int status_ = 0;             // 0 until a reply is on its way
  // The current request's bytes read (head and body), reply body bytes
  // written, and the reply body's planned size.
  std::uint64_t bytes_in_ = 0, bytes_out_ = 0, body_size_ = 0, head_bytes_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point header_deadline_;
};

class acceptor_loop : public std::enable_shared_from_this<acceptor_loop> {
public:
  acceptor_loop(asio::io_context& ioc, std::shared_ptr<listener_state> listener)
      : ioc_(ioc), acceptor_(asio::make_strand(ioc)), backoff_(acceptor_.get_executor()),
        listener_(std::move(listener)) {}

  std::expected<std::uint16_t, std::string> open(const std::string& host, std::uint16_t port) {
    beast::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec)
      return std::unexpected("not an IP address: " + host);
    tcp::endpoint ep{address, port};
    acceptor_.open(ep.protocol(), ec);
    if (!ec)
      acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
      acceptor_.bind(ep, ec);
    if (!ec)
      acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return std::unexpected("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                             ec.message());
    return acceptor_.local_endpoint().port();
  }

  void accept() {
    acceptor_.async_accept(asio::make_strand(ioc_),
                           beast::bind_front_handler(&acceptor_loop::on_accept, shared_from_this()));
  }

  void close() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
      self->backoff_.cancel();
    });
  }

private:
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open())
      return;
    if (ec == asio::error::connection_aborted)
      return accept(); // that client gave up while queued
    if (ec)
      return back_off(ec);
    if (auto refused = out_of_fds_.admitted(); refused > 0)
      spdlog::info("[{}] accepting connections again after running out of file descriptors",
                   listener_->name);
    auto ep = socket.remote_endpoint(ec);
    std::string ip = ec ? std::string() : ep.address().to_string();
    auto slot = connection_slots::take(listener_->slots, ip);
    if (!slot) {
      refuse(socket, slot.error(), ip);
      return accept();
    }
    if (auto refused = full_.admitted() + address_full_.admitted(); refused > 0)
      spdlog::info("[{}] accepting connections again; {} were refused at a cap meanwhile",
                   listener_->name, refused);
    socket.set_option(tcp::no_delay(true), ec);
    auto stream = listener_->tls ? listener_->tls->wrap(std::move(socket))
                                 : std::make_unique<tcp_byte_stream>(std::move(socket));
    std::make_shared<connection>(std::move(stream), listener_, std::move(ip), std::move(*slot))
        ->run();
    accept();
  }

  // Out of descriptors (EMFILE, ENFILE) or kernel memory: pause accepting
  // a moment, logging once per episode.
  void back_off(beast::error_code ec) {
    if (out_of_fds_.refused())
      spdlog::warn("[{}] cannot accept connections: {}; retrying every {} ms ({} open; raise the "
                   "open-file limit or lower connections.max)",
                   listener_->name, ec.message(), accept_backoff.count(),
                   listener_->slots->open());
    backoff_.expires_after(accept_backoff);
    backoff_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec)
        self->accept();
    });
  }

  // Over a cap: a short 503 (the socket's empty send buffer takes it
  // without blocking) and close, logged once per episode.
  void refuse(tcp::socket& socket, connection_refusal why, const std::string& ip) {
    static const std::string reply = [] {
      const std::string body = "503 too many connections, try again later";
      return "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; "
             "charset=utf-8\r\nretry-after: 5\r\nconnection: close\r\ncontent-length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body;
    }();
    if (why == connection_refusal::listener_full && full_.refused())
      spdlog::warn("[{}] connection cap reached: {} open (connections.max); new connections are "
                   "refused until some close",
                   listener_->name, listener_->slots->open());
    if (why == connection_refusal::address_full && address_full_.refused())
      spdlog::warn("[{}] {} holds {} connections (connections.max_per_ip); its new ones are "
                   "refused until some close",
                   listener_->name, ip, listener_->slots->max_per_ip());
    beast::error_code ec;
    socket.non_blocking(true, ec);
    // A TLS client could not read a plain reply: it sees the close alone.
    if (!listener_->tls)
      socket.write_some(asio::buffer(reply), ec);
    // Closing with unread bytes sends a reset, which may make the client
    // drop the 503 before reading it: take what the request sent so far.
    char sink[4096];
    socket.read_some(asio::buffer(sink), ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  asio::steady_timer backoff_;
  std::shared_ptr<listener_state> listener_;
  // Touched only on the acceptor's strand.
  refusal_episode out_of_fds_, full_, address_full_;
};

} // namespace

struct http_server::impl {
  impl(unsigned threads, protocol::server_metrics& counters)
      : ioc(static_cast<int>(threads)), guard(asio::make_work_guard(ioc)), thread_count(threads),
        counters(counters) {}
  // Before the io_context: connections its destructor frees unregister here.
  live_connections live;
  asio::io_context ioc;
  // Keeps run() from returning while an actor is still working on a reply
  // and no socket operation is pending.
  asio::executor_work_guard<asio::io_context::executor_type> guard;
  unsigned thread_count;
  std::vector<std::thread> threads;
  std::vector<std::shared_ptr<acceptor_loop>> acceptors;
  protocol::server_metrics& counters;
  std::shared_ptr<tls_endpoint> tls;
};

http_server::http_server(unsigned io_threads, protocol::server_metrics& counters)
    : impl_(std::make_unique<impl>(std::max(1u, io_threads), counters)) {}

http_server::~http_server() { stop(); }

std::expected<std::uint16_t, std::string> http_server::listen(const std::string& name,
                                                              const std::string& host,
                                                              std::uint16_t port,
                                                              listener_limits limits,
                                                              request_handler handler) {
  auto slots = std::make_shared<connection_slots>(limits.max_connections,
                                                  limits.max_connections_per_ip);
  auto state = std::make_shared<listener_state>(listener_state{
      name, std::move(limits), std::move(handler), &impl_->counters, &impl_->live, slots,
      impl_->tls});
  auto loop = std::make_shared<acceptor_loop>(impl_->ioc, state);
  auto bound = loop->open(host, port);
  if (!bound)
    return bound;
  loop->accept();
  impl_->acceptors.push_back(loop);
  return bound;
}

void http_server::use_tls(std::shared_ptr<tls_endpoint> tls) { impl_->tls = std::move(tls); }

void http_server::start() {
  for (unsigned i = 0; i < impl_->thread_count; ++i)
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
}

void http_server::stop_accepting() {
  for (auto& a : impl_->acceptors)
    a->close();
  impl_->acceptors.clear();
  impl_->live.draining = true;
  std::vector<std::shared_ptr<connection>> open;
  {
    std::lock_guard lock(impl_->live.mutex);
    for (auto& weak : impl_->live.connections)
      if (auto c = weak.lock())
        open.push_back(std::move(c));
  }
  // Outside the lock: a connection that ends here unregisters itself.
  for (auto& c : open)
    c->drain();
}

std::size_t http_server::drain(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const auto busy = impl_->live.busy.load();
    if (busy == 0 || std::chrono::steady_clock::now() >= deadline)
      return busy;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void http_server::stop() {
  if (!impl_)
    return;
  for (auto& a : impl_->acceptors)
    a->close();
  impl_->acceptors.clear();
  impl_->guard.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    if (t.joinable())
      t.join();
  impl_->threads.clear();
}

} // namespace ankisync::net
