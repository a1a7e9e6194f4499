// What the recorder keeps of a request (docs/replay.md): the body exactly
// as it arrived, whatever the client's framing, and of a login only
// whether its password was right. Requests are decoded by the real
// envelope code from bodies made with the real zstd and zlib.

#include <catch2/catch.hpp>

#include <zstd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "actors/recording/record_file.hpp"
#include "actors/recording/recorder.hpp"
#include "net/http_status.hpp"
#include "protocol/gzip_codec.hpp"
#include "protocol/legacy_envelope.hpp"
#include "protocol/multipart.hpp"
#include "protocol/zstd_codec.hpp"

using namespace ankisync;
using namespace ankisync::actors::recording;
namespace fs = std::filesystem;

namespace {

constexpr const char* user = "alice";
constexpr const char* meta_json = R"({"v":11,"cv":"framing-test"})";

class temp_dir {
public:
  temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "recorder-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

using outcome = std::expected<protocol::sync_reply, protocol::sync_error>;

outcome ok(std::string body) { return protocol::sync_reply{std::move(body), user, {}, 0}; }

// One user's recorded stream, through the real recorder and record file.
class recording {
public:
  explicit recording(std::uint64_t inline_limit = 256 * 1024)
      : recorder_({dir_.path() / "data", dir_.path() / "rec", true, inline_limit,
                   &net::http_status}) {}

  // Records `req` and its answer; the first request must open a stream.
  void record(const protocol::sync_request& req, const outcome& answer) {
    auto step = recorder_.on_request(user, req);
    if (auto* start = std::get_if<stream_start>(&step)) {
      REQUIRE(recorder_.finish_start(user, copy_start_state(start->from, start->to)));
      step = recorder_.on_request(user, req);
    }
    const auto ticket = std::get<std::uint64_t>(step);
    REQUIRE(ticket != 0);
    recorder_.on_response(ticket, answer);
  }

  std::vector<pb::Record> records() const {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir_.path() / "rec"))
      if (e.path().extension() == record_extension)
        files.push_back(e.path());
    REQUIRE(files.size() == 1);
    auto stream = read_records(files.front());
    REQUIRE(stream.has_value());
    return stream->records;
  }

  // The kept request and response with sequence number `seq`.
  std::pair<pb::Request, pb::Response> exchange(std::uint64_t seq) const {
    std::pair<pb::Request, pb::Response> out;
    for (const auto& r : records()) {
      if (r.has_request() && r.request().seq() == seq)
        out.first = r.request();
      if (r.has_response() && r.response().seq() == seq)
        out.second = r.response();
    }
    REQUIRE(out.first.seq() == seq);
    return out;
  }

  // A body as replay reads it: inline, or from its side file.
  std::string bytes_of(const pb::Body& b) const {
    if (b.side_file().empty())
      return b.inline_bytes();
    return read_all(dir_.path() / "rec" / user / b.side_file());
  }

  const fs::path& dir() const { return dir_.path(); }

private:
  temp_dir dir_;
  recorder recorder_;
};

protocol::sync_header v11_header() { return {11, "0123456789abcdef", "framing-test,1.0", "sk1"}; }

protocol::sync_request v11(protocol::request_family family, std::string_view method,
                           protocol::body_source body) {
  auto r = protocol::decode_v11_request(family, method, v11_header(), std::move(body), {});
  REQUIRE(r.has_value());
  return std::move(*r);
}

protocol::body_source in_memory(std::string bytes) {
  protocol::body_source b;
  b.bytes = std::move(bytes);
  return b;
}

// As ZSTD_compress and python-zstandard's one-shot compress: one frame
// whose header carries the content size.
std::string frame_with_size(std::string_view in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const auto n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  REQUIRE(ZSTD_getFrameContentSize(out.data(), out.size()) == in.size());
  return out;
}

// As a streaming encoder that never learns the size: no content size.
std::string frame_without_size(std::string_view in) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::string out(ZSTD_compressBound(in.size()) + 64, '\0');
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  ZSTD_outBuffer output{out.data(), out.size(), 0};
  // Fed first, ended later: the frame header is written before the end.
  const auto fed = ZSTD_compressStream2(cctx, &output, &input, ZSTD_e_continue);
  ZSTD_inBuffer none{nullptr, 0, 0};
  const auto left = ZSTD_compressStream2(cctx, &output, &none, ZSTD_e_end);
  ZSTD_freeCCtx(cctx);
  REQUIRE_FALSE(ZSTD_isError(fed));
  REQUIRE(left == 0);
  out.resize(output.pos);
  REQUIRE(ZSTD_getFrameContentSize(out.data(), out.size()) == ZSTD_CONTENTSIZE_UNKNOWN);
  return out;
}

protocol::sync_request legacy(protocol::request_family family, std::string_view method,
                              const std::vector<std::pair<std::string, std::string>>& fields,
                              const std::optional<std::string>& data) {
  auto body = protocol::build_multipart(protocol::legacy_boundary, fields, data);
  auto r = protocol::decode_legacy_request(family, method, protocol::legacy_content_type(),
                                           in_memory(std::move(body)), {});
  REQUIRE(r.has_value());
  return std::move(*r);
}

} // namespace

TEST_CASE("a refused login is recorded as a wrong password, without the password") {
  recording rec;
  auto login = v11(protocol::request_family::sync, "hostKey",
                   in_memory(frame_with_size(R"({"u":"alice","p":"not-her-password"})")));
  rec.record(login, std::unexpected(protocol::make_error(protocol::error_code::auth_failed,
                                                         "wrong username or password")));
  auto right = v11(protocol::request_family::sync, "hostKey",
                   in_memory(frame_with_size(R"({"u":"alice","p":"her-password"})")));
  rec.record(right, ok(R"({"key":"0123456789abcdef"})"));

  const auto [refused, refused_answer] = rec.exchange(1);
  CHECK(refused_answer.status() == 403);
  CHECK(refused_answer.login() == pb::PASSWORD_WRONG);
  CHECK_FALSE(refused.has_wire());
  CHECK(refused.payload().inline_bytes().find(std::string(redacted)) != std::string::npos);

  const auto [accepted, accepted_answer] = rec.exchange(2);
  CHECK(accepted_answer.status() == 200);
  CHECK(accepted_answer.login() == pb::PASSWORD_RIGHT);

  for (const auto& file : fs::recursive_directory_iterator(rec.dir())) {
    if (!file.is_regular_file())
      continue;
    const auto text = read_all(file.path());
    CHECK(text.find("not-her-password") == std::string::npos);
    CHECK(text.find("her-password") == std::string::npos);
  }
}

TEST_CASE("a login refused for another reason is recorded as unknown") {
  recording rec;
  auto login = v11(protocol::request_family::sync, "hostKey",
                   in_memory(frame_with_size(R"({"u":"alice","p":"x"})")));
  rec.record(login, std::unexpected(protocol::make_error(protocol::error_code::server_error,
                                                         "users database: locked")));
  CHECK(rec.exchange(1).second.login() == pb::LOGIN_UNKNOWN);
  CHECK(rec.exchange(1).second.status() == 500);
}

TEST_CASE("a v11 body is kept byte for byte whatever its zstd framing") {
  const std::string json = meta_json;
  const std::string half = json.substr(0, json.size() / 2);
  const std::string rest = json.substr(json.size() / 2);
  const std::vector<std::pair<std::string, std::string>> framings = {
      {"one frame with its content size", frame_with_size(json)},
      {"one streamed frame without a content size", frame_without_size(json)},
      {"several frames", frame_with_size(half) + frame_without_size(rest)},
  };
  for (const auto& [name, wire] : framings) {
    SECTION(name) {
      recording rec;
      auto req = v11(protocol::request_family::sync, "meta", in_memory(wire));
      REQUIRE(req.payload == json);
      rec.record(req, ok("{}"));
      const auto q = rec.exchange(1).first;
      CHECK(q.encoding() == pb::ZSTD);
      CHECK(rec.bytes_of(q.wire()) == wire);
      CHECK(q.wire().size() == wire.size());
      CHECK_FALSE(q.legacy());
    }
  }
}

TEST_CASE("a v11 media upload keeps the zstd body it arrived in, not an empty payload") {
  recording rec;
  rec.record(v11(protocol::request_family::media, "begin",
                 in_memory(frame_with_size(R"({"v":"framing-test"})"))),
             ok(R"({"data":{"usn":0,"sk":"x"},"err":""})"));
  const std::string zip = "PK\x03\x04 stands in for a zip: the recorder does not read it";
  const auto wire = frame_with_size(zip);
  auto upload = v11(protocol::request_family::media, "uploadChanges", in_memory(wire));
  rec.record(upload, ok(R"({"data":[1,1],"err":""})"));
  const auto q = rec.exchange(2).first;
  CHECK(q.method() == "uploadChanges");
  CHECK(q.encoding() == pb::ZSTD);
  CHECK(rec.bytes_of(q.wire()) == wire);
}

TEST_CASE("a body net/ spilled to a file is kept as that file's bytes") {
  recording rec(/*inline_limit=*/16);
  temp_dir spill;
  const auto wire = frame_without_size(meta_json);
  const auto file = spill.path() / "body";
  std::ofstream(file, std::ios::binary) << wire;
  protocol::body_source body;
  body.file = file.string();
  rec.record(v11(protocol::request_family::sync, "meta", body), ok("{}"));
  const auto q = rec.exchange(1).first;
  CHECK_FALSE(q.wire().side_file().empty());
  CHECK(rec.bytes_of(q.wire()) == wire);
}

TEST_CASE("a legacy data part is kept as sent: gzip, raw, or absent") {
  const std::string json = R"({"v":10,"cv":"ankidesktop,2.1.15,linux"})";
  const auto gz = protocol::gzip_compress(json, 6);
  const std::vector<std::pair<std::string, std::string>> key = {{"k", "0123456789abcdef"}};

  SECTION("gzip, c=1, as Anki before 2.1.57") {
    recording rec;
    auto fields = key;
    fields.emplace_back("c", "1");
    rec.record(legacy(protocol::request_family::sync, "meta", fields, gz), ok("{}"));
    const auto q = rec.exchange(1).first;
    CHECK(q.legacy());
    CHECK(q.encoding() == pb::GZIP);
    CHECK(rec.bytes_of(q.wire()) == gz);
  }
  SECTION("raw, without a c field, as Anki 2.1.22-2.1.56's media calls") {
    recording rec;
    rec.record(legacy(protocol::request_family::media, "begin", key, std::string("{}")),
               ok(R"({"data":{"usn":0,"sk":"x"},"err":""})"));
    auto fields = std::vector<std::pair<std::string, std::string>>{{"sk", "0123456789abcdef"}};
    rec.record(legacy(protocol::request_family::media, "mediaChanges", fields,
                      std::string(R"({"lastUsn":0})")),
               ok(R"({"data":[],"err":""})"));
    const auto q = rec.exchange(2).first;
    CHECK(q.encoding() == pb::RAW);
    CHECK(rec.bytes_of(q.wire()) == R"({"lastUsn":0})");
  }
  SECTION("no data part, as AnkiDroid's download") {
    recording rec;
    auto fields = key;
    fields.emplace_back("c", "1");
    rec.record(legacy(protocol::request_family::sync, "meta", fields, gz), ok("{}"));
    rec.record(legacy(protocol::request_family::sync, "download", key, std::nullopt),
               ok("SQLite format 3"));
    const auto q = rec.exchange(2).first;
    CHECK(q.has_wire());
    CHECK(q.wire().size() == 0);
  }
  SECTION("a GET media begin, which has no body") {
    recording rec;
    auto begin = protocol::decode_legacy_begin_query("k=0123456789abcdef&v=anki%2C2.1.50");
    REQUIRE(begin.has_value());
    rec.record(*begin, ok(R"({"data":{"usn":0,"sk":"x"},"err":""})"));
    const auto q = rec.exchange(1).first;
    CHECK(q.begin_query());
    CHECK(q.client_version() == "anki,2.1.50");
    CHECK(q.wire().size() == 0);
  }
  SECTION("a gzip upload keeps the gzip bytes") {
    recording rec;
    auto fields = key;
    fields.emplace_back("c", "1");
    rec.record(legacy(protocol::request_family::sync, "meta", fields, gz), ok("{}"));
    const auto file = protocol::gzip_compress("SQLite format 3 stands in for a collection", 6);
    rec.record(legacy(protocol::request_family::sync, "upload", fields, file), ok("OK"));
    const auto q = rec.exchange(2).first;
    CHECK(q.encoding() == pb::GZIP);
    CHECK(rec.bytes_of(q.wire()) == file);
  }
}
