#pragma once

#include <vector>

#include "storage/notetype_row.hpp"

namespace ankisync::storage {

// The six notetypes a new collection starts with, in upstream's order and
// with its English names and templates: Basic, Basic (and reversed card),
// Basic (optional reversed card), Basic (type in the answer), Cloze, Image
// Occlusion. Ids are 0 (the caller assigns them), mtime and usn 0, card
// requirements filled in as upstream computes them, and every field and
// template gets a random id as upstream's do.
std::vector<notetype_row> stock_notetypes();

} // namespace ankisync::storage
