#pragma once

// Bodies of the argument-less methods (chunk, finish, abort, download) and
// the reply of the result-less ones (applyGraves, applyChunk, abort).

#include <expected>
#include <string>
#include <string_view>

#include "protocol/methods.hpp"
#include "protocol/sync_error.hpp"

namespace ankisync::protocol {

// The request body `{}`. Upstream parses it with deny_unknown_fields, so
// any key is a bad request, and so is an empty payload (it is not `{}`).
// (A legacy multipart request without a `data` field counts as `{}`; the
// legacy envelope substitutes that before decoding.)
struct empty_request {
  friend bool operator==(const empty_request&, const empty_request&) = default;
};

// The argument-less methods, a type each, so that a request's typed body
// alone says which method it is: the actors dispatch with std::visit, and
// a method without a handler does not compile.
template <sync_method Method>
struct no_args_request {
  static constexpr sync_method method = Method;
  friend bool operator==(const no_args_request&, const no_args_request&) = default;
};
using chunk_request = no_args_request<sync_method::chunk>;
using finish_request = no_args_request<sync_method::finish>;
using abort_request = no_args_request<sync_method::abort>;
using download_request = no_args_request<sync_method::download>;
// /sync/upload: its body, the collection file, is never parsed; it stays
// compressed in sync_request::upload_body.
using upload_request = no_args_request<sync_method::upload>;

// `method` only names the body in the error message.
std::expected<empty_request, sync_error> decode_empty_request(sync_method method,
                                                              std::string_view json);
std::string encode_empty_request(); // "{}"

// Methods without a result answer the JSON `null`.
std::string encode_null_response(); // "null"
// Client side: the reply must be `null` (surrounding whitespace allowed).
std::expected<void, sync_error> decode_null_response(sync_method method, std::string_view json);

} // namespace ankisync::protocol
