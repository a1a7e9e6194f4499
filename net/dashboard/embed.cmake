# Writes SOURCE (the dashboard page) into OUTPUT as a C++ string, so the
# page is part of the binary and the server serves it with nothing to
# find on disk. Run at build time: editing the page rebuilds it.
file(READ "${SOURCE}" page)
string(FIND "${page}" ")ankisync_page\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${SOURCE} contains the raw string's delimiter")
endif()
file(WRITE "${OUTPUT}.new" "// Generated from net/dashboard/dashboard.html; do not edit.\n"
  "#include \"net/dashboard_page.hpp\"\n\n"
  "namespace ankisync::net {\n\n"
  "std::string_view dashboard_page() {\n"
  "  static constexpr char page[] = R\"ankisync_page(${page})ankisync_page\";\n"
  "  return {page, sizeof page - 1};\n"
  "}\n\n"
  "} // namespace ankisync::net\n")
file(COPY_FILE "${OUTPUT}.new" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.new")
