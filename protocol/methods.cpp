#include "protocol/methods.hpp"

#include <array>
#include <utility>

namespace ankisync::protocol {

namespace {

// One table per family so that parsing and printing cannot drift apart.
constexpr std::array<std::pair<sync_method, std::string_view>, 12> sync_names{{
    {sync_method::host_key, "hostKey"},
    {sync_method::meta, "meta"},
    {sync_method::start, "start"},
    {sync_method::apply_graves, "applyGraves"},
    {sync_method::apply_changes, "applyChanges"},
    {sync_method::chunk, "chunk"},
    {sync_method::apply_chunk, "applyChunk"},
    {sync_method::sanity_check, "sanityCheck2"},
    {sync_method::finish, "finish"},
    {sync_method::abort, "abort"},
    {sync_method::upload, "upload"},
    {sync_method::download, "download"},
}};

constexpr std::array<std::pair<media_method, std::string_view>, 5> media_names{{
    {media_method::begin, "begin"},
    {media_method::media_changes, "mediaChanges"},
    {media_method::upload_changes, "uploadChanges"},
    {media_method::download_files, "downloadFiles"},
    {media_method::media_sanity, "mediaSanity"},
}};

template <typename Enum, std::size_t N>
std::optional<Enum> find_by_name(const std::array<std::pair<Enum, std::string_view>, N>& table,
                                 std::string_view name) {
  for (const auto& [value, spelled] : table) {
    if (spelled == name) return value;
  }
  return std::nullopt;
}

template <typename Enum, std::size_t N>
std::string_view find_by_value(const std::array<std::pair<Enum, std::string_view>, N>& table,
                               Enum value) {
  for (const auto& [v, spelled] : table) {
    if (v == value) return spelled;
  }
  // Out-of-range casts only; an empty name never matches a route.
  return {};
}

} // namespace

std::optional<sync_method> parse_sync_method(std::string_view name) {
  return find_by_name(sync_names, name);
}

std::optional<media_method> parse_media_method(std::string_view name) {
  return find_by_name(media_names, name);
}

std::string_view to_string(sync_method m) { return find_by_value(sync_names, m); }

std::string_view to_string(media_method m) { return find_by_value(media_names, m); }

bool is_stateful(sync_method m) {
  // hostKey, meta and start open a session; abort must work without one so
  // a client can always back out; full syncs replace the session entirely.
  switch (m) {
    case sync_method::apply_graves:
    case sync_method::apply_changes:
    case sync_method::chunk:
    case sync_method::apply_chunk:
    case sync_method::sanity_check:
    case sync_method::finish:
      return true;
    default:
      return false;
  }
}

} // namespace ankisync::protocol
