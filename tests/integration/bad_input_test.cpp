#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "protocol/envelope.hpp"
#include "protocol/zstd_codec.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct bad_input {
  std::string what;
  client::http_request request;
  int status;
  std::string body_contains; // "" = not checked
};

std::string header(std::uint8_t version = 11, std::string key = "") {
  return protocol::encode_sync_header({version, std::move(key), "ankisync-test,0.1,linux", ""});
}

client::http_request sync_post(std::string target, std::string body,
                               std::string anki_sync = header()) {
  return post(std::move(target), std::move(body), {{"anki-sync", std::move(anki_sync)}});
}

std::string zstd(std::string_view json) { return protocol::zstd_compress(json); }

// Incompressible bytes that are not a zstd frame.
std::string noise(std::size_t n) {
  std::string out(n, '\0');
  std::uint32_t x = 2463534242u;
  for (auto& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xff);
  }
  out[0] = 'n'; // never the zstd magic number
  return out;
}

std::vector<bad_input> wrong_routes() {
  return {
      {"unknown path", get("/nope"), 404, ""},
      {"unknown path, POST", post("/nope", ""), 404, ""},
      {"GET of a sync method", get("/sync/meta"), 405, ""},
      {"PUT of a sync method", client::http_request{"PUT", "/sync/meta", {}, ""}, 405, ""},
  };
}

std::vector<bad_input> bad_envelopes() {
  return {
      {"unknown sync method", sync_post("/sync/nope", zstd("{}")), 400, "nope"},
      {"unknown media method", sync_post("/msync/nope", zstd("{}")), 400, "nope"},
      {"anki-sync header that is not JSON", sync_post("/sync/meta", zstd("{}"), "{nope"), 400,
       ""},
      {"anki-sync header without \"s\"",
       sync_post("/sync/meta", zstd("{}"), R"({"v":11,"k":"","c":"x"})"), 400, "\"s\""},
      {"anki-sync header with \"v\" as a string",
       sync_post("/sync/meta", zstd("{}"), R"({"v":"11","k":"","c":"x","s":""})"), 400, "\"v\""},
      {"protocol version 12", sync_post("/sync/meta", zstd("{}"), header(12)), 400,
       "unsupported sync version"},
      {"no anki-sync header at all", post("/sync/meta", zstd("{}")), 400, ""},
      // Without a valid key a body is never decompressed: the key is
      // refused first (a bad body with a valid key: sync_bad_input_test).
      {"body that is not zstd, no key", sync_post("/sync/meta", "this is not zstd"), 403,
       "invalid host key"},
      // Larger than the pi profile's 64 KiB spill threshold: read into a
      // temp file first.
      {"200 KB body that is not zstd, no key", sync_post("/sync/meta", noise(200 * 1024)), 403,
       "invalid host key"},
      // A login needs no key: its body is decompressed, under its cap.
      {"hostKey body that is not zstd", sync_post("/sync/hostKey", "this is not zstd"), 400,
       "zstd"},
      {"hostKey without \"p\"", sync_post("/sync/hostKey", zstd(R"({"u":"user"})")), 400, ""},
      {"hostKey with a body that is not JSON", sync_post("/sync/hostKey", zstd("u=user&p=x")),
       400, ""},
  };
}

std::vector<bad_input> oversized_bodies() {
  auto chunked = sync_post("/sync/upload", noise(2 << 20));
  chunked.chunked = true;
  return {
      {"2 MB body with a Content-Length", sync_post("/sync/upload", noise(2 << 20)), 413, ""},
      {"2 MB body sent chunked", chunked, 413, ""},
  };
}

void check_all(server_process& server, const std::vector<bad_input>& inputs) {
  auto http = server.http();
  for (const auto& input : inputs) {
    INFO(input.what << ": " << input.request.method << " " << input.request.target);
    auto r = http.send(input.request);
    REQUIRE(r.has_value());
    INFO("reply body: " << r->body);
    CHECK(r->status == input.status);
    if (!input.body_contains.empty())
      CHECK(r->body.find(input.body_contains) != std::string::npos);
  }
}

// Everything in the data folder that is neither users.db (with its WAL
// files) nor a folder: a leftover temp body would show up here.
std::vector<std::string> unexpected_files(const fs::path& data) {
  std::vector<std::string> out;
  for (auto it = fs::recursive_directory_iterator(data); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->is_directory())
      continue;
    const auto name = it->path().filename().string();
    const bool top = it->path().parent_path() == data;
    // users.db and the lock the running server holds on the folder.
    if (top && (name == "users.db" || name == "users.db-wal" || name == "users.db-shm" ||
                name == ".lock"))
      continue;
    out.push_back(fs::relative(it->path(), data).string());
  }
  return out;
}

// Starts an upload of `declared` bytes, sends `sent` of them and hangs up.
class half_upload {
public:
  half_upload(std::uint16_t port, std::size_t declared, std::size_t sent) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    std::string head = "POST /sync/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nanki-sync: " + header() +
                       "\r\nContent-Length: " + std::to_string(declared) + "\r\n\r\n";
    write_all(head + noise(sent));
  }
  ~half_upload() { hang_up(); }
  void hang_up() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

private:
  void write_all(std::string_view bytes) {
    while (!bytes.empty()) {
      auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      REQUIRE(n > 0);
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  int fd_ = -1;
};

server_options small_payloads() {
  // pi: bodies over 64 KiB spill to disk; MAX_SYNC_PAYLOAD_MEGS=1 caps them.
  return server_options{{{"MAX_SYNC_PAYLOAD_MEGS", "1"}}, {"--profile", "pi"}};
}

} // namespace

TEST_CASE("unknown paths get 404 and sync paths with the wrong verb get 405") {
  server_process server(small_payloads());
  check_all(server, wrong_routes());
}

TEST_CASE("malformed sync envelopes are refused with 400") {
  server_process server(small_payloads());
  check_all(server, bad_envelopes());
}

TEST_CASE("a body over MAX_SYNC_PAYLOAD_MEGS is refused with 413") {
  server_process server(small_payloads());
  check_all(server, oversized_bodies());
  // The server still answers afterwards.
  auto http = server.http();
  auto health = http.send(get("/health"));
  REQUIRE(health.has_value());
  CHECK(health->status == 200);
}

TEST_CASE("after every kind of bad request the data folder holds only users.db and folders") {
  server_process server(small_payloads());
  check_all(server, wrong_routes());
  check_all(server, bad_envelopes());
  check_all(server, oversized_bodies());
  {
    // A client that hangs up halfway through a spilled upload.
    half_upload upload(server.port(), 900 * 1024, 300 * 1024);
    CHECK(eventually([&] { return !unexpected_files(server.data_dir()).empty(); }, 3s));
    upload.hang_up();
  }

  // Temp bodies go once their reply is written (or the client is gone),
  // which may be a moment after the client has read the reply.
  std::vector<std::string> left;
  const bool clean = eventually(
      [&] {
        left = unexpected_files(server.data_dir());
        return left.empty();
      },
      3s);
  std::string listing;
  for (const auto& f : left)
    listing += f + "\n";
  INFO("left in the data folder:\n" << listing);
  CHECK(clean);

  auto stopped = server.stop();
  INFO(server.stderr_text());
  CHECK(stopped.clean());
  CHECK(unexpected_files(server.data_dir()).empty());
}
