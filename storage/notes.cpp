// Notes, stored the way Anki's sync stores them.

#include "storage/collection.hpp"
#include "storage/collection_connection.hpp"
#include "storage/html_text.hpp"
#include "storage/note_fields.hpp"

#include <algorithm>

namespace ankisync::storage {

result<std::optional<note_row>> collection::get_note(std::int64_t id) {
  return guarded([&]() -> result<std::optional<note_row>> {
    // sfld has integer affinity: numeric sort fields come back as numbers.
    auto stmt = c_->stmts.get(
        "select id, guid, mid, mod, usn, tags, flds, cast(sfld as text), csum, flags, data"
        " from notes where id = ?");
    if (!stmt) return error_of(stmt);
    if (auto r = stmt->bind(1, id); !r) return error_of(r);
    auto row = stmt->step();
    if (!row) return error_of(row);
    if (!*row) return std::optional<note_row>();
    note_row n;
    n.id = stmt->int64(0);
    n.guid = stmt->text(1);
    n.mid = stmt->int64(2);
    n.mod = stmt->int64(3);
    n.usn = static_cast<std::int32_t>(stmt->int64(4));
    n.tags = stmt->text(5);
    n.flds = stmt->text(6);
    n.sfld = stmt->text(7);
    n.csum = static_cast<std::uint32_t>(stmt->int64(8));
    n.flags = stmt->int64(9);
    n.data = stmt->text(10);
    return std::optional<note_row>(std::move(n));
  });
}

result<std::optional<row_stamp>> collection::note_stamp(std::int64_t id) {
  return guarded([&]() -> result<std::optional<row_stamp>> {
    return read_stamp(c_->stmts, "select mod, usn from notes where id = ?", id);
  });
}

namespace {

// The row as Anki's sync stores `note` (see put_note), or invalid when its
// field count does not match the notetype.
result<note_row> normalised_note(const note_row& note, const note_shape& shape) {
  std::vector<std::string> fields = split_fields(note.flds);
  const std::size_t expected = std::max<std::size_t>(1, shape.field_count);
  if (fields.size() != expected)
    return fail(storage_errc::invalid, "note " + std::to_string(note.id) + " has " +
                                           std::to_string(fields.size()) + " fields, expected " +
                                           std::to_string(expected));
  for (auto& field : fields) field = strip_control_chars(field);

  note_row stored = note;
  stored.flds = join_fields(fields);
  std::string first = strip_html_preserving_media_filenames(fields[0]);
  stored.csum = checksum_of_stripped(first);
  stored.sfld = shape.sort_idx == 0 ? std::move(first) : compute_sort_field(fields, shape.sort_idx);
  stored.tags = join_note_tags(split_note_tags(note.tags));
  stored.flags = 0;
  stored.data.clear();
  return stored;
}

constexpr std::string_view note_columns =
    " into notes (id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data)"
    " values (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')";

template <class... Extra>
result<void> write_note(stmt_cache& stmts, const std::string& sql, const note_row& n,
                        const Extra&... extra) {
  return exec_cached(stmts, sql, n.id, n.guid, n.mid, n.mod, n.usn, n.tags, n.flds, n.sfld,
                     std::int64_t{n.csum}, extra...);
}

} // namespace

result<note_row> collection::put_note(const note_row& note, const note_shape& shape) {
  return guarded([&]() -> result<note_row> {
    auto stored = normalised_note(note, shape);
    if (!stored) return stored;
    static const std::string replace = "insert or replace" + std::string(note_columns);
    if (auto r = write_note(c_->stmts, replace, *stored); !r)
      return error_of(r);
    return stored;
  });
}

result<void> collection::merge_note(const note_row& note, const note_shape& shape,
                                    merge_rule rule) {
  return guarded([&]() -> result<void> {
    auto stored = normalised_note(note, shape);
    if (!stored) {
      // Only a note that would be written must be well-formed.
      auto existing = note_stamp(note.id);
      if (!existing) return error_of(existing);
      if (stored_row_wins(*existing, note.mod, rule)) return {};
      return error_of(stored);
    }
    // As merge_card: the stored row is compared inside the statement.
    static const std::string sql =
        "insert" + std::string(note_columns) +
        " on conflict (id) do update set guid = excluded.guid, mid = excluded.mid,"
        " mod = excluded.mod, usn = excluded.usn, tags = excluded.tags, flds = excluded.flds,"
        " sfld = excluded.sfld, csum = excluded.csum, flags = 0, data = '' where " +
        incoming_wins_sql("notes.mod", "notes.usn", "excluded.mod", 10, 11);
    return write_note(c_->stmts, sql, *stored, rule.min_usn, rule.ties_to_incoming ? 1 : 0);
  });
}

} // namespace ankisync::storage
