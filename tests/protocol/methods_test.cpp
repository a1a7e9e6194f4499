#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "protocol/methods.hpp"

using namespace ankisync::protocol;

namespace {

const std::vector<std::pair<sync_method, std::string>> all_sync = {
    {sync_method::host_key, "hostKey"},       {sync_method::meta, "meta"},
    {sync_method::start, "start"},            {sync_method::apply_graves, "applyGraves"},
    {sync_method::apply_changes, "applyChanges"}, {sync_method::chunk, "chunk"},
    {sync_method::apply_chunk, "applyChunk"}, {sync_method::sanity_check, "sanityCheck2"},
    {sync_method::finish, "finish"},          {sync_method::abort, "abort"},
    {sync_method::upload, "upload"},          {sync_method::download, "download"},
};

const std::vector<std::pair<media_method, std::string>> all_media = {
    {media_method::begin, "begin"},
    {media_method::media_changes, "mediaChanges"},
    {media_method::upload_changes, "uploadChanges"},
    {media_method::download_files, "downloadFiles"},
    {media_method::media_sanity, "mediaSanity"},
};

} // namespace

TEST_CASE("sync method names parse and print both ways", "[methods]") {
  for (const auto& [m, name] : all_sync) {
    INFO(name);
    CHECK(parse_sync_method(name) == m);
    CHECK(to_string(m) == name);
  }
}

TEST_CASE("media method names parse and print both ways", "[methods]") {
  for (const auto& [m, name] : all_media) {
    INFO(name);
    CHECK(parse_media_method(name) == m);
    CHECK(to_string(m) == name);
  }
}

TEST_CASE("method names are case-sensitive and exact", "[methods]") {
  CHECK_FALSE(parse_sync_method("hostkey"));
  CHECK_FALSE(parse_sync_method("HostKey"));
  CHECK_FALSE(parse_sync_method("sanityCheck"));
  CHECK_FALSE(parse_sync_method("meta "));
  CHECK_FALSE(parse_sync_method(""));
  CHECK_FALSE(parse_media_method("Begin"));
  CHECK_FALSE(parse_media_method("mediachanges"));
  CHECK_FALSE(parse_media_method(""));
}

TEST_CASE("the two families do not share names", "[methods]") {
  for (const auto& [m, name] : all_media) CHECK_FALSE(parse_sync_method(name));
  for (const auto& [m, name] : all_sync) CHECK_FALSE(parse_media_method(name));
}

TEST_CASE("only mid-session methods are stateful", "[methods]") {
  CHECK(is_stateful(sync_method::apply_graves));
  CHECK(is_stateful(sync_method::apply_changes));
  CHECK(is_stateful(sync_method::chunk));
  CHECK(is_stateful(sync_method::apply_chunk));
  CHECK(is_stateful(sync_method::sanity_check));
  CHECK(is_stateful(sync_method::finish));

  CHECK_FALSE(is_stateful(sync_method::host_key));
  CHECK_FALSE(is_stateful(sync_method::meta));
  CHECK_FALSE(is_stateful(sync_method::start));
  CHECK_FALSE(is_stateful(sync_method::abort));
  CHECK_FALSE(is_stateful(sync_method::upload));
  CHECK_FALSE(is_stateful(sync_method::download));
}
