#include <catch2/catch.hpp>

#include <fstream>

#include "storage/backup.hpp"
#include "storage/file_ops.hpp"
#include "storage/media_db.hpp"
#include "tests/storage/temp_dir.hpp"

using namespace ankisync::storage;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

} // namespace

TEST_CASE("a backup copies the media database and links the media files, with a manifest",
          "[backup]") {
  test::temp_dir dir;
  const auto user = dir / "data/alice";
  fs::create_directories(user);
  REQUIRE(media_db::open(user / "media.db").has_value());
  write(user / "media-store/0123456789abcdef0123456789abcdef01234567", "content");
  write(user / ".upload-1-1", "temp file of a transfer");
  const auto backup = make_backup_folder(dir / "backups");
  REQUIRE(backup.has_value());
  auto files = backup_user(user, *backup, "alice");
  REQUIRE(files.has_value());
  REQUIRE(files->size() == 2);
  CHECK(files->at(0).path == "alice/media.db");
  CHECK(files->at(1).path == "alice/media-store/0123456789abcdef0123456789abcdef01234567");
  CHECK(files->at(1).size == 7);
  CHECK(files->at(1).sha256 ==
        "ed7002b439e9ac845f22357d822bac1444730fbdb6016d3ec9432297b9ec9f73");
  CHECK_FALSE(fs::exists(*backup / "alice/.upload-1-1"));

  // Without its manifest, a backup is not complete.
  CHECK(complete_backups(dir / "backups").empty());
  backup_manifest m;
  m.created_s = 1;
  m.users = {"alice"};
  m.files = *files;
  REQUIRE(write_manifest(*backup, m).has_value());
  CHECK(complete_backups(dir / "backups") == std::vector<fs::path>{*backup});
  auto read = read_manifest(*backup);
  REQUIRE(read.has_value());
  CHECK(read->files.size() == 2);
  CHECK(verify_backup(*backup, *read, "alice").has_value());

  // A changed byte is found, with the file named.
  write(*backup / "alice/media-store/0123456789abcdef0123456789abcdef01234567", "Content");
  auto bad = verify_backup(*backup, *read, "");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == storage_errc::corrupt);
  CHECK(bad.error().message.find("alice/media-store/") != std::string::npos);
}

TEST_CASE("a manifest naming a file or user outside its backup is refused", "[backup]") {
  test::temp_dir dir;
  for (const char* manifest : {
           R"({"format":1,"created":1,"users":["a"],"files":[{"path":"a/../../x","size":1,"sha256":"00"}]})",
           R"({"format":1,"created":1,"users":[".."],"files":[]})",
           R"({"format":1,"created":1,"users":["a/b"],"files":[]})"}) {
    write(dir / "b/manifest.json", manifest);
    auto m = read_manifest(dir / "b");
    REQUIRE_FALSE(m.has_value());
    CHECK(m.error().code == storage_errc::corrupt);
  }
}

TEST_CASE("pruning keeps the newest complete backups and never the only one", "[backup]") {
  test::temp_dir dir;
  const auto root = dir / "backups";
  auto make = [&](const std::string& name, bool complete) {
    fs::create_directories(root / name);
    if (complete)
      write(root / name / "manifest.json", "{}");
  };
  make("20260101-000000", true);
  make("20260102-000000", false); // never finished
  make("20260103-000000", true);
  make("20260104-000000", true);
  make("20260105-000000", false); // still being written
  make("holiday photos", false);  // not ours
  const auto removed = prune_backups(root, 2);
  CHECK(removed.size() == 2);
  CHECK_FALSE(fs::exists(root / "20260101-000000"));
  CHECK_FALSE(fs::exists(root / "20260102-000000"));
  for (const char* kept : {"20260103-000000", "20260104-000000", "20260105-000000", "holiday photos"})
    CHECK(fs::exists(root / kept));
  CHECK(prune_backups(root, 0).size() == 1);
  CHECK(complete_backups(root) == std::vector<fs::path>{root / "20260104-000000"});
}
