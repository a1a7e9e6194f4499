#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <zip.h>
#include <zlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>

#include "protocol/media_zip.hpp"

using namespace ankisync::protocol;
namespace fs = std::filesystem;

namespace {

struct scratch_dir {
  fs::path path;
  scratch_dir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("ankisync-media-zip-test-" + std::to_string(::getpid()) + "-" +
            std::to_string(counter++));
    fs::create_directories(path / "stage");
  }
  // Where extracted members go: temp names in the stage folder.
  staging_place place() const { return {path / "stage", ".test-new-"}; }
  ~scratch_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path stage() const { return path / "stage"; }
  fs::path write(const std::string& name, std::string_view contents) const {
    auto p = path / name;
    std::ofstream(p, std::ios::binary).write(contents.data(), std::streamsize(contents.size()));
    return p;
  }
  bool stage_empty() const { return fs::is_empty(stage()); }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string sha1_raw(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  REQUIRE(EVP_Digest(data.data(), data.size(), md, &n, EVP_sha1(), nullptr) == 1);
  return std::string(reinterpret_cast<const char*>(md), n);
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(rng() & 0xff);
  return s;
}

// A zip made by libzip, as a Python-era client would send: every member
// DEFLATE-compressed.
void libzip_write(const fs::path& out, const std::vector<std::pair<std::string, std::string>>& members,
                  zip_int32_t method = ZIP_CM_DEFLATE) {
  int err = 0;
  zip_t* z = zip_open(out.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  REQUIRE(z);
  for (const auto& [name, bytes] : members) {
    zip_source_t* src = zip_source_buffer(z, bytes.data(), bytes.size(), 0);
    REQUIRE(src);
    const zip_int64_t idx = zip_file_add(z, name.c_str(), src, ZIP_FL_ENC_UTF_8);
    REQUIRE(idx >= 0);
    REQUIRE(zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), method, 0) == 0);
  }
  REQUIRE(zip_close(z) == 0);
}

void put16(std::string& out, std::uint16_t v) {
  out += char(v & 0xff);
  out += char(v >> 8);
}
void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out += char((v >> (8 * i)) & 0xff);
}

struct raw_member {
  std::string name;
  std::string data;
  bool descriptor = false;     // sizes and CRC after the data (flag bit 3)
  bool bad_crc = false;        // the CRC recorded does not match the data
  std::uint32_t declared = 0;  // non-zero: the size claimed in the headers
};

// A STORED zip laid out by hand, for the shapes other writers produce:
// data descriptors, UTF-8-flagged names, wrong CRCs, lying sizes.
std::string handmade_zip(const std::vector<raw_member>& members) {
  std::string out, cd;
  for (const auto& m : members) {
    std::uint32_t crc = static_cast<std::uint32_t>(
        ::crc32(0, reinterpret_cast<const Bytef*>(m.data.data()), uInt(m.data.size())));
    if (m.bad_crc) crc ^= 0x5a5a5a5a;
    const std::uint32_t size = m.declared ? m.declared : std::uint32_t(m.data.size());
    const std::uint16_t flags = (1 << 11) | (m.descriptor ? (1 << 3) : 0);
    const auto offset = std::uint32_t(out.size());
    put32(out, 0x04034b50);
    put16(out, 20);
    put16(out, flags);
    put16(out, 0);
    put16(out, 0);
    put16(out, 0x21);
    put32(out, m.descriptor ? 0 : crc);
    put32(out, m.descriptor ? 0 : size);
    put32(out, m.descriptor ? 0 : size);
    put16(out, std::uint16_t(m.name.size()));
    put16(out, 0);
    out += m.name;
    out += m.data;
    if (m.descriptor) {
      put32(out, 0x08074b50);
      put32(out, crc);
      put32(out, size);
      put32(out, size);
    }
    put32(cd, 0x02014b50);
    put16(cd, 20);
    put16(cd, 20);
    put16(cd, flags);
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0x21);
    put32(cd, crc);
    put32(cd, size);
    put32(cd, size);
    put16(cd, std::uint16_t(m.name.size()));
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0);
    put16(cd, 0);
    put32(cd, 0);
    put32(cd, offset);
    cd += m.name;
  }
  const auto cd_offset = std::uint32_t(out.size());
  out += cd;
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, std::uint16_t(members.size()));
  put16(out, std::uint16_t(members.size()));
  put32(out, std::uint32_t(cd.size()));
  put32(out, cd_offset);
  put16(out, 0);
  return out;
}

void require_bad_request(const std::expected<std::vector<upload_zip_entry>, sync_error>& r,
                         std::string_view words = {}) {
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  if (!words.empty()) CHECK_THAT(r.error().message, Catch::Contains(std::string(words)));
}

} // namespace

TEST_CASE("an upload zip from write_upload_zip extracts to staged files with their sha1",
          "[media_zip]") {
  scratch_dir dir;
  const std::string a = "hello";
  const std::string c = random_bytes(300'000, 1); // several 64 KiB pieces
  const auto zip = dir.path / "up.zip";
  REQUIRE(write_upload_zip({{"a.jpg", false, a}, {"b.mp3", true, {}}, {"c.png", false, c}}, zip));

  auto r = extract_upload_zip(zip, dir.place());
  REQUIRE(r);
  REQUIRE(r->size() == 3);
  const auto& ea = (*r)[0];
  CHECK(ea.fname == "a.jpg");
  CHECK_FALSE(ea.deletion);
  CHECK(ea.size == a.size());
  CHECK(ea.sha1_raw == sha1_raw(a));
  CHECK(ea.staged.parent_path() == dir.stage());
  CHECK(ea.staged.filename().string().starts_with(".test-new-"));
  CHECK(ea.staged.filename().string().size() == std::string(".test-new-").size() + 16);
  CHECK(ea.file.get() >= 0); // left open for the caller to sync
  CHECK(slurp(ea.staged) == a);

  CHECK((*r)[1].fname == "b.mp3");
  CHECK((*r)[1].deletion);
  CHECK((*r)[1].staged.empty());

  CHECK((*r)[2].sha1_raw == sha1_raw(c));
  CHECK((*r)[2].size == c.size());
  CHECK(slurp((*r)[2].staged) == c);
  CHECK(ea.staged != (*r)[2].staged);
}

TEST_CASE("write_upload_zip names members by index with null for deletions", "[media_zip]") {
  scratch_dir dir;
  const auto zip = dir.path / "up.zip";
  REQUIRE(write_upload_zip({{"x.jpg", true, {}}, {"y.jpg", false, "yy"}}, zip));
  int err = 0;
  zip_t* z = zip_open(zip.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
  REQUIRE(z);
  CHECK(zip_get_num_entries(z, 0) == 2);
  CHECK(std::string(zip_get_name(z, 0, 0)) == "1");
  CHECK(std::string(zip_get_name(z, 1, 0)) == "_meta");
  zip_file_t* f = zip_fopen(z, "_meta", 0);
  REQUIRE(f);
  char buf[256];
  const auto n = zip_fread(f, buf, sizeof buf);
  zip_fclose(f);
  zip_discard(z);
  CHECK(std::string(buf, std::size_t(n)) == R"([["x.jpg",null],["y.jpg","1"]])");
}

TEST_CASE("a DEFLATE zip with \"\" deletions, as older clients send, is read", "[media_zip]") {
  scratch_dir dir;
  const std::string text(100'000, 'z'); // compresses well, so really deflated
  const auto zip = dir.path / "deflate.zip";
  libzip_write(zip, {{"0", text}, {"_meta", R"([["notes.txt","0"],["gone.jpg",""]])"}});
  REQUIRE(fs::file_size(zip) < text.size());

  auto r = extract_upload_zip(zip, dir.place());
  REQUIRE(r);
  REQUIRE(r->size() == 2);
  CHECK(slurp((*r)[0].staged) == text);
  CHECK((*r)[0].sha1_raw == sha1_raw(text));
  CHECK((*r)[1].deletion);
}

TEST_CASE("data descriptors and UTF-8-flagged member names are read", "[media_zip]") {
  scratch_dir dir;
  const std::string name = "\xc3\xa9t\xc3\xa9.jpg"; // été.jpg
  const auto zip = dir.write(
      "dd.zip", handmade_zip({{"m\xc3\xa9mber", "payload", true},
                              {"_meta", "[[\"" + name + "\",\"m\xc3\xa9mber\"]]", true}}));
  auto r = extract_upload_zip(zip, dir.place());
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].fname == name);
  CHECK(slurp((*r)[0].staged) == "payload");
}

TEST_CASE("a bad name anywhere refuses the whole upload and stages nothing", "[media_zip]") {
  scratch_dir dir;
  for (const char* bad : {"../x", "a/b", "a\\b", "e\xcc\x81.jpg", ""}) {
    INFO(bad);
    const auto zip = dir.path / "bad.zip";
    // Valid entries come first, so a writer that staged as it went would
    // leave their files behind.
    REQUIRE(write_upload_zip({{"ok1.jpg", false, "one"}, {"ok2.jpg", false, "two"},
                              {bad, false, "evil"}},
                             zip));
    require_bad_request(extract_upload_zip(zip, dir.place()));
    CHECK(dir.stage_empty());
  }
}

TEST_CASE("a truncated zip is refused and stages nothing", "[media_zip]") {
  scratch_dir dir;
  const auto good = dir.path / "good.zip";
  REQUIRE(write_upload_zip({{"a.jpg", false, random_bytes(10'000, 2)}}, good));
  const std::string bytes = slurp(good);
  const auto cut = dir.write("cut.zip", std::string_view(bytes).substr(0, bytes.size() / 2));
  require_bad_request(extract_upload_zip(cut, dir.place()));
  CHECK(dir.stage_empty());

  const auto not_zip = dir.write("text.zip", "this is not a zip at all");
  require_bad_request(extract_upload_zip(not_zip, dir.place()));
  const auto empty = dir.write("empty.zip", "");
  require_bad_request(extract_upload_zip(empty, dir.place()));
  CHECK(dir.stage_empty());
}

TEST_CASE("a member whose CRC does not match is refused and stages nothing", "[media_zip]") {
  scratch_dir dir;
  const auto zip = dir.write(
      "crc.zip", handmade_zip({{"0", "good bytes", false},
                               {"1", "flipped bytes", false, true},
                               {"_meta", R"([["a.jpg","0"],["b.jpg","1"]])"}}));
  require_bad_request(extract_upload_zip(zip, dir.place()), "b.jpg");
  CHECK(dir.stage_empty());
}

TEST_CASE("a member whose compressed data is damaged is refused and stages nothing",
          "[media_zip]") {
  scratch_dir dir;
  const auto good = dir.path / "good.zip";
  // Random bytes first, so the damage lands in a member the reader has
  // already begun to stage.
  libzip_write(good, {{"0", random_bytes(20'000, 5)},
                      {"1", std::string(200'000, 'q') + random_bytes(50'000, 6)},
                      {"_meta", R"([["a.jpg","0"],["b.jpg","1"]])"}});
  std::string bytes = slurp(good);
  // Inside member 1's deflate stream; the headers stay intact.
  const auto at = bytes.find("PK\x03\x04", 30);
  REQUIRE(at != std::string::npos);
  for (std::size_t i = at + 200; i < at + 400; ++i)
    bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  const auto bad = dir.write("damaged.zip", bytes);
  require_bad_request(extract_upload_zip(bad, dir.place()));
  CHECK(dir.stage_empty());
}

TEST_CASE("a member compressed with a method other than stored or deflate is refused",
          "[media_zip]") {
  scratch_dir dir;
  const auto zip = dir.path / "bzip2.zip";
  libzip_write(zip, {{"0", std::string(10'000, 'b')}, {"_meta", R"([["a.jpg","0"]])"}},
               ZIP_CM_BZIP2);
  require_bad_request(extract_upload_zip(zip, dir.place()));
  CHECK(dir.stage_empty());
}

TEST_CASE("more than 25 entries are refused", "[media_zip]") {
  scratch_dir dir;
  std::vector<upload_zip_input> entries;
  for (int i = 0; i < 25; ++i)
    entries.push_back({"f" + std::to_string(i), false, "x"});
  const auto ok = dir.path / "25.zip";
  REQUIRE(write_upload_zip(entries, ok));
  auto r = extract_upload_zip(ok, dir.place());
  REQUIRE(r);
  CHECK(r->size() == 25);
  for (const auto& e : *r)
    fs::remove(e.staged);

  entries.push_back({"f25", true, {}});
  const auto too_many = dir.path / "26.zip";
  REQUIRE(write_upload_zip(entries, too_many));
  require_bad_request(extract_upload_zip(too_many, dir.place()), "25");
  CHECK(dir.stage_empty());
}

TEST_CASE("a zip listing more than 1000 members is refused before they are read", "[media_zip]") {
  scratch_dir dir;
  std::vector<std::pair<std::string, std::string>> members;
  for (int i = 0; i < 1001; ++i)
    members.push_back({std::to_string(i), "x"});
  members.push_back({"_meta", R"([["a.jpg","0"]])"});
  const auto zip = dir.path / "many.zip";
  libzip_write(zip, members, ZIP_CM_STORE);
  require_bad_request(extract_upload_zip(zip, dir.place()), "at most 1000");
  CHECK(dir.stage_empty());
}

TEST_CASE("a member name longer than 1024 bytes is refused before members are read",
          "[media_zip]") {
  scratch_dir dir;
  const auto zip = dir.path / "long.zip";
  libzip_write(zip, {{std::string(1025, 'n'), "x"}, {"0", "y"}, {"_meta", R"([["a.jpg","0"]])"}},
               ZIP_CM_STORE);
  require_bad_request(extract_upload_zip(zip, dir.place()), "at most 1024");
  CHECK(dir.stage_empty());
}

TEST_CASE("a missing member, a zero-byte member and a bad _meta are refused", "[media_zip]") {
  scratch_dir dir;
  const auto missing = dir.path / "missing.zip";
  libzip_write(missing, {{"0", "x"}, {"_meta", R"([["a.jpg","0"],["b.jpg","7"]])"}});
  require_bad_request(extract_upload_zip(missing, dir.place()), "missing");

  const auto zero = dir.path / "zero.zip";
  REQUIRE(write_upload_zip({{"a.jpg", false, "x"}, {"empty.jpg", false, ""}}, zero));
  require_bad_request(extract_upload_zip(zero, dir.place()), "empty");

  const auto no_meta = dir.path / "nometa.zip";
  libzip_write(no_meta, {{"0", "x"}});
  require_bad_request(extract_upload_zip(no_meta, dir.place()), "_meta");

  for (const char* meta : {"{}", "[[\"a.jpg\"]]", "[[\"a.jpg\",5]]", "not json", "[[1,null]]"}) {
    INFO(meta);
    const auto bad = dir.path / "badmeta.zip";
    libzip_write(bad, {{"_meta", meta}});
    require_bad_request(extract_upload_zip(bad, dir.place()));
  }
  CHECK(dir.stage_empty());
}

TEST_CASE("a member declared larger than 100 MiB is refused before reading", "[media_zip]") {
  scratch_dir dir;
  const auto zip = dir.write(
      "huge.zip", handmade_zip({{"0", "tiny", false, false, 104'857'601u},
                                {"_meta", R"([["big.mp4","0"]])"}}));
  require_bad_request(extract_upload_zip(zip, dir.place()), "100 MiB");
  CHECK(dir.stage_empty());
}

TEST_CASE("a download zip round-trips and opens with libzip", "[media_zip]") {
  scratch_dir dir;
  const std::string big = random_bytes(200'000, 3);
  const auto f0 = dir.write("src0", "first");
  const auto f1 = dir.write("src1", big);
  const std::vector<download_zip_file> files{{"a.jpg", f0}, {"\xc3\xa9t\xc3\xa9 \"q\".mp3", f1}};

  std::string zip_bytes;
  std::size_t largest_piece = 0;
  auto size = write_download_zip(files, [&](std::string_view piece)
                                            -> std::expected<void, sync_error> {
    largest_piece = std::max(largest_piece, piece.size());
    zip_bytes.append(piece);
    return {};
  });
  REQUIRE(size);
  CHECK(*size == zip_bytes.size());
  CHECK(largest_piece <= 64 * 1024);
  const auto zip = dir.write("down.zip", zip_bytes);

  auto read = read_download_zip(zip);
  REQUIRE(read);
  REQUIRE(read->size() == 2);
  CHECK((*read)[0].fname == "a.jpg");
  CHECK((*read)[0].bytes == "first");
  CHECK((*read)[1].fname == files[1].fname);
  CHECK((*read)[1].bytes == big);

  int err = 0;
  zip_t* z = zip_open(zip.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
  REQUIRE(z);
  REQUIRE(zip_get_num_entries(z, 0) == 3);
  CHECK(std::string(zip_get_name(z, 0, 0)) == "0");
  CHECK(std::string(zip_get_name(z, 1, 0)) == "1");
  CHECK(std::string(zip_get_name(z, 2, 0)) == "_meta");
  zip_stat_t st;
  REQUIRE(zip_stat_index(z, 1, 0, &st) == 0);
  CHECK(st.comp_method == ZIP_CM_STORE);
  CHECK(st.size == big.size());
  std::string content(big.size(), '\0');
  zip_file_t* f = zip_fopen_index(z, 1, 0);
  REQUIRE(f);
  CHECK(zip_fread(f, content.data(), content.size()) == zip_int64_t(big.size()));
  zip_fclose(f);
  zip_discard(z);
  CHECK(content == big);
}

TEST_CASE("a download zip of no files holds only an empty _meta", "[media_zip]") {
  scratch_dir dir;
  std::string bytes;
  REQUIRE(write_download_zip({}, [&](std::string_view p) -> std::expected<void, sync_error> {
    bytes.append(p);
    return {};
  }));
  auto read = read_download_zip(dir.write("none.zip", bytes));
  REQUIRE(read);
  CHECK(read->empty());
  CHECK(bytes.find("_meta{}") != std::string::npos);
}

TEST_CASE("a download source that vanished is a conflict naming the file", "[media_zip]") {
  scratch_dir dir;
  const auto present = dir.write("src0", "here");
  auto r = write_download_zip({{"here.jpg", present}, {"gone.jpg", dir.path / "nope"}},
                              [](std::string_view) -> std::expected<void, sync_error> { return {}; });
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::conflict);
  CHECK_THAT(r.error().message, Catch::Contains("gone.jpg"));
}

TEST_CASE("a sink failure stops the download zip with that error", "[media_zip]") {
  scratch_dir dir;
  const auto src = dir.write("src0", random_bytes(100'000, 4));
  int calls = 0;
  auto r = write_download_zip({{"a.jpg", src}}, [&](std::string_view) -> std::expected<void, sync_error> {
    if (++calls == 2) return std::unexpected(make_error(error_code::server_error, "disk full"));
    return {};
  });
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "disk full");
  CHECK(calls == 2);
}

TEST_CASE("a download zip with a member missing from _meta is malformed", "[media_zip]") {
  scratch_dir dir;
  const auto zip = dir.path / "odd.zip";
  libzip_write(zip, {{"0", "a"}, {"1", "b"}, {"_meta", R"({"0":"a.jpg"})"}}, ZIP_CM_STORE);
  auto r = read_download_zip(zip);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK_THAT(r.error().message, Catch::Contains("malformed zip"));

  const auto no_meta = dir.path / "nometa.zip";
  libzip_write(no_meta, {{"0", "a"}});
  CHECK_FALSE(read_download_zip(no_meta));
}
