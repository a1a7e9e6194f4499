#include "actors/user_folders.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ankisync::actors {

std::vector<user_folder> list_user_folders(const std::filesystem::path& data_dir) {
  std::vector<user_folder> out;
  DIR* dir = ::opendir(data_dir.c_str());
  if (!dir)
    return out;
  const int at = ::dirfd(dir);
  std::string path;
  while (const dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.')
      continue;
    struct stat st{};
    if (e->d_type != DT_DIR) {
      // Some filesystems do not say the type in the listing.
      if (e->d_type != DT_UNKNOWN || ::fstatat(at, e->d_name, &st, 0) != 0 ||
          !S_ISDIR(st.st_mode))
        continue;
    }
    user_folder u;
    u.name = e->d_name;
    path.assign(e->d_name).append("/collection.anki2");
    if (::fstatat(at, path.c_str(), &st, 0) == 0) {
      u.collection_bytes = st.st_size;
      u.modified_ms = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 +
                      st.st_mtim.tv_nsec / 1'000'000;
      path.append("-wal");
      if (::fstatat(at, path.c_str(), &st, 0) == 0)
        u.collection_bytes += st.st_size;
    }
    out.push_back(std::move(u));
  }
  ::closedir(dir);
  return out;
}

} // namespace ankisync::actors
