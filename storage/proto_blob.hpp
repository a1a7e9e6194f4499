#pragma once

// Protobuf messages in Anki's blob columns (collection-schema.md 5.4, 6).

#include <string>
#include <string_view>

#include "storage/sqlite_stmt.hpp"
#include "storage/storage_error.hpp"

namespace ankisync::storage {

// Decodes column `column` of the current row. Upstream refuses a TEXT value
// where a blob belongs, so that is `corrupt` here too, as is a message that
// does not parse. Unknown fields are kept by the C++ runtime and written
// back by encode_blob, so fields newer than ours survive a rewrite.
template <class Message>
result<Message> decode_blob(const sqlite_stmt& s, int column, std::string_view what) {
  auto bytes = s.blob(column);
  if (!bytes) return fail(storage_errc::corrupt, std::string(what) + ": not a blob");
  Message m;
  if (!m.ParseFromString(*bytes))
    return fail(storage_errc::corrupt, std::string(what) + ": bad protobuf");
  return m;
}

// The bytes to bind with sqlite_stmt::bind_blob; an all-default message is
// zero bytes, which bind_blob keeps a zero-length blob (not NULL).
template <class Message>
result<std::string> encode_blob(const Message& m, std::string_view what) {
  std::string out;
  if (!m.SerializeToString(&out))
    return fail(storage_errc::invalid, std::string(what) + ": cannot encode");
  return out;
}

} // namespace ankisync::storage
