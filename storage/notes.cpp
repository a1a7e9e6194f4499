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

result<note_row> collection::put_note(const note_row& note, const note_shape& shape,
                                      write_mode mode) {
  return guarded([&]() -> result<note_row> {
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

    // As put_card: no statement journal for a new id.
    static const std::string insert =
        "insert into notes (id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data)"
        " values (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')";
    static const std::string replace = "insert or replace" + insert.substr(6);
    const std::string& sql = mode == write_mode::insert_new ? insert : replace;
    auto r = exec_cached(c_->stmts, sql, stored.id, stored.guid, stored.mid, stored.mod,
                         stored.usn, stored.tags, stored.flds, stored.sfld, std::int64_t{stored.csum});
    if (!r) return error_of(r);
    return stored;
  });
}

} // namespace ankisync::storage
