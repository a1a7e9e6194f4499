#pragma once

#include <string>
#include <string_view>

namespace ankisync::storage {

// Anki's HTML-to-text rules that end up on disk (notes.sfld, notes.csum),
// reproduced match for match: Anki's regexes are evaluated by the Rust
// regex crate (leftmost-first, Unicode `\b`, verbose mode ignoring spaces
// even inside [...]) and entities by the htmlescape 0.3.1 crate.

// Decodes HTML 4.01 named entities and &#NN; / &#xHH; references. As
// htmlescape does, any malformed or unknown reference anywhere (a bare
// "&" followed by no ";", "&apos;", "&#X41;") makes the whole text come
// back unchanged; after a successful decode every U+00A0 becomes a space.
std::string decode_entities(std::string_view html);

// Removes comments, <style>/<script> elements with their content and every
// other tag, then decodes entities.
std::string strip_html(std::string_view html);

// Like strip_html, but an <img>/<audio>/<video>/<object>/<source> tag with
// a src or data attribute first becomes " filename " so media names stay
// searchable. This is what Anki stores as the sort field.
std::string strip_html_preserving_media_filenames(std::string_view html);

} // namespace ankisync::storage
