// The collection file of a full upload (/sync/upload), after decoding:
// schema-11 uploads are upgraded in place, then integrity and tables are
// checked. A mutated SQLite file is refused or accepted, never a crash,
// and the user's current collection next to it stays byte for byte what
// it was; once the temporary file is gone (removed when refused, renamed
// into place when accepted) nothing else of the check is left behind.
#include <set>

#include "fuzz_support.hpp"
#include "storage/collection.hpp"
#include "storage/full_sync.hpp"

using namespace ankisync;
namespace fs = std::filesystem;

namespace {

struct user_folder {
  fs::path folder;
  fs::path current;
  std::string current_bytes;
};

const user_folder& the_user() {
  static const user_folder u = [] {
    user_folder made;
    made.folder = fuzz::scratch_dir() / "user";
    fs::create_directories(made.folder);
    made.current = made.folder / "collection.anki2";
    {
      auto col = storage::collection::open(made.current);
      FUZZ_CHECK(col);
    }
    for (const char* suffix : {"-wal", "-shm"})
      FUZZ_CHECK(!fs::exists(made.current.string() + suffix));
    made.current_bytes = fuzz::read_file(made.current);
    FUZZ_CHECK(!made.current_bytes.empty());
    return made;
  }();
  return u;
}

std::set<std::string> names_in(const fs::path& folder) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(folder))
    names.insert(e.path().filename().string());
  return names;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& user = the_user();
  const auto temp = user.folder / ".upload-fuzz";
  fuzz::write_file(temp, fuzz::as_text(data, size));

  const bool accepted = storage::validate_uploaded_collection(temp).has_value();
  if (accepted)
    FUZZ_CHECK(storage::check_collection_file(temp));

  std::error_code ignored;
  fs::remove(temp, ignored);
  FUZZ_CHECK(fuzz::read_file(user.current) == user.current_bytes);
  FUZZ_CHECK(names_in(user.folder) == std::set<std::string>{"collection.anki2"});
  return 0;
}
