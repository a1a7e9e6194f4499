// HTTP timeouts (docs/operations.md), set small for the test: bytes that
// keep moving keep a transfer alive however long it takes; a transfer
// that stalls is cut after the idle timeout and logged as cut with the
// bytes that moved; a header must be whole by its deadline; an idle
// kept-alive connection closes after its own timeout.

#include <catch2/catch.hpp>

#include <chrono>
#include <regex>
#include <thread>

#include "protocol/envelope.hpp"
#include "protocol/zstd_codec.hpp"
#include "tests/integration/raw_connection.hpp"
#include "tests/integration/test_support.hpp"
#include "tools/client/device.hpp"

using namespace ankisync;
using namespace ankisync::integration;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

server_options small_timeouts() {
  server_options o;
  o.env = {{"SYNC_USER1", "user:pass"}};
  o.args = {"--set", "http.idle_timeout_ms=1000", "--set", "http.header_timeout_ms=2000",
            "--set", "http.keepalive_timeout_ms=1500"};
  return o;
}

// The head of a v11 sync request with `length` body bytes.
std::string sync_head(const std::string& method, const std::string& host_key, std::size_t length) {
  protocol::sync_header h{11, host_key, "ankisync-client,0.1.0,linux", "s"};
  return "POST /sync/" + method + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         std::string(protocol::sync_header_name) + ": " + protocol::encode_sync_header(h) +
         "\r\ncontent-type: application/octet-stream\r\nContent-Length: " +
         std::to_string(length) + "\r\n\r\n";
}

// Splits a reply into its head and the body bytes read so far.
std::pair<std::string, std::string> split_reply(const std::string& reply) {
  const auto end = reply.find("\r\n\r\n");
  if (end == std::string::npos)
    return {reply, ""};
  return {reply.substr(0, end + 4), reply.substr(end + 4)};
}

std::size_t content_length(const std::string& head) {
  static const std::regex re("content-length: *([0-9]+)", std::regex::icase);
  std::smatch m;
  REQUIRE(std::regex_search(head, m, re));
  return std::stoull(m[1]);
}

// The log line of the one request to `target` that was cut.
std::string cut_line(const std::string& log, const std::string& target) {
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);)
    if (line.find(" " + target + " ") != std::string::npos &&
        line.find(" cut after ") != std::string::npos)
      return line;
  return {};
}

std::uint64_t number_after(const std::string& line, const std::string& key) {
  const auto at = line.find(key);
  REQUIRE(at != std::string::npos);
  return std::stoull(line.substr(at + key.size()));
}

// A collection whose full download is ~8 MB of zstd that will not shrink
// further: a note with 5 MB of random base64-alphabet text (stored twice,
// as the field and as the sort field).
void upload_large_collection(server_process& server, const std::filesystem::path& folder) {
  auto d = client::device::create(folder / "maker");
  REQUIRE(d.has_value());
  d->set_host_key(user_pass_host_key);
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string text(5u << 20, 'a');
  std::uint64_t x = 88172645463325252ull;
  for (auto& c : text) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = alphabet[x & 63];
  }
  REQUIRE(d->add_note({text}).has_value());
  client::sync_client_options o;
  o.http.timeout = 60s;
  client::sync_client c("127.0.0.1", server.port(), o);
  auto up = d->full_upload(c);
  INFO((up ? std::string("ok") : up.error().message));
  REQUIRE(up.has_value());
}

std::string download_request() {
  const auto body = protocol::zstd_compress("{}");
  return sync_head("download", user_pass_host_key, body.size()) + body;
}

} // namespace

TEST_CASE("a body sent slowly but steadily for longer than the idle timeout completes") {
  server_process server(small_timeouts());
  const auto body = protocol::zstd_compress(R"({"u":"user","p":"pass"})");
  raw_connection c(server.port());
  REQUIRE(c.send(sync_head("hostKey", "", body.size())));
  // One byte per 100 ms: well past the idle timeout (1 s) and the header
  // deadline (2 s) in all, but never a second without progress.
  const auto start = clock_type::now();
  for (char byte : body) {
    std::this_thread::sleep_for(100ms);
    REQUIRE(c.send(std::string(1, byte)));
  }
  REQUIRE(clock_type::now() - start > 2s);
  auto reply = c.read_some(4096, 10s);
  INFO(server.stderr_text());
  CHECK(reply.starts_with("HTTP/1.1 200"));
}

TEST_CASE("a stalled body is cut after the idle timeout and logged with the bytes moved") {
  server_process server(small_timeouts());
  raw_connection c(server.port());
  const auto head = sync_head("upload", user_pass_host_key, 100000);
  REQUIRE(c.send(head + std::string(5000, 'x')));
  const auto start = clock_type::now();
  (void)c.read_to_end(5s); // the server closes it
  const auto took = clock_type::now() - start;
  CHECK(c.closed());
  CHECK(took >= 900ms);
  CHECK(took < 4s);
  std::string line;
  REQUIRE(eventually([&] { return !(line = cut_line(server.stderr_text(), "/sync/upload")).empty(); }));
  INFO(line);
  CHECK(number_after(line, "in=") == head.size() + 5000);
  CHECK(line.find("of " + std::to_string(head.size() + 100000)) != std::string::npos);
  CHECK(line.find("while reading the body") != std::string::npos);
}

TEST_CASE("a slow reader of a large reply gets all of it") {
  server_process server(small_timeouts());
  temp_folder folder;
  upload_large_collection(server, folder.path());

  raw_connection c(server.port(), "127.0.0.1", 64 * 1024);
  REQUIRE(c.send(download_request()));
  std::string reply;
  const auto start = clock_type::now();
  // ~2.5 MB/s: the ~8 MB reply takes several idle timeouts to read, so
  // the server waits on this reader again and again.
  for (bool done = false; !done && !c.closed();) {
    // 256 KiB, then a pause.
    for (std::size_t got = 0; got < 256 * 1024 && !c.closed();) {
      auto chunk = c.read_some(256 * 1024 - got, 5s);
      if (chunk.empty())
        break;
      got += chunk.size();
      reply += chunk;
    }
    auto [head, body] = split_reply(reply);
    done = body.empty() ? reply.empty() : body.size() >= content_length(head);
    std::this_thread::sleep_for(100ms);
  }
  auto [head, body] = split_reply(reply);
  INFO(server.stderr_text());
  INFO("read for " << std::chrono::duration<double>(clock_type::now() - start).count() << " s");
  REQUIRE(head.starts_with("HTTP/1.1 200"));
  CHECK(content_length(head) > 6u << 20); // past the socket buffers
  CHECK(body.size() == content_length(head));
  CHECK(clock_type::now() - start > 2s);
  CHECK(cut_line(server.stderr_text(), "/sync/download").empty());
}

TEST_CASE("a stalled reader is cut and the log has the bytes really written") {
  server_process server(small_timeouts());
  temp_folder folder;
  upload_large_collection(server, folder.path());

  raw_connection c(server.port(), "127.0.0.1", 64 * 1024);
  REQUIRE(c.send(download_request()));
  std::string reply = c.read_some(64 * 1024, 10s);
  REQUIRE(reply.starts_with("HTTP/1.1 200"));
  // Stop reading; the server's writes stall once the buffers are full.
  std::string line;
  REQUIRE(eventually(
      [&] { return !(line = cut_line(server.stderr_text(), "/sync/download")).empty(); }, 10s));
  // What was written before the cut still arrives, then the end.
  reply += c.read_to_end(5s);
  CHECK(c.closed());
  auto [head, body] = split_reply(reply);
  INFO(line);
  CHECK(line.find("status=200") != std::string::npos);
  CHECK(line.find("client stopped reading") != std::string::npos);
  CHECK(number_after(line, "out=") == body.size());
  CHECK(body.size() < content_length(head));
  CHECK(line.find("of " + std::to_string(content_length(head))) != std::string::npos);
}

TEST_CASE("a header trickling in is cut at its deadline though bytes keep coming") {
  server_process server(small_timeouts());
  raw_connection c(server.port());
  REQUIRE(c.send("GET /health HTTP/1.1\r\nHost: x\r\n"));
  const auto start = clock_type::now();
  // A header byte every 200 ms: never idle for 1 s, never complete.
  while (clock_type::now() - start < 6s && c.send("x"))
    if (!c.read_some(1, 200ms).empty() || c.closed())
      break;
  const auto took = clock_type::now() - start;
  (void)c.read_to_end(2s);
  CHECK(c.closed());
  CHECK(took >= 1500ms);
  CHECK(took < 4s);
}

TEST_CASE("a kept-alive connection is reused within its timeout and closed after it") {
  server_process server(small_timeouts());
  raw_connection c(server.port());
  const std::string get = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(c.send(get));
  CHECK(c.read_some(4096, 5s).starts_with("HTTP/1.1 200"));
  std::this_thread::sleep_for(1000ms);
  REQUIRE(c.send(get));
  CHECK(c.read_some(4096, 5s).starts_with("HTTP/1.1 200"));
  const auto idle_from = clock_type::now();
  (void)c.read_to_end(5s);
  CHECK(c.closed());
  const auto idle = clock_type::now() - idle_from;
  CHECK(idle >= 1300ms);
  CHECK(idle < 3500ms);
}
