#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "protocol/envelope.hpp"
#include "protocol/zstd_codec.hpp"

using namespace ankisync::protocol;

namespace {

sync_header v11_header() {
  return sync_header{11, "hkey", "26.02,abcdef,linux", "sess1"};
}

body_source zbody(std::string_view json) { return body_source{zstd_compress(json), {}}; }

class temp_file {
public:
  explicit temp_file(std::string_view contents) {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("ankisync-envelope-test-" + std::to_string(::getpid()) + "-" +
              std::to_string(counter++)))
                .string();
    std::ofstream f(path_, std::ios::binary);
    f.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  }
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

} // namespace

// ---- anki-sync header ----

TEST_CASE("sync header parses all four keys", "[envelope]") {
  auto h = parse_sync_header(R"({"v":11,"k":"abc","c":"26.02,xyz,linux","s":"sk"})");
  REQUIRE(h);
  CHECK(h->version == 11);
  CHECK(h->host_key == "abc");
  CHECK(h->client_version == "26.02,xyz,linux");
  CHECK(h->session_key == "sk");
}

TEST_CASE("sync header tolerates unknown keys and empty strings", "[envelope]") {
  auto h = parse_sync_header(R"({"s":"","c":"x","k":"","v":8,"future":true})");
  REQUIRE(h);
  CHECK(h->version == 8);
  CHECK(h->host_key.empty());
  CHECK(h->session_key.empty());
}

TEST_CASE("sync header round trips", "[envelope]") {
  const sync_header in{GENERATE(as<std::uint8_t>{}, 8, 9, 10, 11), "k\"ey", "ver,sion", "s\\k"};
  const std::string text = encode_sync_header(in);
  auto out = parse_sync_header(text);
  REQUIRE(out);
  CHECK(out->version == in.version);
  CHECK(out->host_key == in.host_key);
  CHECK(out->client_version == in.client_version);
  CHECK(out->session_key == in.session_key);
}

TEST_CASE("sync header encodes compactly", "[envelope]") {
  CHECK(encode_sync_header({11, "a", "b", "c"}) == R"({"v":11,"k":"a","c":"b","s":"c"})");
}

TEST_CASE("malformed sync headers are bad requests", "[envelope]") {
  struct bad_case {
    std::string header;
    std::string says;
  };
  const bad_case c = GENERATE(values<bad_case>({
      {R"({"k":"a","c":"b","s":"c"})", "missing \"v\""},
      {R"({"v":11,"c":"b","s":"c"})", "missing \"k\""},
      {R"({"v":11,"k":"a","s":"c"})", "missing \"c\""},
      {R"({"v":11,"k":"a","c":"b"})", "missing \"s\""},
      {R"({"v":"11","k":"a","c":"b","s":"c"})", "\"v\" is not an integer"},
      {R"({"v":11.5,"k":"a","c":"b","s":"c"})", "\"v\" is not an integer"},
      {R"({"v":11,"k":1,"c":"b","s":"c"})", "\"k\" is not a string"},
      {R"({"v":11,"k":"a","c":null,"s":"c"})", "\"c\" is not a string"},
      {R"({"v":11,"k":"a","c":"b","s":["c"]})", "\"s\" is not a string"},
      {R"({"v":256,"k":"a","c":"b","s":"c"})", "\"v\" out of range"},
      {R"({"v":-1,"k":"a","c":"b","s":"c"})", "\"v\" out of range"},
      {R"({"v":18446744073709551615,"k":"a","c":"b","s":"c"})", "\"v\" out of range"},
      {R"([11,"a","b","c"])", "not a JSON object"},
      {R"({"v":11,"k":"a")", "invalid JSON"},
      {"", "invalid JSON"},
  }));
  INFO(c.header);
  auto h = parse_sync_header(c.header);
  REQUIRE_FALSE(h);
  CHECK(h.error().code == error_code::bad_request);
  CHECK_THAT(h.error().message, Catch::StartsWith("bad sync header: "));
  CHECK_THAT(h.error().message, Catch::Contains(c.says));
}

TEST_CASE("sync versions outside 8..11 are refused", "[envelope]") {
  const int v = GENERATE(0, 7, 12, 255);
  const std::string text = R"({"v":)" + std::to_string(v) + R"(,"k":"a","c":"b","s":"c"})";
  auto h = parse_sync_header(text);
  REQUIRE_FALSE(h);
  CHECK(h.error().code == error_code::bad_request);
  CHECK(h.error().message == "unsupported sync version: " + std::to_string(v));
}

// ---- v11 request decoding ----

TEST_CASE("v11 hostKey request carries the typed body", "[envelope]") {
  const std::string json = R"({"u":"alice","p":"pw"})";
  auto r = decode_v11_request(request_family::sync, "hostKey", v11_header(), zbody(json), {});
  REQUIRE(r);
  CHECK(r->family == request_family::sync);
  CHECK(r->method == sync_method::host_key);
  CHECK(r->version == 11);
  CHECK_FALSE(r->legacy);
  CHECK(r->host_key == "hkey");
  CHECK(r->session_key == "sess1");
  CHECK(r->client_version == "26.02,abcdef,linux");
  CHECK(r->payload == json);
  REQUIRE(std::holds_alternative<host_key_request>(r->body));
  CHECK(std::get<host_key_request>(r->body).username == "alice");
  CHECK(std::get<host_key_request>(r->body).password == "pw");
}

TEST_CASE("v11 hostKey request without a password is a bad request", "[envelope]") {
  auto r = decode_v11_request(request_family::sync, "hostKey", v11_header(),
                              zbody(R"({"u":"alice"})"), {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK_THAT(r.error().message, Catch::Contains("\"p\""));
}

TEST_CASE("v11 meta request carries the typed body", "[envelope]") {
  const std::string json = R"({"v":11,"cv":"26.02"})";
  sync_header h = v11_header();
  h.version = 10; // whatever the header says is passed on
  auto r = decode_v11_request(request_family::sync, "meta", h, zbody(json), {});
  REQUIRE(r);
  CHECK(r->method == sync_method::meta);
  CHECK(r->version == 10);
  CHECK(r->payload == json);
  REQUIRE(std::holds_alternative<meta_request>(r->body));
  CHECK(std::get<meta_request>(r->body).v == 11);
  CHECK(std::get<meta_request>(r->body).cv == "26.02");
}

TEST_CASE("v11 upload keeps its body compressed for the collection's owner", "[envelope]") {
  const std::string file = std::string("SQLite format 3\0", 16) + "not json";
  const auto body = zbody(file);
  auto r = decode_v11_request(request_family::sync, "upload", v11_header(), body, {});
  REQUIRE(r);
  CHECK(r->method == sync_method::upload);
  CHECK(r->payload.empty());
  CHECK(r->upload_body.bytes == body.bytes);
  CHECK(r->upload_encoding == body_encoding::zstd);
  CHECK(std::holds_alternative<upload_request>(r->body));
}

TEST_CASE("v11 stateful methods carry their typed bodies", "[envelope]") {
  auto start = decode_v11_request(request_family::sync, "start", v11_header(),
                                  zbody(R"({"minUsn":3,"lnewer":false,"graves":null})"), {});
  REQUIRE(start);
  REQUIRE(std::holds_alternative<start_request>(start->body));
  CHECK(std::get<start_request>(start->body).min_usn == 3);

  auto chunk = decode_v11_request(request_family::sync, "chunk", v11_header(), zbody("{}"), {});
  REQUIRE(chunk);
  CHECK(std::holds_alternative<chunk_request>(chunk->body));

  auto apply = decode_v11_request(request_family::sync, "applyChunk", v11_header(),
                                  zbody(R"({"chunk":{"done":true}})"), {});
  REQUIRE(apply);
  REQUIRE(std::holds_alternative<apply_chunk_request>(apply->body));
  CHECK(std::get<apply_chunk_request>(apply->body).chunk.done);
}

TEST_CASE("v11 chunk with {\"x\":1} is a bad request (B2)", "[envelope]") {
  auto r = decode_v11_request(request_family::sync, "chunk", v11_header(), zbody(R"({"x":1})"), {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK_THAT(r.error().message, Catch::StartsWith("bad chunk body: "));
}

TEST_CASE("v11 finish with an empty (compressed) payload is a bad request", "[envelope]") {
  auto r = decode_v11_request(request_family::sync, "finish", v11_header(), zbody(""), {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
}

TEST_CASE("media family uses media method names", "[envelope]") {
  auto r = decode_v11_request(request_family::media, "mediaChanges", v11_header(),
                              zbody(R"({"lastUsn":0})"), {});
  REQUIRE(r);
  CHECK(r->family == request_family::media);
  CHECK(r->media == media_method::media_changes);
  CHECK(std::holds_alternative<std::monostate>(r->body));

  // A name from the other family is unknown here.
  auto wrong = decode_v11_request(request_family::media, "meta", v11_header(), zbody("{}"), {});
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == error_code::bad_request);
  CHECK_THAT(wrong.error().message, Catch::Contains("meta"));
}

TEST_CASE("unknown sync method is a bad request", "[envelope]") {
  const std::string name = GENERATE(std::string("bogus"), std::string("HostKey"),
                                    std::string("begin"), std::string(""));
  auto r = decode_v11_request(request_family::sync, name, v11_header(), zbody("{}"), {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK(r.error().message == "unknown sync method: " + name);
}

TEST_CASE("an empty v11 body is not {}", "[envelope]") {
  auto r = decode_v11_request(request_family::sync, "meta", v11_header(), body_source{}, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
}

TEST_CASE("an uncompressed v11 body is a bad request", "[envelope]") {
  auto r = decode_v11_request(request_family::sync, "meta", v11_header(),
                              body_source{R"({"v":11})", {}}, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
}

TEST_CASE("a v11 body spilled to a file decodes the same", "[envelope]") {
  const std::string json = R"({"u":"bob","p":"secret"})";
  temp_file file(zstd_compress(json));
  auto r = decode_v11_request(request_family::sync, "hostKey", v11_header(),
                              body_source{{}, file.path()}, {});
  REQUIRE(r);
  CHECK(r->payload == json);
  REQUIRE(std::holds_alternative<host_key_request>(r->body));
  CHECK(std::get<host_key_request>(r->body).username == "bob");
}

TEST_CASE("a v11 payload past its method's cap is refused with 413", "[envelope]") {
  const std::string data = "{\"v\":11,\"cv\":\"" + std::string(10'000, 'x') + "\"}";
  auto r = decode_v11_request(request_family::sync, "meta", v11_header(), zbody(data), {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::payload_too_large);
  CHECK(r.error().message == "the body of /sync/meta decompresses to more than 8 KiB");
}

// ---- replies ----

TEST_CASE("v11 replies are zstd with the original size", "[envelope]") {
  const std::string body = GENERATE(std::string(), std::string("OK"),
                                    std::string(R"({"key":"abc"})"), std::string(100'000, 'z'));
  sync_reply reply;
  reply.body = body;
  reply.user = "alice";
  const wire_body w = encode_reply_body(reply, 11);
  CHECK(w.has_original_size);
  CHECK(w.original_size == body.size());
  auto back = zstd_decompress(w.bytes, 1ull << 30);
  REQUIRE(back);
  CHECK(*back == body);
  if (body.size() > 1000) CHECK(w.bytes.size() < body.size());
}

TEST_CASE("older replies are the raw body", "[envelope]") {
  const std::uint8_t v = GENERATE(as<std::uint8_t>{}, 8, 9, 10);
  sync_reply reply;
  reply.body = R"({"key":"abc"})";
  reply.user = "bob";
  const wire_body w = encode_reply_body(reply, v);
  CHECK(w.bytes == R"({"key":"abc"})");
  CHECK_FALSE(w.has_original_size);
  CHECK(w.original_size == 0);
}

TEST_CASE("error bodies are status digits plus reason", "[envelope]") {
  CHECK(error_body(403, make_error(error_code::auth_failed, "invalid host key")) ==
        "403 invalid host key");
  CHECK(error_body(400, make_error(error_code::bad_request, "")) == "400");
  CHECK(error_body(503, sync_error{error_code::unavailable, "shutting down"}) ==
        "503 shutting down");
}

TEST_CASE("v11 media uploadChanges keeps its zip compressed for the collection's owner",
          "[envelope]") {
  const std::string zip = std::string("PK\x03\x04", 4) + "zip bytes, not json";
  const auto body = zbody(zip);
  auto r = decode_v11_request(request_family::media, "uploadChanges", v11_header(), body, {});
  REQUIRE(r);
  CHECK(r->media == media_method::upload_changes);
  CHECK(r->payload.empty());
  CHECK(r->upload_body.bytes == body.bytes);
  CHECK(r->upload_encoding == body_encoding::zstd);
}
