// The JSON bodies of /sync and /msync requests, each through its own
// decoder. Input: one byte choosing the method, then the body. Where the
// protocol has an encoder for the body, what decodes must survive a round
// trip: encode(decode(encode(decode(x)))) == encode(decode(x)), doubles
// within an ulp or so (json_compare.hpp).
#include <variant>

#include "fuzz_support.hpp"
#include "json_compare.hpp"
#include "protocol/media_json.hpp"
#include "protocol/sync_body.hpp"

using namespace ankisync;
using protocol::sync_method;

namespace {

constexpr sync_method sync_methods[] = {
    sync_method::host_key,    sync_method::meta,         sync_method::start,
    sync_method::apply_graves, sync_method::apply_changes, sync_method::chunk,
    sync_method::apply_chunk, sync_method::sanity_check, sync_method::finish,
    sync_method::abort,       sync_method::upload,       sync_method::download};
constexpr std::size_t sync_count = std::size(sync_methods);
constexpr std::size_t media_count = 4; // begin, mediaChanges, downloadFiles, mediaSanity

// The wire text the server would write for a decoded body.
struct encode_body {
  std::string operator()(const std::monostate&) const { return {}; }
  std::string operator()(const protocol::host_key_request& r) const {
    return protocol::encode_host_key_request(r);
  }
  std::string operator()(const protocol::meta_request& r) const {
    return protocol::encode_meta_request(r);
  }
  std::string operator()(const protocol::start_request& r) const {
    return protocol::encode_start_request(r);
  }
  std::string operator()(const protocol::apply_graves_request& r) const {
    return protocol::encode_apply_graves_request(r);
  }
  std::string operator()(const protocol::apply_changes_request& r) const {
    return protocol::encode_apply_changes_request(r);
  }
  std::string operator()(const protocol::apply_chunk_request& r) const {
    return protocol::encode_apply_chunk_request(r);
  }
  std::string operator()(const protocol::sanity_request& r) const {
    return protocol::encode_sanity_request(r);
  }
  // chunk, finish, abort, download: `{}`; upload: the collection
  // file, never parsed, so nothing to write back.
  template <sync_method Method>
  std::string operator()(const protocol::no_args_request<Method>&) const {
    return Method == sync_method::upload ? std::string() : protocol::encode_empty_request();
  }
};

std::string encoded(const protocol::request_body& body) {
  return std::visit(encode_body{}, body);
}

void sync_body(sync_method method, std::string_view json) {
  auto body = protocol::decode_sync_body(method, json);
  if (!body)
    return;
  const auto first = encoded(*body);
  auto again = protocol::decode_sync_body(method, first);
  FUZZ_CHECK(again);
  FUZZ_CHECK(again->index() == body->index());
  FUZZ_CHECK(fuzz::same_json(encoded(*again), first));
}

void media_body(std::size_t which, std::string_view json) {
  switch (which) {
  case 0:
    if (auto cv = protocol::decode_media_begin(json)) {
      auto again = protocol::decode_media_begin(protocol::encode_media_begin(*cv));
      FUZZ_CHECK(again && *again == *cv);
    }
    break;
  case 1:
    if (auto usn = protocol::decode_media_changes(json)) {
      auto again = protocol::decode_media_changes(protocol::encode_media_changes(*usn));
      FUZZ_CHECK(again && *again == *usn);
    }
    break;
  case 2:
    if (auto names = protocol::decode_download_files(json)) {
      auto again = protocol::decode_download_files(protocol::encode_download_files(*names));
      FUZZ_CHECK(again && *again == *names);
    }
    break;
  default:
    if (auto count = protocol::decode_media_sanity(json)) {
      auto again = protocol::decode_media_sanity(protocol::encode_media_sanity(*count));
      FUZZ_CHECK(again && *again == *count);
    }
    break;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  const std::size_t which = data[0] % (sync_count + media_count);
  const auto json = fuzz::as_text(data + 1, size - 1);
  if (which < sync_count)
    sync_body(sync_methods[which], json);
  else
    media_body(which - sync_count, json);
  return 0;
}
