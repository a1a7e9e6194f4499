#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>

#include "protocol/multipart.hpp"

using namespace ankisync::protocol;

namespace {

constexpr std::string_view boundary = "Anki-sync-boundary";
const std::string content_type = "multipart/form-data; boundary=Anki-sync-boundary";

multipart_options legacy_options() {
  multipart_options o;
  o.text_fields = {"c", "k", "sk", "s", "v"};
  o.file_part = "data";
  return o;
}

body_source mem(std::string bytes) { return body_source{std::move(bytes), {}, nullptr}; }

std::string random_bytes(std::size_t n, unsigned seed = 11) {
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
           ("ankisync-multipart-test-" + std::to_string(::getpid()) + "-" +
            std::to_string(counter++));
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

void check_malformed(const std::string& body, const multipart_options& o = legacy_options()) {
  INFO(body);
  auto r = parse_multipart(content_type, mem(body), o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK(r.error().message.starts_with("invalid multipart"));
}

} // namespace

// ---- Content-Type ----

TEST_CASE("the boundary comes from the content type, quoted or not", "[multipart]") {
  CHECK(multipart_boundary(content_type) == "Anki-sync-boundary");
  CHECK(multipart_boundary("multipart/form-data; boundary=\"Anki-sync-boundary\"") ==
        "Anki-sync-boundary");
  CHECK(multipart_boundary("Multipart/Form-Data;BOUNDARY=abc") == "abc");
  CHECK(multipart_boundary("multipart/form-data; charset=utf-8; boundary=x y") == "x y");
  CHECK(multipart_boundary("multipart/form-data; boundary=\"a;b \\\"c\\\"\"; x=1") == "a;b \"c\"");
  CHECK(multipart_boundary("multipart/form-data; boundary=abc ") == "abc");
  CHECK(multipart_boundary("  multipart/form-data ; boundary=abc") == "abc");
}

TEST_CASE("anything but multipart/form-data with a boundary is not multipart", "[multipart]") {
  for (std::string_view ct :
       {"", "application/octet-stream", "application/json", "multipart/mixed; boundary=abc",
        "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"",
        "multipart/form-datax; boundary=abc"}) {
    INFO(ct);
    CHECK_FALSE(multipart_boundary(ct));
    auto r = parse_multipart(ct, mem(build_multipart("abc", {{"k", "x"}}, std::nullopt)),
                             legacy_options());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == error_code::bad_request);
    CHECK(r.error().message == "multipart");
  }
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(201, 'x')));
  CHECK(multipart_boundary("multipart/form-data; boundary=" + std::string(70, 'x')));
}

// ---- bodies ----

TEST_CASE("a body as legacy Anki wrote it gives its fields and data", "[multipart]") {
  // Byte for byte the shape of anki/sync.py's _buildPostData (2.1.15).
  const std::string data = std::string("\x1f\x8b\x08\x00binary\r\n--Anki-sync-bound\r\n", 30);
  const std::string body = "--Anki-sync-boundary\r\n"
                           "Content-Disposition: form-data; name=\"k\"\r\n\r\n"
                           "0123abcd\r\n"
                           "--Anki-sync-boundary\r\n"
                           "Content-Disposition: form-data; name=\"s\"\r\n\r\n"
                           "sess1\r\n"
                           "--Anki-sync-boundary\r\n"
                           "Content-Disposition: form-data; name=\"c\"\r\n\r\n"
                           "1\r\n"
                           "--Anki-sync-boundary\r\n"
                           "Content-Disposition: form-data; name=\"data\"; filename=\"data\"\r\n"
                           "Content-Type: application/octet-stream\r\n\r\n" +
                           data +
                           "\r\n"
                           "--Anki-sync-boundary--\r\n";
  auto r = parse_multipart(content_type, mem(body), legacy_options());
  REQUIRE(r);
  REQUIRE(r->fields.size() == 3);
  CHECK(*r->text("k") == "0123abcd");
  CHECK(*r->text("s") == "sess1");
  CHECK(*r->text("c") == "1");
  CHECK(r->text("v") == nullptr);
  REQUIRE(r->file);
  CHECK(r->file->bytes == data);
  CHECK(r->file->file.empty());
  CHECK(r->file_name == "data");
}

TEST_CASE("build_multipart writes what the parser reads", "[multipart]") {
  const auto data = random_bytes(5000);
  auto body = build_multipart(boundary, {{"k", "key"}, {"c", "0"}}, data);
  CHECK(body.starts_with("--Anki-sync-boundary\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nkey\r\n"));
  CHECK(body.ends_with("\r\n--Anki-sync-boundary--\r\n"));
  auto r = parse_multipart(content_type, mem(body), legacy_options());
  REQUIRE(r);
  CHECK(*r->text("k") == "key");
  CHECK(*r->text("c") == "0");
  REQUIRE(r->file);
  CHECK(r->file->bytes == data);
}

TEST_CASE("preamble and epilogue are ignored, padding after a delimiter is allowed", "[multipart]") {
  const std::string body = "This is a preamble.\r\nIt may have --dashes.\r\n"
                           "--Anki-sync-boundary \t\r\n"
                           "Content-Disposition: form-data; name=k\r\n\r\n"
                           "abc\r\n"
                           "--Anki-sync-boundary--  trailing\r\nepilogue --Anki-sync-boundary\r\n";
  auto r = parse_multipart(content_type, mem(body), legacy_options());
  REQUIRE(r);
  CHECK(*r->text("k") == "abc");
  CHECK_FALSE(r->file);
}

TEST_CASE("a body with no parts, or only ignored parts, is valid and empty", "[multipart]") {
  auto none = parse_multipart(content_type, mem("--Anki-sync-boundary--\r\n"), legacy_options());
  REQUIRE(none);
  CHECK(none->fields.empty());
  CHECK_FALSE(none->file);

  const std::string ignored = "--Anki-sync-boundary\r\n"
                              "Content-Disposition: form-data; name=\"other\"\r\n\r\n"
                              "whatever\r\n"
                              "--Anki-sync-boundary\r\n"
                              "Content-Type: text/plain\r\n\r\n"
                              "no name at all\r\n"
                              "--Anki-sync-boundary--";
  auto r = parse_multipart(content_type, mem(ignored), legacy_options());
  REQUIRE(r);
  CHECK(r->fields.empty());
  CHECK_FALSE(r->file);
}

TEST_CASE("empty values, repeated names, bare LF header lines and odd header spelling", "[multipart]") {
  const std::string body = "--Anki-sync-boundary\r\n"
                           "content-disposition:form-data;name=\"k\"\n\n"
                           "first\r\n"
                           "--Anki-sync-boundary\r\n"
                           "CONTENT-DISPOSITION: form-data; NAME=\"sk\"\r\n\r\n"
                           "second\r\n"
                           "--Anki-sync-boundary\r\n"
                           "Content-Disposition: form-data; name=\"s\"\r\n\r\n"
                           "\r\n"
                           "--Anki-sync-boundary\r\n"
                           "Content-Disposition: form-data; name=\"data\"; filename=\"a\"\r\n\r\n"
                           "old\r\n"
                           "--Anki-sync-boundary\r\n"
                           "Content-Disposition: form-data; name=\"data\"; filename=\"b\"\r\n\r\n"
                           "new\r\n"
                           "--Anki-sync-boundary--\r\n";
  auto r = parse_multipart(content_type, mem(body), legacy_options());
  REQUIRE(r);
  REQUIRE(r->fields.size() == 3);
  CHECK(r->fields[0] == std::pair<std::string, std::string>{"k", "first"});
  CHECK(r->fields[1] == std::pair<std::string, std::string>{"sk", "second"});
  CHECK(*r->text("s") == "");
  REQUIRE(r->file);
  CHECK(r->file->bytes == "new");
  CHECK(r->file_name == "b");
}

TEST_CASE("data that nearly contains the delimiter is kept intact", "[multipart]") {
  const std::string tricky =
      "\r\n--Anki-sync-boundar\r\nx--Anki-sync-boundary\n--Anki-sync-boundary\r--Anki-sync-boundary\r\n";
  // "--Anki-sync-boundary" not preceded by CRLF is data, as is a delimiter
  // prefix; only CRLF "--" boundary ends the part.
  auto body = build_multipart(boundary, {}, tricky);
  auto r = parse_multipart(content_type, mem(body), legacy_options());
  REQUIRE(r);
  REQUIRE(r->file);
  CHECK(r->file->bytes == tricky);
}

TEST_CASE("a delimiter straddling two read pieces of a file body is found", "[multipart]") {
  scratch_dir dir;
  const std::string head = "--Anki-sync-boundary\r\n"
                           "Content-Disposition: form-data; name=\"data\"\r\n\r\n";
  // The body file is read in 64 KiB pieces: put the closing delimiter at
  // every offset around the first piece's end.
  for (std::size_t at = 65536 - 30; at <= 65536 + 4; ++at) {
    const std::string data(at - head.size(), 'x');
    const std::string body = head + data + "\r\n--Anki-sync-boundary--\r\n";
    REQUIRE(body.find("\r\n--Anki") == at);
    const auto path = dir.write("body", body);
    auto opts = legacy_options();
    opts.max_file_part_in_memory = 1 << 20;
    auto r = parse_multipart(content_type, body_source{{}, path, nullptr}, opts);
    REQUIRE(r);
    REQUIRE(r->file);
    CHECK(r->file->bytes == data);
  }
}

TEST_CASE("a large data part of a file body goes to a file of its own next to it", "[multipart]") {
  scratch_dir dir;
  const auto data = random_bytes(3 << 20);
  const auto body = build_multipart(boundary, {{"k", "key"}, {"c", "0"}}, data);
  const auto body_path = dir.write(".body-test", body);
  auto opts = legacy_options();
  opts.max_file_part_in_memory = 1 << 20;

  std::string part_path;
  {
    auto r = parse_multipart(content_type, body_source{{}, body_path, nullptr}, opts);
    REQUIRE(r);
    CHECK(*r->text("k") == "key");
    REQUIRE(r->file);
    CHECK(r->file->bytes.empty());
    REQUIRE_FALSE(r->file->file.empty());
    REQUIRE(r->file->owner);
    part_path = r->file->file;
    CHECK(std::filesystem::path(part_path).parent_path() == dir.path);
    CHECK(part_path != body_path);
    CHECK(slurp(part_path) == data);
    CHECK(dir.count() == 2);

    // Copies share the file; it goes with the last one.
    body_source copy = *r->file;
    r->file.reset();
    CHECK(std::filesystem::exists(part_path));
    copy = body_source{};
    CHECK_FALSE(std::filesystem::exists(part_path));
  }
  CHECK(dir.count() == 1);
}

TEST_CASE("spill_dir overrides where a large part goes", "[multipart]") {
  scratch_dir body_dir, part_dir;
  const auto data = random_bytes(200000);
  const auto path = body_dir.write("body", build_multipart(boundary, {}, data));
  auto opts = legacy_options();
  opts.max_file_part_in_memory = 1000;
  opts.spill_dir = part_dir.path.string();
  auto r = parse_multipart(content_type, body_source{{}, path, nullptr}, opts);
  REQUIRE(r);
  REQUIRE(r->file);
  CHECK(std::filesystem::path(r->file->file).parent_path() == part_dir.path);
  CHECK(slurp(r->file->file) == data);
}

TEST_CASE("small parts of a file body, and any part of a body in memory, stay in memory",
          "[multipart]") {
  scratch_dir dir;
  const auto small = random_bytes(1000);
  auto opts = legacy_options();
  opts.max_file_part_in_memory = 4096;
  auto from_file = parse_multipart(
      content_type, body_source{{}, dir.write("body", build_multipart(boundary, {}, small)), nullptr},
      opts);
  REQUIRE(from_file);
  REQUIRE(from_file->file);
  CHECK(from_file->file->bytes == small);
  CHECK_FALSE(from_file->file->owner);

  const auto big = random_bytes(100000);
  auto from_memory = parse_multipart(content_type, mem(build_multipart(boundary, {}, big)), opts);
  REQUIRE(from_memory);
  REQUIRE(from_memory->file);
  CHECK(from_memory->file->bytes == big);
  CHECK_FALSE(from_memory->file->owner);
}

TEST_CASE("a malformed body after a large part leaves no part file behind", "[multipart]") {
  scratch_dir dir;
  auto body = build_multipart(boundary, {}, random_bytes(500000));
  body.resize(body.size() - 30); // cut inside the closing delimiter: the part never ends
  const auto path = dir.write("body", body);
  auto opts = legacy_options();
  opts.max_file_part_in_memory = 1000;
  auto r = parse_multipart(content_type, body_source{{}, path, nullptr}, opts);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.starts_with("invalid multipart"));
  CHECK(dir.count() == 1);
}

TEST_CASE("malformed bodies are bad requests", "[multipart]") {
  check_malformed("");                                        // nothing at all
  check_malformed("no delimiter anywhere");
  check_malformed("--Anki-sync-boundary");                    // ends after a delimiter
  check_malformed("--Anki-sync-boundary\r\n");                // ends before headers end
  check_malformed("--Anki-sync-boundary\r\nContent-Disposition: form-data; name=\"k\"\r\n");
  check_malformed("--Anki-sync-boundary\r\n"
                  "Content-Disposition: form-data; name=\"k\"\r\n\r\nvalue");   // no end
  check_malformed("--Anki-sync-boundary\r\n"
                  "Content-Disposition: form-data; name=\"k\"\r\n\r\nvalue\r\n"
                  "--Anki-sync-boundary");                   // no closing "--"
  check_malformed("--Anki-sync-boundaryjunk\r\n\r\n");       // garbage after the delimiter
  check_malformed("--Anki-sync-boundary -\r\n\r\n");
  // Headers and text fields are bounded.
  check_malformed("--Anki-sync-boundary\r\nX: " + std::string(20000, 'a') + "\r\n\r\nv\r\n"
                  "--Anki-sync-boundary--");
  check_malformed(build_multipart(boundary, {{"k", std::string(70000, 'k')}}, std::nullopt));
  // An unknown field of any size is skipped, not stored.
  auto big_other = parse_multipart(
      content_type, mem(build_multipart(boundary, {{"other", std::string(70000, 'o')}}, std::nullopt)),
      legacy_options());
  CHECK(big_other);
}

TEST_CASE("a missing body file is a server error", "[multipart]") {
  auto r = parse_multipart(content_type, body_source{{}, "/nonexistent/ankisync/body", nullptr},
                           legacy_options());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::server_error);
}
