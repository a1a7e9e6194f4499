#pragma once

// Private to protocol/*.cpp: building compact JSON text directly, the way
// serde_json writes it (no spaces, integers as integers), for encoders
// that splice in JSON they already hold as text (notetypes, decks, config
// values) and for the large chunk replies. Never include from a public
// header.

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace ankisync::protocol::detail {

// A JSON string literal: quotes, and escapes for '"', '\\' and control
// characters (\b \f \n \r \t, else \u00xx), as serde_json does. Other
// bytes, UTF-8 included, are copied.
void append_string(std::string& out, std::string_view s);
void append_int(std::string& out, std::int64_t n);
void append_uint(std::string& out, std::uint64_t n);
void append_bool(std::string& out, bool b);
// `"key":`
void append_key(std::string& out, std::string_view key);

// Writes `v` compactly, keeping object key order. Floats are written in
// their shortest round-trip form and always look like floats ("2500.0",
// not "2500"), so an integer stays an integer and a float a float.
// Returns false when `v` holds a non-finite float (Boost parses 1e400 as
// infinity; serde_json refuses it), writing null in its place.
bool write_compact(std::string& out, const boost::json::value& v);

} // namespace ankisync::protocol::detail
