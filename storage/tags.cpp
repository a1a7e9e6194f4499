// The tag list (names the browser shows; note rows carry their own tags).

#include "storage/collection.hpp"
#include "storage/collection_connection.hpp"
#include "storage/tag_names.hpp"

namespace ankisync::storage {

namespace {

// The stored name of the tag equal to `name` under unicase, if any. The
// column's collation makes `=` case-insensitive.
result<std::optional<std::string>> stored_tag(stmt_cache& stmts, std::string_view name) {
  auto stmt = stmts.get("select tag from tags where tag = ?");
  if (!stmt) return error_of(stmt);
  if (auto r = stmt->bind_text(1, name); !r) return error_of(r);
  auto row = stmt->step();
  if (!row) return error_of(row);
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(stmt->text(0));
}

std::vector<std::string_view> components(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t at = s.find("::", start);
    out.push_back(s.substr(start, at - start));
    if (at == std::string_view::npos) return out;
    start = at + 2;
  }
}

// A new tag adopts the case of its nearest existing ancestor, so
// "Parent::child" joins "parent" rather than starting a second tree.
result<std::string> with_parent_case(stmt_cache& stmts, const std::string& name) {
  std::string_view probe = name;
  while (auto parent = parent_tag_name(probe)) {
    auto stored = stored_tag(stmts, *parent);
    if (!stored) return error_of(stored);
    if (*stored) {
      // The stored parent replaces as many leading components as it has.
      auto parts = components(name);
      std::string out = **stored;
      for (std::size_t i = components(**stored).size(); i < parts.size(); ++i) {
        out += "::";
        out += parts[i];
      }
      return out;
    }
    probe = *parent;
  }
  return name;
}

} // namespace

result<std::vector<std::string>> collection::pending_tags(std::int32_t min_usn) {
  return guarded([&]() -> result<std::vector<std::string>> {
    auto stmt =
        c_->stmts.get("select tag from tags where " + std::string(pending_clause(min_usn)));
    if (!stmt) return error_of(stmt);
    if (auto r = stmt->bind(1, min_usn); !r) return error_of(r);
    std::vector<std::string> out;
    while (true) {
      auto row = stmt->step();
      if (!row) return error_of(row);
      if (!*row) return out;
      out.push_back(stmt->text(0));
    }
  });
}

result<std::vector<std::string>> collection::all_tags() {
  return guarded([&]() -> result<std::vector<std::string>> {
    auto stmt = c_->stmts.get("select tag from tags order by tag");
    if (!stmt) return error_of(stmt);
    std::vector<std::string> out;
    while (true) {
      auto row = stmt->step();
      if (!row) return error_of(row);
      if (!*row) return out;
      out.push_back(stmt->text(0));
    }
  });
}

result<registered_tag> collection::register_tag(std::string_view name, std::int32_t usn) {
  return guarded([&]() -> result<registered_tag> {
    std::string normalized = normalize_tag_name(name);
    auto existing = stored_tag(c_->stmts, normalized);
    if (!existing) return error_of(existing);
    if (*existing) return registered_tag{std::move(**existing), false};

    auto adjusted = with_parent_case(c_->stmts, normalized);
    if (!adjusted) return error_of(adjusted);
    // New tags start collapsed in the browser, as upstream registers them.
    auto r = c_->layout.tags_have_collapsed
                 ? exec_cached(c_->stmts,
                               "insert or replace into tags (tag, usn, collapsed) values (?, ?, 1)",
                               *adjusted, usn)
                 : exec_cached(c_->stmts, "insert or replace into tags (tag, usn) values (?, ?)",
                               *adjusted, usn);
    if (!r) return error_of(r);
    return registered_tag{std::move(*adjusted), true};
  });
}

} // namespace ankisync::storage
