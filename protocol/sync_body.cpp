#include "protocol/sync_body.hpp"

namespace ankisync::protocol {

namespace {

// Lifts a phase decoder's result into the variant.
template <typename T>
std::expected<request_body, sync_error> lift(std::expected<T, sync_error>&& r) {
  if (!r) return std::unexpected(std::move(r.error()));
  return request_body(std::move(*r));
}

// An argument-less method: the payload must be {}.
template <typename T>
std::expected<request_body, sync_error> no_args(std::string_view payload) {
  if (auto r = decode_empty_request(T::method, payload); !r)
    return std::unexpected(std::move(r.error()));
  return request_body(T{});
}

} // namespace

std::expected<request_body, sync_error> decode_sync_body(sync_method method,
                                                         std::string_view payload) {
  switch (method) {
    case sync_method::host_key: return lift(decode_host_key_request(payload));
    case sync_method::meta: return lift(decode_meta_request(payload));
    case sync_method::start: return lift(decode_start_request(payload));
    case sync_method::apply_graves: return lift(decode_apply_graves_request(payload));
    case sync_method::apply_changes: return lift(decode_apply_changes_request(payload));
    case sync_method::apply_chunk: return lift(decode_apply_chunk_request(payload));
    case sync_method::sanity_check: return lift(decode_sanity_request(payload));
    case sync_method::chunk: return no_args<chunk_request>(payload);
    case sync_method::finish: return no_args<finish_request>(payload);
    case sync_method::abort: return no_args<abort_request>(payload);
    case sync_method::download: return no_args<download_request>(payload);
    case sync_method::upload: return request_body(upload_request{});
  }
  // Out-of-range enum values only.
  return std::unexpected(make_error(error_code::bad_request, "unknown sync method"));
}

} // namespace ankisync::protocol
