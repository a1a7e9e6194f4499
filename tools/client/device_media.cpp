// A device's media: its folder and DB beside the collection, and media
// sync with the device's host key.

#include <system_error>

#include "tools/client/device.hpp"

namespace ankisync::client {
namespace fs = std::filesystem;

storage::result<media_folder*> device::media() {
  if (!media_) {
    auto opened = media_folder::open(file_.parent_path());
    if (!opened)
      return std::unexpected(opened.error());
    media_.emplace(std::move(*opened));
  }
  return &*media_;
}

edit_result<void> device::add_media(std::string_view name, std::string_view bytes) {
  auto m = media();
  if (!m)
    return std::unexpected(m.error());
  return (*m)->add_file(name, bytes);
}

edit_result<void> device::remove_media(std::string_view name) {
  auto m = media();
  if (!m)
    return std::unexpected(m.error());
  return (*m)->remove_file(name);
}

edit_result<std::map<std::string, std::string>> device::media_files() {
  auto m = media();
  if (!m)
    return std::unexpected(m.error());
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator((*m)->folder(), ec)) {
    if (!e.is_regular_file())
      continue;
    const auto name = e.path().filename().string();
    if (is_nonsyncable_media_name(name))
      continue;
    auto bytes = (*m)->read_file(name);
    if (!bytes)
      return std::unexpected(bytes.error());
    out.emplace(name, std::move(*bytes));
  }
  if (ec)
    return storage::fail(storage::storage_errc::io,
                         "list " + (*m)->folder().string() + ": " + ec.message());
  return out;
}

media_sync_result device::media_sync(sync_client& client, std::optional<std::int64_t> server_usn) {
  auto m = media();
  if (!m)
    return std::unexpected(media_sync_failure{media_failure_kind::local, std::nullopt, 0,
                                              m.error().message});
  media_sync_options options;
  options.server_usn = server_usn;
  return run_media_sync(**m, client, host_key_, options);
}

} // namespace ankisync::client
