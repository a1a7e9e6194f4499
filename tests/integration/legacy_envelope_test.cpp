// The legacy envelope (protocol v8-v10, clients before Anki 2.1.57)
// against the real binary: multipart/form-data requests, optionally
// gzipped, answered with raw bodies (protocol-collection.md §1.4-§1.6).

#include <catch2/catch.hpp>

#include <filesystem>

#include "protocol/gzip_codec.hpp"
#include "protocol/legacy_envelope.hpp"
#include "protocol/multipart.hpp"
#include "storage/collection.hpp"
#include "tests/integration/test_support.hpp"

using namespace ankisync;
using namespace ankisync::integration;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// pi: bodies over 64 KiB spill to a temp file, and so do `data` parts.
server_options legacy_server() {
  return server_options{{{"SYNC_USER1", "user:pass"}}, {"--profile", "pi"}};
}

client::http_request legacy_post(const std::string& method, const protocol::legacy_form& form) {
  return post("/sync/" + method, protocol::encode_legacy_body(form),
              {{"content-type", protocol::legacy_content_type()}});
}

protocol::legacy_form form(std::string key, std::string session, std::optional<std::string> data,
                           bool compress = true) {
  protocol::legacy_form f;
  f.host_key = std::move(key);
  f.session_key = std::move(session);
  f.data = std::move(data);
  f.compress = compress;
  return f;
}

// A legacy success: raw body, application/octet-stream, no original size.
void check_legacy_ok(const client::http_response& r) {
  INFO("status " << r.status << ", body: " << r.body);
  REQUIRE(r.status == 200);
  const auto* ct = r.header("content-type");
  REQUIRE(ct);
  CHECK(*ct == "application/octet-stream");
  CHECK(r.header("anki-original-size") == nullptr);
}

client::http_response send(server_process& server, const client::http_request& req) {
  auto http = server.http();
  auto r = http.send(req);
  REQUIRE(r.has_value());
  return *r;
}

// Files in the data folder other than users.db (and its WAL files), the
// server's lock and users' collection files: a leftover body, part or
// upload temp file would show up here.
std::vector<std::string> stray_files(const fs::path& data) {
  std::vector<std::string> out;
  for (auto it = fs::recursive_directory_iterator(data); it != fs::recursive_directory_iterator();
       ++it) {
    if (it->is_directory())
      continue;
    const auto name = it->path().filename().string();
    if (name.starts_with("users.db") || name.starts_with("collection.anki2") || name == ".lock")
      continue;
    out.push_back(fs::relative(it->path(), data).string());
  }
  return out;
}

bool no_stray_files(const fs::path& data) {
  std::vector<std::string> left;
  const bool clean = eventually(
      [&] {
        left = stray_files(data);
        return left.empty();
      },
      3s);
  std::string listing;
  for (const auto& f : left)
    listing += f + "\n";
  INFO("left in the data folder:\n" << listing);
  return clean;
}

// A schema-18 collection file made by our storage code, closed (so it is
// whole, without a -wal), with a schema time the test can recognise.
std::string make_collection(const fs::path& dir, std::int64_t scm) {
  const auto path = dir / "upload.anki2";
  {
    auto col = storage::collection::open(path);
    REQUIRE(col.has_value());
    REQUIRE(col->set_scm(scm).has_value());
  }
  REQUIRE_FALSE(fs::exists(dir / "upload.anki2-wal"));
  return read_file(path);
}

} // namespace

TEST_CASE("legacy hostKey: no k or s, gzipped credentials, raw JSON key", "[legacy]") {
  server_process server(legacy_server());
  auto ok = send(server, legacy_post("hostKey", form("", "", R"({"u":"user","p":"pass"})")));
  check_legacy_ok(ok);
  CHECK(ok.body == std::string(R"({"key":")") + user_pass_host_key + R"("})");

  auto raw = send(server, legacy_post("hostKey", form("", "", R"({"u":"user","p":"pass"})", false)));
  check_legacy_ok(raw);
  CHECK(raw.body == ok.body);

  auto wrong = send(server, legacy_post("hostKey", form("", "", R"({"u":"user","p":"nope"})")));
  CHECK(wrong.status == 403);
}

TEST_CASE("B11: legacy meta answers raw JSON without anki-original-size", "[legacy]") {
  server_process server(legacy_server());
  auto r = send(server, legacy_post("meta", form(user_pass_host_key, "a1b2c3",
                                                  R"({"v":10,"cv":"ankidesktop,2.1.15,lin"})")));
  check_legacy_ok(r);
  auto meta = parse_json(r.body);
  REQUIRE(meta.is_object());
  CHECK(meta.as_object().contains("scm"));
  CHECK(meta.as_object().contains("usn"));
  CHECK(meta.at("cont").as_bool());

  // The key comes from the form: a wrong one is refused.
  auto bad_key = send(server, legacy_post("meta", form(std::string(40, '0'), "a1b2c3",
                                                        R"({"v":10,"cv":"x"})")));
  CHECK(bad_key.status == 403);
  // Old media clients name it sk.
  auto sk = send(server, post("/sync/meta",
                              protocol::build_multipart(protocol::legacy_boundary,
                                                        {{"sk", user_pass_host_key}, {"c", "0"}},
                                                        std::string(R"({"v":9,"cv":"x"})")),
                              {{"content-type", protocol::legacy_content_type()}}));
  check_legacy_ok(sk);
  // A client below v8 is too old.
  auto old = send(server, legacy_post("meta", form(user_pass_host_key, "s", R"({"v":7,"cv":"x"})")));
  CHECK(old.status == 501);
}

TEST_CASE("a legacy normal sync starts and aborts, session keys come from s", "[legacy]") {
  server_process server(legacy_server());
  const std::string start = R"({"minUsn":0,"lnewer":false,"graves":null})";
  auto started = send(server, legacy_post("start", form(user_pass_host_key, "sess1", start)));
  check_legacy_ok(started);
  CHECK(parse_json(started.body).is_object()); // the server's graves

  // Another session's key is a conflict; the right one works.
  auto other = send(server, legacy_post("applyGraves",
                                        form(user_pass_host_key, "sess2",
                                             R"({"chunk":{"cards":[],"notes":[],"decks":[]}})")));
  CHECK(other.status == 409);
  auto graves = send(server, legacy_post("applyGraves",
                                         form(user_pass_host_key, "sess1",
                                              R"({"chunk":{"cards":[],"notes":[],"decks":[]}})")));
  check_legacy_ok(graves);
  CHECK(graves.body == "null");

  auto aborted = send(server, legacy_post("abort", form(user_pass_host_key, "sess1", "{}")));
  check_legacy_ok(aborted);
  CHECK(aborted.body == "null");
  auto after = send(server, legacy_post("applyGraves",
                                        form(user_pass_host_key, "sess1",
                                             R"({"chunk":{"cards":[],"notes":[],"decks":[]}})")));
  CHECK(after.status == 409);

  // A17 over the legacy envelope: start carrying graves with string ids.
  auto with_graves = send(server, legacy_post("start", form(user_pass_host_key, "sess3",
                                                            R"({"minUsn":0,"lnewer":false,)"
                                                            R"("graves":{"cards":["1","2"],)"
                                                            R"("notes":["3"],"decks":[]}})")));
  check_legacy_ok(with_graves);
  check_legacy_ok(send(server, legacy_post("abort", form(user_pass_host_key, "sess3", "{}"))));
}

TEST_CASE("a legacy upload of a schema-18 collection answers OK, gzipped or raw", "[legacy]") {
  server_process server(legacy_server());
  temp_folder dir;
  const std::int64_t scm = 1600000000123;
  const auto file = make_collection(dir.path(), scm);
  INFO("collection file of " << file.size() << " bytes");
  REQUIRE(file.size() > 64 * 1024); // raw, its data part goes to a file of its own

  auto meta_scm = [&] {
    auto m = send(server, legacy_post("meta", form(user_pass_host_key, "s", R"({"v":10,"cv":"x"})")));
    check_legacy_ok(m);
    return parse_json(m.body).at("scm").as_int64();
  };
  CHECK(meta_scm() != scm); // the server's fresh collection

  SECTION("gzip (c=1), as legacy desktop sent it: k and v, no s") {
    protocol::legacy_form f;
    f.host_key = user_pass_host_key;
    f.client_version = "ankidesktop,2.1.15,lin";
    f.data = file;
    auto up = send(server, legacy_post("upload", f));
    check_legacy_ok(up);
    CHECK(up.body == "OK");
  }
  SECTION("raw (c=0), larger than the spill threshold") {
    auto up = send(server, legacy_post("upload", form(user_pass_host_key, "", file, false)));
    check_legacy_ok(up);
    CHECK(up.body == "OK");
  }
  // The stored file is the uploaded one, byte for byte.
  CHECK(read_file(server.data_dir() / "user" / "collection.anki2") == file);
  CHECK(meta_scm() == scm);
  CHECK(no_stray_files(server.data_dir()));

  // Data that is not a collection gets upstream's sentence.
  auto fake = send(server, legacy_post("upload", form(user_pass_host_key, "", "fake data")));
  check_legacy_ok(fake);
  CHECK(fake.body.starts_with("Your upload was corrupt."));
  CHECK(meta_scm() == scm);
  CHECK(no_stray_files(server.data_dir()));
}

TEST_CASE("bad legacy requests get 400 and leave no file in the data folder", "[legacy]") {
  server_process server(legacy_server());
  const auto ct = std::pair<std::string, std::string>{"content-type",
                                                      protocol::legacy_content_type()};
  // A large upload whose body breaks off inside its data part: the part
  // was already being copied to a file of its own when the error showed.
  std::string cut = protocol::build_multipart(
      protocol::legacy_boundary, {{"k", user_pass_host_key}, {"c", "0"}}, std::string(300000, 'x'));
  cut.resize(cut.size() - 40);
  // The close delimiter followed by garbage after a valid part.
  const std::string garbage =
      "--Anki-sync-boundary\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nkey\r\n"
      "--Anki-sync-boundaryjunk\r\n";

  struct bad_case {
    std::string what;
    client::http_request request;
    std::string body_contains;
  };
  const std::vector<bad_case> cases = {
      {"multipart cut short inside a large data part", post("/sync/upload", cut, {ct}),
       "invalid multipart"},
      {"garbage after a delimiter", post("/sync/meta", garbage, {ct}), "invalid multipart"},
      {"not multipart", post("/sync/meta", R"({"v":10})", {{"content-type", "application/json"}}),
       "multipart"},
      {"no content type", post("/sync/meta", "--Anki-sync-boundary--\r\n"), "multipart"},
      {"c=1 with data that is not gzip",
       post("/sync/meta",
            protocol::build_multipart(protocol::legacy_boundary,
                                      {{"k", user_pass_host_key}, {"c", "1"}},
                                      std::string(200000, '{')),
            {ct}),
       "invalid gzip"},
      {"a body the method refuses",
       legacy_post("chunk", form(user_pass_host_key, "s", R"({"x":1})")), ""},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto r = send(server, c.request);
    INFO("reply: " << r.body);
    CHECK(r.status == 400);
    if (!c.body_contains.empty())
      CHECK(r.body.find(c.body_contains) != std::string::npos);
  }
  CHECK(no_stray_files(server.data_dir()));
  auto stopped = server.stop();
  CHECK(stopped.clean());
  CHECK(stray_files(server.data_dir()).empty());
}
