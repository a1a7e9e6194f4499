// The zip a client sends to /msync/uploadChanges: the zip reader, its
// `_meta` member (name -> member, null or "" for a deletion), each name's
// checks and the members staged to files. A refused zip leaves nothing in
// the staging folder; an accepted one stages exactly its members' bytes,
// and the same entries written as a new zip extract to the same result.
#include <vector>

#include "fuzz_support.hpp"
#include "protocol/media_name.hpp"
#include "protocol/media_zip.hpp"
#include "storage/file_ops.hpp"

using namespace ankisync;
namespace fs = std::filesystem;

namespace {

bool folder_is_empty(const fs::path& p) {
  std::error_code ec;
  return fs::is_empty(p, ec) && !ec;
}

void remove_staged(const std::vector<protocol::upload_zip_entry>& entries) {
  std::error_code ignored;
  for (const auto& e : entries)
    if (!e.deletion)
      fs::remove(e.staged, ignored);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto zip = fuzz::scratch_dir() / "upload.zip";
  const auto staging = fuzz::scratch_dir() / "staging";
  fs::create_directories(staging);
  fuzz::write_file(zip, fuzz::as_text(data, size));

  const protocol::staging_place place{staging, ".upload-"};
  auto entries = protocol::extract_upload_zip(zip, place);
  if (!entries) {
    FUZZ_CHECK(folder_is_empty(staging));
    return 0;
  }

  std::vector<protocol::upload_zip_input> rewritten;
  for (const auto& e : *entries) {
    FUZZ_CHECK(protocol::check_media_name(e.fname));
    if (e.deletion) {
      rewritten.push_back({e.fname, true, {}});
      continue;
    }
    std::error_code ec;
    FUZZ_CHECK(e.size > 0 && fs::file_size(e.staged, ec) == e.size && !ec);
    FUZZ_CHECK(e.staged.parent_path() == staging);
    auto sha1 = storage::sha1_of_file(e.staged, false);
    FUZZ_CHECK(sha1 && *sha1 == e.sha1_raw);
    rewritten.push_back({e.fname, false, fuzz::read_file(e.staged)});
  }
  remove_staged(*entries);

  const auto again_zip = fuzz::scratch_dir() / "again.zip";
  FUZZ_CHECK(protocol::write_upload_zip(rewritten, again_zip));
  auto again = protocol::extract_upload_zip(again_zip, place);
  FUZZ_CHECK(again && again->size() == entries->size());
  for (std::size_t i = 0; i < again->size(); ++i) {
    const auto& a = (*again)[i];
    const auto& e = (*entries)[i];
    FUZZ_CHECK(a.fname == e.fname && a.deletion == e.deletion && a.sha1_raw == e.sha1_raw &&
               a.size == e.size);
  }
  remove_staged(*again);
  FUZZ_CHECK(folder_is_empty(staging));
  return 0;
}
