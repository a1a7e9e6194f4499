// A session of a second, independently written client (other_client/
// v11_client.py: Python, one zstd frame with its content size per body,
// one session key for everything), recorded by the real server with
// --record and replayed by the real ankisync-replay.

#include <catch2/catch.hpp>

#include <zstd.h>

#include <algorithm>
#include <fstream>

#include "actors/recording/record_file.hpp"
#include "tests/integration/recording_scenarios.hpp"

using namespace ankisync;
using namespace ankisync::integration;
namespace fs = std::filesystem;
namespace pb = actors::recording::pb;

namespace {

// A collection with a note in it, made by the reference client and
// closed, for the Python client to upload.
fs::path prepared_collection(const fs::path& folder) {
  auto device = client::device::create(folder);
  REQUIRE(device.has_value());
  REQUIRE(device->add_note({"made for the python client"}).has_value());
  return device->file();
}

struct recorded_session {
  temp_folder folder;
  fs::path recordings;
  fs::path file;
};

// Runs the Python client against a recording server; the one recording.
void record_other_client(recorded_session& s) {
  const auto collection = prepared_collection(s.folder.path() / "device");
  s.recordings = s.folder.path() / "recordings";
  server_options o;
  o.env = {{"SYNC_USER1", "user:pass"}};
  o.args = {"--record", s.recordings.string()};
  server_process server(o);
  auto client = run_program(std::string("'") + ANKISYNC_TEST_PYTHON + "' '" +
                            ANKISYNC_OTHER_CLIENT + "' --port " + std::to_string(server.port()) +
                            " --user user --password pass --collection '" +
                            collection.string() + "'");
  INFO(client.output << "\nserver log:\n" << server.stderr_text());
  REQUIRE(client.code == 0);
  REQUIRE(server.stop().clean());
  auto files = recordings_in(s.recordings);
  REQUIRE(files.size() == 1);
  s.file = files.front();
}

void write_file(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << bytes;
  REQUIRE(out.good());
}

const pb::Response* answer_to(const std::vector<pb::Record>& records, std::uint64_t seq) {
  for (const auto& r : records)
    if (r.has_response() && r.response().seq() == seq)
      return &r.response();
  return nullptr;
}

} // namespace

TEST_CASE("an independent v11 client's recorded session replays with every answer matching",
          "[recording]") {
  recorded_session s;
  record_other_client(s);

  auto stream = actors::recording::read_records(s.file);
  REQUIRE(stream.has_value());
  std::vector<pb::Login> logins;
  int uploads_with_size = 0;
  for (const auto& r : stream->records) {
    if (!r.has_request())
      continue;
    const auto& q = r.request();
    if (q.method() == "hostKey") {
      const auto* a = answer_to(stream->records, q.seq());
      REQUIRE(a != nullptr);
      logins.push_back(a->login());
    }
    // The client's framing is what was kept: one frame with its size.
    if (q.method() == "uploadChanges" && q.wire().side_file().empty()) {
      const auto& wire = q.wire().inline_bytes();
      CHECK(ZSTD_getFrameContentSize(wire.data(), wire.size()) != ZSTD_CONTENTSIZE_UNKNOWN);
      ++uploads_with_size;
    }
  }
  CHECK(logins == std::vector<pb::Login>{pb::PASSWORD_WRONG, pb::PASSWORD_RIGHT});
  CHECK(uploads_with_size == 2);

  // The folder, as `--record DIR` left it.
  auto r = replay(s.recordings);
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(r.output.find("every recording matches") != std::string::npos);
  CHECK(r.output.find("msync/uploadChanges") != std::string::npos);
}

TEST_CASE("an altered byte in an independent client's recording fails its replay",
          "[recording]") {
  recorded_session s;
  record_other_client(s);
  auto stream = actors::recording::read_records(s.file);
  REQUIRE(stream.has_value());
  // The first media upload's answer, {"data":[2,N],...}: its count of
  // processed files, one byte in the file, made 3.
  std::string answer;
  for (const auto& r : stream->records)
    if (r.has_request() && r.request().method() == "uploadChanges" && answer.empty())
      answer = answer_to(stream->records, r.request().seq())->body().inline_bytes();
  REQUIRE(answer.starts_with(R"({"data":[2,)"));
  auto bytes = read_file(s.file);
  const auto at = bytes.find(answer);
  REQUIRE(at != std::string::npos);
  bytes[at + std::string_view(R"({"data":[)").size()] = '3';
  write_file(s.file, bytes);

  auto r = replay(s.file);
  INFO(r.output);
  CHECK(r.code == 1);
  CHECK(r.output.find("(msync/uploadChanges)") != std::string::npos);
  CHECK(r.output.find("$.data[0]: expected 3, got 2") != std::string::npos);
}

TEST_CASE("ankisync-replay refuses a path that holds no recording in one line", "[recording]") {
  temp_folder empty;
  auto none = replay(empty.path());
  CHECK(none.code == 2);
  CHECK(none.output.find("no .ankirec recording") != std::string::npos);
  auto missing = replay(empty.path() / "nothing.ankirec");
  CHECK(missing.code == 2);
  CHECK(missing.output.find("no such file or folder") != std::string::npos);
  // One line: a message, not an uncaught exception's report.
  CHECK(std::count(missing.output.begin(), missing.output.end(), '\n') == 1);
}
