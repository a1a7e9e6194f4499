// The single `col` row.

#include "storage/collection.hpp"
#include "storage/collection_connection.hpp"

namespace ankisync::storage {

result<col_row> collection::read_col() {
  return guarded([&]() -> result<col_row> {
    auto stmt = c_->stmts.get("select crt, mod, scm, ver, usn, ls from col");
    if (!stmt) return error_of(stmt);
    auto row = stmt->step();
    if (!row) return error_of(row);
    if (!*row) return fail(storage_errc::corrupt, "collection has no col row");
    col_row col;
    col.crt = stmt->int64(0);
    col.mod = stmt->int64(1);
    col.scm = stmt->int64(2);
    col.ver = stmt->int64(3);
    col.usn = static_cast<std::int32_t>(stmt->int64(4));
    col.ls = stmt->int64(5);
    return col;
  });
}

result<void> collection::set_usn(std::int32_t usn) {
  return guarded([&] { return exec_cached(c_->stmts, "update col set usn = ?", usn); });
}

result<void> collection::set_mod(std::int64_t mod_ms) {
  return guarded([&] { return exec_cached(c_->stmts, "update col set mod = ?", mod_ms); });
}

result<void> collection::set_ls(std::int64_t ls_ms) {
  return guarded([&] { return exec_cached(c_->stmts, "update col set ls = ?", ls_ms); });
}

result<void> collection::set_crt(std::int64_t crt_secs) {
  return guarded([&] { return exec_cached(c_->stmts, "update col set crt = ?", crt_secs); });
}

result<void> collection::set_scm(std::int64_t scm_ms) {
  return guarded([&] { return exec_cached(c_->stmts, "update col set scm = ?", scm_ms); });
}

} // namespace ankisync::storage
