// Request bodies against memory exhaustion (docs/profiles.md, "Request
// body limits"): a body is decompressed only once its host key named a
// user, and each method's body only up to what that method can carry. A
// few KiB on the wire that would decompress to a gigabyte must cost the
// server next to nothing, whoever sends them.
//
// The peak resident memory (VmHWM) of the server process is the measure:
// the bound is generous for a loaded machine, and far below what decoding
// any of these bodies into memory takes.

#include <catch2/catch.hpp>

#include <zlib.h>
#include <zstd.h>

#include "protocol/envelope.hpp"
#include "protocol/legacy_envelope.hpp"
#include "protocol/multipart.hpp"
#include "protocol/zstd_codec.hpp"
#include "tests/integration/process_stats.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t allowed_growth = 64ull << 20;
constexpr const char* unknown_key = "0123456789abcdef0123456789abcdef01234567";

// zstd of `prefix`, `count` bytes of `fill`, then `suffix`, compressed as
// it is made: the test never holds the decompressed bytes either.
std::string zstd_bomb(std::string_view prefix, char fill, std::uint64_t count,
                      std::string_view suffix) {
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  std::string out;
  std::string buffer(ZSTD_CStreamOutSize(), '\0');
  auto feed = [&](std::string_view in, ZSTD_EndDirective mode) {
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    for (;;) {
      ZSTD_outBuffer output{buffer.data(), buffer.size(), 0};
      const auto left = ZSTD_compressStream2(cctx.get(), &output, &input, mode);
      REQUIRE_FALSE(ZSTD_isError(left));
      out.append(buffer.data(), output.pos);
      if (mode == ZSTD_e_end ? left == 0 : input.pos == input.size)
        return;
    }
  };
  feed(prefix, ZSTD_e_continue);
  const std::string block(1 << 20, fill);
  for (std::uint64_t sent = 0; sent < count; sent += block.size())
    feed(std::string_view(block).substr(0, std::min<std::uint64_t>(block.size(), count - sent)),
         ZSTD_e_continue);
  feed(suffix, ZSTD_e_end);
  return out;
}

// One gzip member of `count` zero bytes, compressed as it is made.
std::string gzip_zeros(std::uint64_t count) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out;
  std::string block(1 << 20, '\0');
  std::string buffer(1 << 16, '\0');
  std::uint64_t sent = 0;
  int flush = Z_NO_FLUSH;
  do {
    const auto n = std::min<std::uint64_t>(block.size(), count - sent);
    sent += n;
    flush = sent == count ? Z_FINISH : Z_NO_FLUSH;
    z.next_in = reinterpret_cast<Bytef*>(block.data());
    z.avail_in = static_cast<uInt>(n);
    do {
      z.next_out = reinterpret_cast<Bytef*>(buffer.data());
      z.avail_out = static_cast<uInt>(buffer.size());
      deflate(&z, flush);
      out.append(buffer.data(), buffer.size() - z.avail_out);
    } while (z.avail_out == 0);
  } while (flush != Z_FINISH);
  deflateEnd(&z);
  return out;
}

client::http_request v11_post(const std::string& method, std::string body, std::string key) {
  return post("/sync/" + method, std::move(body),
              {{"anki-sync", protocol::encode_sync_header(
                                 {11, std::move(key), "ankisync-test,0.1,linux", ""})}});
}

struct probe_result {
  client::http_response response;
  std::uint64_t growth = 0; // of the server's peak resident memory
};

// Sends `request` to a fresh server (whose memory is measured after a
// first login, once every thread has started) and measures it.
probe_result probe(server_process& server, const client::http_request& request) {
  auto c = server.http();
  auto login = server.sync_client().login("user", "pass");
  REQUIRE(login);
  const auto before = peak_rss_bytes(server.pid());
  client::http_client slow("127.0.0.1", server.port(), {std::chrono::seconds(60), false});
  auto r = slow.send(request);
  INFO((r ? std::string() : r.error()));
  REQUIRE(r);
  // Still serving afterwards.
  auto health = c.send(get("/health"));
  REQUIRE(health);
  CHECK(health->status == 200);
  return {std::move(*r), peak_rss_bytes(server.pid()) - before};
}

server_options one_user() { return {{{"SYNC_USER1", "user:pass"}}, {"--profile", "pi"}}; }

} // namespace

TEST_CASE("a 35 KB zstd body of 1.1 GB of zeros without a valid key gets 403 without being "
          "decompressed") {
  const auto bomb = zstd_bomb("", '\0', 1100ull << 20, "");
  REQUIRE(bomb.size() < 64 * 1024);
  server_process server(one_user());
  auto p = probe(server, v11_post("meta", bomb, unknown_key));
  CHECK(p.response.status == 403);
  CHECK(p.growth < allowed_growth);
}

TEST_CASE("the same body with a valid key gets 413: meta's body is capped at a few KiB") {
  const auto bomb = zstd_bomb("", '\0', 1100ull << 20, "");
  server_process server(one_user());
  auto p = probe(server, v11_post("meta", bomb, user_pass_host_key));
  CHECK(p.response.status == 413);
  CHECK_THAT(p.response.body, Catch::Contains("/sync/meta") && Catch::Contains("8 KiB"));
  CHECK(p.growth < allowed_growth);
  // Logged once, on the request's line.
  CHECK(eventually([&] { return server.stderr_text().find("413") != std::string::npos; }));
}

TEST_CASE("a login whose password decompresses to 290 MB gets 413") {
  const auto bomb = zstd_bomb(R"({"u":"user","p":")", 'a', 290ull << 20, R"("})");
  REQUIRE(bomb.size() < 64 * 1024);
  server_process server(one_user());
  auto p = probe(server, v11_post("hostKey", bomb, ""));
  CHECK(p.response.status == 413);
  CHECK_THAT(p.response.body, Catch::Contains("/sync/hostKey"));
  CHECK(p.growth < allowed_growth);
}

TEST_CASE("a legacy 1 MB gzip of 1 GB of zeros with an unknown key gets 403 without being "
          "decompressed") {
  const auto gz = gzip_zeros(1024ull << 20);
  REQUIRE(gz.size() < 2 * 1024 * 1024);
  const auto body = protocol::build_multipart(protocol::legacy_boundary,
                                              {{"k", unknown_key}, {"s", "s"}, {"c", "1"}}, gz);
  server_process server(one_user());
  auto p = probe(server, post("/sync/meta", body,
                              {{"content-type", protocol::legacy_content_type()}}));
  CHECK(p.response.status == 403);
  CHECK(p.growth < allowed_growth);
}

TEST_CASE("a legacy login whose data part decompresses past its cap gets 413") {
  const auto gz = gzip_zeros(64ull << 20);
  const auto body =
      protocol::build_multipart(protocol::legacy_boundary, {{"c", "1"}}, gz);
  server_process server(one_user());
  auto p = probe(server, post("/sync/hostKey", body,
                              {{"content-type", protocol::legacy_content_type()}}));
  CHECK(p.response.status == 413);
  CHECK(p.growth < allowed_growth);
}

TEST_CASE("the rows of a normal sync are capped by payload.max_json_megs") {
  server_options o = one_user();
  o.args.insert(o.args.end(), {"--set", "payload.max_json_megs=1"});
  server_process server(o);
  auto c = server.sync_client();
  auto meta = c.call("meta", R"({"v":11,"cv":"ankisync-test,0.1,linux"})", user_pass_host_key, "s");
  REQUIRE(meta);
  REQUIRE(meta->status == 200);
  // A start carrying 2 MB of graves, in the field older clients fill.
  std::string graves = R"({"minUsn":0,"lnewer":false,"graves":{"cards":[)";
  for (int i = 1; i <= 200000; ++i)
    graves += (i > 1 ? "," : "") + std::to_string(1'600'000'000'000 + i);
  graves += R"(],"notes":[],"decks":[]}})";
  REQUIRE(graves.size() > (2u << 20));
  auto r = server.http().send(v11_post("start", protocol::zstd_compress(graves),
                                       user_pass_host_key));
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK_THAT(r->body, Catch::Contains("payload.max_json_megs"));
  // Under the cap the same method goes through.
  auto small = c.call("start", R"({"minUsn":0,"lnewer":false,"graves":null})",
                      user_pass_host_key, "s");
  REQUIRE(small);
  CHECK(small->status == 200);
}

TEST_CASE("with a valid key a body that is not zstd gets 400, spilled to a file or not") {
  server_process server(one_user());
  auto c = server.http();
  for (const auto& body : {std::string("this is not zstd"), noise(200 * 1024)}) {
    auto r = c.send(v11_post("meta", body, user_pass_host_key));
    REQUIRE(r);
    CHECK(r->status == 400);
    CHECK_THAT(r->body, Catch::Contains("zstd"));
  }
}
