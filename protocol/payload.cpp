#include "protocol/payload.hpp"

#include <algorithm>
#include <string>

#include "protocol/body_reader.hpp"
#include "protocol/gzip_codec.hpp"
#include "protocol/zstd_codec.hpp"

namespace ankisync::protocol {
namespace {

// Every method's size class, the one place that says it. An upstream
// client sends its rows in chunks and everything else as a few fields;
// only a full upload and a media zip may be as large as the payload limit.
template <class Method>
struct method_cap {
  Method method;
  payload_class size;
};
constexpr method_cap<sync_method> sync_caps[] = {
    {sync_method::host_key, payload_class::tiny},
    {sync_method::meta, payload_class::tiny},
    {sync_method::start, payload_class::data}, // older clients send their graves in it
    {sync_method::apply_graves, payload_class::data},
    {sync_method::apply_changes, payload_class::data},
    {sync_method::chunk, payload_class::tiny},
    {sync_method::apply_chunk, payload_class::data},
    {sync_method::sanity_check, payload_class::tiny},
    {sync_method::finish, payload_class::tiny},
    {sync_method::abort, payload_class::tiny},
    {sync_method::upload, payload_class::upload},
    {sync_method::download, payload_class::tiny},
};
constexpr method_cap<media_method> media_caps[] = {
    {media_method::begin, payload_class::tiny},
    {media_method::media_changes, payload_class::tiny},
    {media_method::upload_changes, payload_class::upload},
    {media_method::download_files, payload_class::names},
    {media_method::media_sanity, payload_class::tiny},
};

template <class Table, class Method>
payload_class lookup(const Table& table, Method m) {
  auto it = std::find_if(std::begin(table), std::end(table),
                         [m](const auto& e) { return e.method == m; });
  // Not reachable for a method parse_*_method knows; the smallest class
  // is the safe answer for one added without a line here.
  return it == std::end(table) ? payload_class::tiny : it->size;
}

std::string describe(std::uint64_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0)
    return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0)
    return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

// A raw legacy `data` part, read back up to `limit` bytes.
std::expected<std::string, sync_error> read_raw(const body_source& body, std::uint64_t limit) {
  if (body.file.empty())
    return body.bytes.substr(0, limit);
  auto in = body_reader::open(body.bytes, body.file);
  if (!in)
    return std::unexpected(in.error());
  std::string out;
  while (out.size() < limit) {
    auto piece = in->next();
    if (!piece)
      return std::unexpected(piece.error());
    if (piece->empty())
      break;
    out.append(piece->substr(0, limit - out.size()));
  }
  return out;
}

std::expected<std::string, sync_error> decompress(const body_source& body, body_encoding encoding,
                                                  std::uint64_t limit) {
  switch (encoding) {
  case body_encoding::zstd:
    return body.file.empty() ? zstd_decompress(body.bytes, limit)
                             : zstd_decompress_file(body.file, limit);
  case body_encoding::gzip:
    return body.file.empty() ? gzip_decompress(body.bytes, limit)
                             : gzip_decompress_file(body.file, limit);
  case body_encoding::raw:
    break;
  }
  return read_raw(body, limit);
}

std::string method_path(const sync_request& req) {
  return req.family == request_family::sync ? "/sync/" + std::string(to_string(req.method))
                                            : "/msync/" + std::string(to_string(req.media));
}

} // namespace

payload_class payload_class_of(const sync_request& req) {
  return req.family == request_family::sync ? lookup(sync_caps, req.method)
                                            : lookup(media_caps, req.media);
}

std::uint64_t payload_cap(const sync_request& req, const envelope_limits& limits) {
  switch (payload_class_of(req)) {
  case payload_class::tiny:
    return std::min(tiny_payload_bytes, limits.max_uncompressed);
  case payload_class::names:
    return std::min(names_payload_bytes, limits.max_uncompressed);
  case payload_class::data:
    return std::min(limits.max_data, limits.max_uncompressed);
  case payload_class::upload:
    break;
  }
  return limits.max_uncompressed;
}

std::expected<void, sync_error> decode_payload(sync_request& req, const envelope_limits& limits) {
  if (!req.payload_pending)
    return {};
  req.payload_pending = false;
  // A legacy request without a `data` part, or a media begin whose `v`
  // field is its body, came with its payload already; it is held to the
  // same cap (a `v` field may be up to a multipart text field's 64 KiB).
  if (!keeps_body_undecoded(req)) {
    const auto cap = payload_cap(req, limits);
    const bool prefilled = !req.payload.empty();
    if (!prefilled) {
      // One byte past the cap tells a body at the cap from a larger one.
      auto payload = decompress(req.wire_body, req.wire_encoding, cap + 1);
      if (!payload)
        return std::unexpected(payload.error());
      req.payload = std::move(*payload);
    }
    if (req.payload.size() > cap)
      return std::unexpected(make_error(
          error_code::payload_too_large,
          "the body of " + method_path(req) + (prefilled ? " is" : " decompresses to") +
              " more than " + describe(cap) +
              (payload_class_of(req) == payload_class::data ? " (payload.max_json_megs)" : "")));
  }
  if (req.family != request_family::sync)
    return {};
  auto typed = decode_sync_body(req.method, req.payload);
  if (!typed)
    return std::unexpected(std::move(typed.error()));
  req.body = std::move(*typed);
  return {};
}

} // namespace ankisync::protocol
