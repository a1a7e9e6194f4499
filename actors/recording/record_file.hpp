#pragma once

// Reading and writing recording files (docs/replay.md): length-delimited
// Record messages, appended one at a time. Includes the generated
// protobuf header, so only the recorder and the replay tool include this.

#include <cstdint>
#include <expected>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sync_record.pb.h"

namespace ankisync::actors::recording {

// Persisted in every header: bump when a reader of the old format would
// misread the new one. 2: request bodies as they arrived on the wire
// (Request.wire), no longer decoded into Request.payload.
inline constexpr std::uint32_t record_format_version = 2;

// Recording files end in this; the start state and side files sit next to
// them under the same stem.
inline constexpr const char* record_extension = ".ankirec";

// Appends records to a new file. Each record is flushed as it is written,
// so a server killed mid-stream leaves every finished record readable.
class record_writer {
public:
  // Error: the file exists or cannot be created (a sentence).
  static std::expected<record_writer, std::string> create(const std::filesystem::path& file);

  std::expected<void, std::string> append(const pb::Record& record);
  const std::filesystem::path& file() const { return file_; }

private:
  explicit record_writer(std::filesystem::path file, std::ofstream out)
      : file_(std::move(file)), out_(std::move(out)) {}
  std::filesystem::path file_;
  std::ofstream out_;
};

struct record_stream {
  std::vector<pb::Record> records;
  // The file ended inside a record (the writer was killed); `records`
  // holds every complete one before it.
  bool truncated = false;
};

// Error: the file cannot be opened, or a record does not parse.
std::expected<record_stream, std::string> read_records(const std::filesystem::path& file);

// Writes a whole stream to a new file (replacing it), for tools and tests.
std::expected<void, std::string> write_records(const std::filesystem::path& file,
                                               const std::vector<pb::Record>& records);

// Copies a recording with its starting state and side files to
// <dest_dir>/<stem>.ankirec (+ .start/, .bodies/), renaming the references
// inside it. Error: something cannot be read or written (a sentence).
std::expected<std::filesystem::path, std::string>
copy_recording(const std::filesystem::path& file, const std::filesystem::path& dest_dir,
               const std::string& stem);

} // namespace ankisync::actors::recording
