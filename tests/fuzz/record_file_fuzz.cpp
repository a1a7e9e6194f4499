// Session recordings (.ankirec) read back by tools/replay: length-prefixed
// protobuf records, possibly cut short by a kill. What reads, written
// again, reads as the same records, not truncated.
#include <google/protobuf/util/message_differencer.h>

#include "actors/recording/record_file.hpp"
#include "fuzz_support.hpp"

using namespace ankisync;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = fuzz::scratch_dir() / "input.ankirec";
  fuzz::write_file(file, fuzz::as_text(data, size));
  auto stream = actors::recording::read_records(file);
  if (!stream)
    return 0;
  const auto again_file = fuzz::scratch_dir() / "again.ankirec";
  FUZZ_CHECK(actors::recording::write_records(again_file, stream->records));
  auto again = actors::recording::read_records(again_file);
  FUZZ_CHECK(again && !again->truncated && again->records.size() == stream->records.size());
  for (std::size_t i = 0; i < again->records.size(); ++i)
    FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(again->records[i],
                                                                  stream->records[i]));
  std::error_code ignored;
  std::filesystem::remove(again_file, ignored);
  return 0;
}
