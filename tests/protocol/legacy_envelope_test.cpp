#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>

#include "protocol/body_file.hpp"
#include "protocol/gzip_codec.hpp"
#include "protocol/legacy_envelope.hpp"
#include "protocol/multipart.hpp"

using namespace ankisync::protocol;

namespace {

const std::string legacy_ct = "multipart/form-data; boundary=Anki-sync-boundary";
constexpr const char* hkey = "b2619aa1529dfdc4248e6edbf3c1b2a2b014cf6d";

// What 2019-era anki/sync.py put on the wire for one request: its post
// vars, then c=1 and the gzip (level 6) of the JSON in a file part named
// "data", boundary Anki-sync-boundary, CRLF everywhere.
std::string desktop_body(const std::vector<std::pair<std::string, std::string>>& vars,
                         std::optional<std::string> json) {
  std::string out;
  auto add = [&](const std::string& k, const std::string& v) {
    out += "--Anki-sync-boundary\r\n";
    out += "Content-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n";
  };
  for (auto& [k, v] : vars)
    add(k, v);
  add("c", "1");
  if (json) {
    out += "--Anki-sync-boundary\r\n";
    out += "Content-Disposition: form-data; name=\"data\"; filename=\"data\"\r\n"
           "Content-Type: application/octet-stream\r\n\r\n";
    out += gzip_compress(*json, 6);
    out += "\r\n";
  }
  out += "--Anki-sync-boundary--\r\n";
  return out;
}

body_source mem(std::string bytes) { return body_source{std::move(bytes), {}, nullptr}; }

std::expected<sync_request, sync_error> decode(std::string_view method, const std::string& body,
                                               const envelope_limits& limits = {}) {
  return decode_legacy_request(request_family::sync, method, legacy_ct, mem(body), limits);
}

std::string random_bytes(std::size_t n, unsigned seed = 5) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(rng() & 0xff);
  return s;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct scratch_dir {
  std::filesystem::path path;
  scratch_dir() {
    static std::atomic<int> counter{0};
    path = std::filesystem::temp_directory_path() /
           ("ankisync-legacy-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string write(const std::string& name, std::string_view contents) const {
    auto p = path / name;
    std::ofstream(p, std::ios::binary)
        .write(contents.data(), static_cast<std::streamsize>(contents.size()));
    return p.string();
  }
  std::size_t count() const {
    std::size_t n = 0;
    for (auto& e : std::filesystem::directory_iterator(path)) {
      (void)e;
      ++n;
    }
    return n;
  }
};

void check_bad(const std::expected<sync_request, sync_error>& r, std::string_view prefix) {
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  INFO(r.error().message);
  CHECK(r.error().message.starts_with(prefix));
}

} // namespace

TEST_CASE("meta exactly as legacy desktop sent it", "[legacy]") {
  auto r = decode("meta", desktop_body({{"k", hkey}, {"s", "a1b2c3d4"}},
                                       R"({"v":10,"cv":"ankidesktop,2.1.15,lin:debian:12"})"));
  REQUIRE(r);
  CHECK(r->legacy);
  CHECK(r->version == 10);
  CHECK(r->family == request_family::sync);
  CHECK(r->method == sync_method::meta);
  CHECK(r->host_key == hkey);
  CHECK(r->session_key == "a1b2c3d4");
  CHECK(r->payload == R"({"v":10,"cv":"ankidesktop,2.1.15,lin:debian:12"})");
  auto* meta = std::get_if<meta_request>(&r->body);
  REQUIRE(meta);
  CHECK(meta->v == 10);
  CHECK(meta->cv == "ankidesktop,2.1.15,lin:debian:12");
}

TEST_CASE("B11: a legacy meta gets a raw JSON reply without original size", "[legacy]") {
  auto r = decode("meta", desktop_body({{"k", hkey}, {"s", "x"}}, R"({"v":9,"cv":"a"})"));
  REQUIRE(r);
  sync_reply reply;
  reply.body = R"({"mod":1,"scm":2,"usn":0,"ts":3,"msg":"","cont":true,"hostNum":0,"empty":true})";
  auto wire = encode_reply_body(reply, r->version);
  CHECK(wire.bytes == reply.body);
  CHECK_FALSE(wire.has_original_size);
}

TEST_CASE("hostKey without k or s", "[legacy]") {
  auto r = decode("hostKey", desktop_body({}, R"({"u":"user","p":"pass"})"));
  REQUIRE(r);
  CHECK(r->host_key.empty());
  CHECK(r->session_key.empty());
  auto* login = std::get_if<host_key_request>(&r->body);
  REQUIRE(login);
  CHECK(login->username == "user");
  CHECK(login->password == "pass");
}

TEST_CASE("download without a data part (AnkiDroid) counts as {}", "[legacy]") {
  auto r = decode("download", desktop_body({{"k", hkey}, {"v", "ankidroid,2.14"}}, std::nullopt));
  REQUIRE(r);
  CHECK(r->method == sync_method::download);
  CHECK(r->payload == "{}");
  CHECK(std::holds_alternative<download_request>(r->body));
  CHECK(r->client_version == "ankidroid,2.14");
  CHECK(r->session_key.empty());

  // An empty data part is the same, whatever c says.
  auto empty = decode("download", build_multipart("Anki-sync-boundary", {{"k", hkey}, {"c", "1"}},
                                                  std::string()));
  REQUIRE(empty);
  CHECK(empty->payload == "{}");
}

TEST_CASE("c absent or 0 means raw data, any other c means gzip", "[legacy]") {
  const std::string json = R"({"minUsn":0,"lnewer":false,"graves":null})";
  auto absent =
      decode("start", build_multipart("Anki-sync-boundary", {{"k", hkey}, {"s", "s1"}}, json));
  REQUIRE(absent);
  CHECK(absent->payload == json);
  CHECK(std::holds_alternative<start_request>(absent->body));

  auto zero = decode("start", build_multipart("Anki-sync-boundary",
                                              {{"k", hkey}, {"s", "s1"}, {"c", "0"}}, json));
  REQUIRE(zero);
  CHECK(zero->payload == json);

  for (std::string c : {"1", "6", "true", ""}) {
    INFO(c);
    auto g = decode("start", build_multipart("Anki-sync-boundary",
                                             {{"k", hkey}, {"s", "s1"}, {"c", c}},
                                             gzip_compress(json)));
    REQUIRE(g);
    CHECK(g->payload == json);
  }
}

TEST_CASE("sk is the host key too, the last of k and sk wins", "[legacy]") {
  auto sk = decode("abort", build_multipart("Anki-sync-boundary", {{"sk", "media-key"}}, "{}"));
  REQUIRE(sk);
  CHECK(sk->host_key == "media-key");
  auto both = decode("abort",
                     build_multipart("Anki-sync-boundary", {{"sk", "first"}, {"k", "second"}}, "{}"));
  REQUIRE(both);
  CHECK(both->host_key == "second");
  auto both2 = decode("abort",
                      build_multipart("Anki-sync-boundary", {{"k", "first"}, {"sk", "second"}}, "{}"));
  REQUIRE(both2);
  CHECK(both2->host_key == "second");
}

TEST_CASE("legacy start with graves as numeric strings decodes (gotcha 7, 8)", "[legacy]") {
  auto r = decode("start", desktop_body({{"k", hkey}, {"s", "s"}},
                                        R"({"minUsn":5,"lnewer":false,"graves":{"cards":["1","2"],)"
                                        R"("notes":[],"decks":["3"]}})"));
  REQUIRE(r);
  auto* start = std::get_if<start_request>(&r->body);
  REQUIRE(start);
  CHECK(start->min_usn == 5);
  REQUIRE(start->graves);
}

TEST_CASE("upload keeps the data part compressed for the actor", "[legacy]") {
  const auto collection = random_bytes(20000);
  SECTION("gzip") {
    auto r = decode("upload", build_multipart("Anki-sync-boundary", {{"k", hkey}, {"c", "1"}},
                                              gzip_compress(collection)));
    REQUIRE(r);
    CHECK(r->upload_encoding == body_encoding::gzip);
    CHECK(r->upload_body.bytes == gzip_compress(collection));
    CHECK(r->payload.empty());
    CHECK(std::holds_alternative<upload_request>(r->body));
  }
  SECTION("raw") {
    auto r = decode("upload", build_multipart("Anki-sync-boundary", {{"k", hkey}, {"c", "0"}},
                                              collection));
    REQUIRE(r);
    CHECK(r->upload_encoding == body_encoding::raw);
    CHECK(r->upload_body.bytes == collection);
  }
  SECTION("no data: the bytes {} (corrupt, as upstream)") {
    auto r = decode("upload", build_multipart("Anki-sync-boundary", {{"k", hkey}}, std::nullopt));
    REQUIRE(r);
    CHECK(r->upload_encoding == body_encoding::raw);
    CHECK(r->upload_body.bytes == "{}");
  }
}

TEST_CASE("a large upload from a body file gets a part file that goes with the request",
          "[legacy]") {
  scratch_dir dir;
  const auto collection = random_bytes(4 << 20);
  const auto gz = gzip_compress(collection);
  // As legacy desktop sent upload: k, v, c=1 and the gzipped file; net/
  // spilled the body to a file.
  const auto body_path = dir.write(
      ".body-abc123",
      build_multipart("Anki-sync-boundary", {{"k", hkey}, {"v", "2.1.15"}, {"c", "1"}}, gz));

  envelope_limits limits;
  limits.max_part_in_memory = 1 << 20;
  std::string part;
  {
    auto r = decode_legacy_request(request_family::sync, "upload", legacy_ct,
                                   body_source{{}, body_path, nullptr}, limits);
    REQUIRE(r);
    CHECK(r->upload_encoding == body_encoding::gzip);
    REQUIRE_FALSE(r->upload_body.file.empty());
    REQUIRE(r->upload_body.owner);
    CHECK(r->upload_body.file != body_path);
    part = r->upload_body.file;
    CHECK(std::filesystem::path(part).parent_path() == dir.path);
    CHECK(dir.count() == 2);

    // What the collection actor does with it.
    const auto out = (dir.path / "decoded").string();
    auto decoded = decode_body_to_file(r->upload_encoding, r->upload_body.bytes,
                                       r->upload_body.file, out, 300ull << 20);
    REQUIRE(decoded);
    CHECK_FALSE(decoded->hit_limit);
    CHECK(slurp(out) == collection);
    std::filesystem::remove(out);

    // A copy of the request (as the actor's job holds) keeps it alive.
    sync_request copy = *r;
    r = std::unexpected(make_error(error_code::bad_request, "gone"));
    CHECK(std::filesystem::exists(part));
  }
  CHECK_FALSE(std::filesystem::exists(part));
  CHECK(dir.count() == 1); // only net/'s body file, which net/ deletes
}

TEST_CASE("a large gzip JSON part from a body file is decoded from its file", "[legacy]") {
  scratch_dir dir;
  std::string json = R"({"changes":{"models":[],"decks":[[],[]],"tags":[)";
  for (int i = 0; i < 200000; ++i)
    json += (i ? ",\"tag" : "\"tag") + std::to_string(i) + "\"";
  json += "]}}";
  const auto body =
      build_multipart("Anki-sync-boundary", {{"k", hkey}, {"s", "s"}, {"c", "0"}}, json);
  const auto path = dir.write(".body-x", body);
  envelope_limits limits;
  limits.max_part_in_memory = 64 * 1024;
  {
    auto raw = decode_legacy_request(request_family::sync, "applyChanges", legacy_ct,
                                     body_source{{}, path, nullptr}, limits);
    REQUIRE(raw);
    CHECK(raw->payload == json);
    // The part as sent stays with the request, for the recorder.
    CHECK(raw->wire_body.file != path);
    CHECK(std::filesystem::exists(raw->wire_body.file));
  }
  {
    dir.write(".body-x",
              build_multipart("Anki-sync-boundary", {{"k", hkey}, {"s", "s"}, {"c", "1"}},
                              gzip_compress(json + std::string(1 << 20, ' '))));
    auto gz = decode_legacy_request(request_family::sync, "applyChanges", legacy_ct,
                                    body_source{{}, path, nullptr}, limits);
    REQUIRE(gz);
    CHECK(std::holds_alternative<apply_changes_request>(gz->body));
    CHECK(gz->wire_encoding == body_encoding::gzip);
  }
  CHECK(dir.count() == 1); // each part file went with its request
}

TEST_CASE("a gzip payload past its method's cap is refused with 413", "[legacy]") {
  auto r = decode("abort", desktop_body({{"k", hkey}, {"s", "s"}}, "{}" + std::string(9000, ' ')));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::payload_too_large);
  CHECK(r.error().message.find("/sync/abort") != std::string::npos);
  // At the cap it is still a body.
  auto at = decode("abort", desktop_body({{"k", hkey}, {"s", "s"}}, "{}" + std::string(8190, ' ')));
  CHECK(at);
}

TEST_CASE("media begin takes v as its body", "[legacy]") {
  auto r = decode_legacy_request(
      request_family::media, "begin", legacy_ct,
      mem(desktop_body({{"k", hkey}, {"v", "ankidesktop,2.1.15,lin"}}, "{}")), {});
  REQUIRE(r);
  CHECK(r->legacy);
  CHECK(r->media == media_method::begin);
  CHECK(r->host_key == hkey);
  CHECK(r->payload == R"({"v":"ankidesktop,2.1.15,lin"})");

  auto changes = decode_legacy_request(
      request_family::media, "mediaChanges", legacy_ct,
      mem(build_multipart("Anki-sync-boundary", {{"sk", hkey}, {"c", "0"}, {"v", "x"}},
                          R"({"lastUsn":0})")),
      {});
  REQUIRE(changes);
  CHECK(changes->host_key == hkey);
  CHECK(changes->payload == R"({"lastUsn":0})");
}

TEST_CASE("a media begin v field past the tiny cap is refused with 413", "[legacy]") {
  // Found by fuzzing (tests/fuzz/corpus/legacy_envelope/regress-begin-v-cap):
  // the `v` field became the body without the cap every other body has.
  auto big = decode_legacy_request(
      request_family::media, "begin", legacy_ct,
      mem(desktop_body({{"k", hkey}, {"v", std::string(9000, 'a')}}, std::nullopt)), {});
  REQUIRE_FALSE(big);
  CHECK(big.error().code == error_code::payload_too_large);
  CHECK(big.error().message.find("/msync/begin") != std::string::npos);
  auto fits = decode_legacy_request(
      request_family::media, "begin", legacy_ct,
      mem(desktop_body({{"k", hkey}, {"v", std::string(8000, 'a')}}, std::nullopt)), {});
  CHECK(fits);
}

TEST_CASE("legacy_form builds what the decoder reads", "[legacy]") {
  legacy_form f;
  f.host_key = hkey;
  f.session_key = "sess";
  f.data = R"({"v":10,"cv":"x"})";
  const auto body = encode_legacy_body(f);
  CHECK(legacy_content_type() == legacy_ct);
  auto r = decode("meta", body);
  REQUIRE(r);
  CHECK(r->host_key == hkey);
  CHECK(r->session_key == "sess");
  CHECK(r->payload == *f.data);

  f.compress = false;
  auto raw = decode("meta", encode_legacy_body(f));
  REQUIRE(raw);
  CHECK(raw->payload == *f.data);
}

TEST_CASE("malformed legacy requests are bad requests", "[legacy]") {
  // Not multipart at all.
  auto json = decode_legacy_request(request_family::sync, "meta", "application/json",
                                    mem(R"({"v":10})"), {});
  check_bad(json, "multipart");
  CHECK(json.error().message == "multipart");
  auto none = decode_legacy_request(request_family::sync, "meta", "", mem(""), {});
  check_bad(none, "multipart");

  // A broken form.
  check_bad(decode("meta", "--Anki-sync-boundary\r\nContent-Disposition: form-data; name=\"k\"\r\n"),
            "invalid multipart");
  check_bad(decode("meta", ""), "invalid multipart");

  // c=1 with data that is not gzip.
  check_bad(decode("meta", build_multipart("Anki-sync-boundary", {{"k", hkey}, {"c", "1"}},
                                           R"({"v":10})")),
            "invalid gzip");

  // A payload the method does not accept.
  check_bad(decode("chunk", desktop_body({{"k", hkey}, {"s", "s"}}, R"({"x":1})")), "");
  check_bad(decode("meta", desktop_body({{"k", hkey}}, "not json")), "");

  // An unknown method, before the body is looked at.
  auto unknown = decode_legacy_request(request_family::sync, "Meta", legacy_ct, mem("garbage"), {});
  check_bad(unknown, "unknown sync method");
}

TEST_CASE("media uploadChanges keeps the data part as it came", "[legacy]") {
  const std::string zip = std::string("PK\x03\x04", 4) + random_bytes(2000, 9);
  SECTION("c=0 (Python-era clients and AnkiDroid): raw") {
    auto r = decode_legacy_request(
        request_family::media, "uploadChanges", legacy_ct,
        mem(build_multipart("Anki-sync-boundary", {{"sk", hkey}, {"c", "0"}}, zip)), {});
    REQUIRE(r);
    CHECK(r->legacy);
    CHECK(r->media == media_method::upload_changes);
    CHECK(r->host_key == hkey);
    CHECK(r->payload.empty());
    CHECK(r->upload_encoding == body_encoding::raw);
    CHECK(r->upload_body.bytes == zip);
  }
  SECTION("no c (the 2.1.22-2.1.56 Rust syncer): raw") {
    auto r = decode_legacy_request(request_family::media, "uploadChanges", legacy_ct,
                                   mem(build_multipart("Anki-sync-boundary", {{"sk", hkey}}, zip)),
                                   {});
    REQUIRE(r);
    CHECK(r->upload_encoding == body_encoding::raw);
    CHECK(r->upload_body.bytes == zip);
  }
  SECTION("c=1: gzip, still compressed") {
    auto r = decode_legacy_request(
        request_family::media, "uploadChanges", legacy_ct,
        mem(build_multipart("Anki-sync-boundary", {{"sk", hkey}, {"c", "1"}}, gzip_compress(zip))),
        {});
    REQUIRE(r);
    CHECK(r->upload_encoding == body_encoding::gzip);
    CHECK(r->upload_body.bytes == gzip_compress(zip));
  }
}

TEST_CASE("GET begin query carries the host key and version", "[legacy]") {
  auto r = decode_legacy_begin_query("k=" + std::string(hkey) + "&v=anki%2C2.1.50+%28abc%29%2Clinux");
  REQUIRE(r);
  CHECK(r->family == request_family::media);
  CHECK(r->media == media_method::begin);
  CHECK(r->legacy);
  CHECK(r->version == 10);
  CHECK(r->host_key == hkey);
  CHECK(r->client_version == "anki,2.1.50 (abc),linux");
  CHECK(r->payload == R"({"v":"anki,2.1.50 (abc),linux"})");

  // Order and unknown keys do not matter; a bad escape stays as it is.
  auto other = decode_legacy_begin_query("x=1&v=%zz&&k=abc");
  REQUIRE(other);
  CHECK(other->host_key == "abc");
  CHECK(other->client_version == "%zz");
}

TEST_CASE("GET begin query without k or v is a bad request", "[legacy]") {
  for (const char* q : {"", "k=abc", "v=1", "k=abc&k=def&v=1", "kk=abc&v=1"}) {
    INFO(q);
    auto r = decode_legacy_begin_query(q);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == error_code::bad_request);
  }
}
