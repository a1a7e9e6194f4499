#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "notetypes.pb.h"

namespace ankisync::storage {

// One row of `fields`; `ord` is the 0-based position in the notetype.
struct notetype_field_row {
  std::uint32_t ord = 0;
  std::string name;
  pb::NotetypeFieldConfig config;
};

// One row of `templates`.
struct notetype_template_row {
  std::uint32_t ord = 0;
  std::string name;
  std::int64_t mtime_secs = 0;
  std::int32_t usn = 0;
  pb::NotetypeTemplateConfig config;
};

// A `notetypes` row with its fields and templates (ordered by ord).
struct notetype_row {
  std::int64_t id = 0;
  std::string name;
  std::int64_t mtime_secs = 0;
  std::int32_t usn = 0;
  pb::NotetypeConfig config;
  std::vector<notetype_field_row> fields;
  std::vector<notetype_template_row> templates;
};

} // namespace ankisync::storage
