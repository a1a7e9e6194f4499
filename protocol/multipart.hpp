#pragma once

// multipart/form-data (RFC 7578 on RFC 2046) as legacy sync clients send
// it: text fields (`c`, `k`, `sk`, `s`, `v`) and one possibly large file
// part (`data`). The body is read in pieces, from memory or from net/'s
// temp file, so a 100 MB `data` part never sits in memory: past a
// threshold it is copied to a file of its own.
//
// Accepted shape: an optional preamble; parts separated by CRLF "--"
// boundary, each delimiter line possibly padded with spaces or tabs; part
// headers ending in CRLF (a bare LF is tolerated) and an empty line; the
// close delimiter "--" boundary "--", then an ignored epilogue. The first
// delimiter may start the body. Parts without a `name` in their
// Content-Disposition are ignored.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/body_source.hpp"
#include "protocol/sync_error.hpp"

namespace ankisync::protocol {

// The boundary of a `multipart/form-data; boundary=...` Content-Type
// (quoted or not; type and parameter names case-insensitive), or nullopt
// when the header is anything else or the boundary is missing, empty or
// longer than 200 characters.
std::optional<std::string> multipart_boundary(std::string_view content_type);

struct multipart_options {
  // Parts kept as text, by name; every other part except `file_part` is
  // skipped without being stored.
  std::vector<std::string> text_fields;
  // A text field longer than this is an error.
  std::size_t max_text_bytes = 64 * 1024;
  // The one part that may be large (legacy sync: "data").
  std::string file_part = "data";
  // When the body is a file, a file part larger than this is copied to a
  // file of its own (see multipart_form::file) instead of memory. A body
  // in memory keeps its file part in memory.
  std::uint64_t max_file_part_in_memory = 1ull << 20;
  // Folder for that file; empty: the folder of the body file.
  std::string spill_dir;
  // Longest header block of one part.
  std::size_t max_part_header_bytes = 16 * 1024;
};

struct multipart_form {
  // The text fields found, in body order (a name may repeat: the last one
  // counts, see text()).
  std::vector<std::pair<std::string, std::string>> fields;
  // The file part, if there was one (the last one, if repeated): its bytes
  // in memory, or `file` set to a file of its own whose `owner` removes it
  // when the last copy of this body_source dies.
  std::optional<body_source> file;
  std::string file_name; // its Content-Disposition filename, if any

  // The last value of field `name`, or nullptr.
  const std::string* text(std::string_view name) const;
};

// Parses `body` as multipart/form-data with the boundary of `content_type`.
// Errors (all bad_request, except I/O on our own files: server_error):
//   "multipart"                  the Content-Type is not multipart/form-data
//                                with a boundary (upstream's words)
//   "invalid multipart: <why>"   the body breaks the format (no delimiter,
//                                body ends inside a part or its headers,
//                                garbage after a delimiter, headers or a
//                                text field too large)
std::expected<multipart_form, sync_error> parse_multipart(std::string_view content_type,
                                                          const body_source& body,
                                                          const multipart_options& options);

// The same with the boundary given directly.
std::expected<multipart_form, sync_error> parse_multipart_with_boundary(
    std::string_view boundary, const body_source& body, const multipart_options& options);

// Builds a multipart/form-data body (for clients and tests): text fields
// in order, then, when `file_part` is set, a part named `file_part_name`
// with filename "data" and type application/octet-stream. CRLF line ends,
// as legacy Anki wrote them.
std::string build_multipart(std::string_view boundary,
                            const std::vector<std::pair<std::string, std::string>>& text_fields,
                            const std::optional<std::string>& file_part,
                            std::string_view file_part_name = "data");

} // namespace ankisync::protocol
