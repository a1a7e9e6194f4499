#include "actors/recording/record_file.hpp"

#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/util/delimited_message_util.h>

#include "storage/private_files.hpp"

namespace ankisync::actors::recording {

std::expected<record_writer, std::string> record_writer::create(const std::filesystem::path& file) {
  // Made 0600 first, whatever the umask: a recording holds a user's notes.
  if (auto ec = storage::write_private_file(file, {})) {
    if (ec == std::errc::file_exists)
      return std::unexpected(file.string() + " already exists");
    return std::unexpected("cannot create " + file.string() + ": " + ec.message());
  }
  std::ofstream out(file, std::ios::binary | std::ios::app);
  if (!out)
    return std::unexpected("cannot create " + file.string());
  return record_writer(file, std::move(out));
}

std::expected<void, std::string> record_writer::append(const pb::Record& record) {
  if (!google::protobuf::util::SerializeDelimitedToOstream(record, &out_))
    return std::unexpected("cannot write to " + file_.string());
  out_.flush();
  if (!out_)
    return std::unexpected("cannot write to " + file_.string());
  return {};
}

std::expected<record_stream, std::string> read_records(const std::filesystem::path& file) {
  // A folder opens as a stream on Linux and only fails at its size: ask
  // first, without exceptions, so every bad path is one error value.
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (ec || !std::filesystem::exists(status))
    return std::unexpected(file.string() + ": no such file");
  if (!std::filesystem::is_regular_file(status))
    return std::unexpected(file.string() + ": not a recording file");
  const auto size = std::filesystem::file_size(file, ec);
  std::ifstream in(file, std::ios::binary);
  if (ec || !in)
    return std::unexpected("cannot open " + file.string());
  google::protobuf::io::IstreamInputStream raw(&in);
  record_stream out;
  for (;;) {
    pb::Record r;
    bool clean_eof = false;
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&r, &raw, &clean_eof)) {
      if (clean_eof)
        break;
      // A record cut short by a kill is the expected way for a stream to
      // end early; garbage in the middle is not.
      if (raw.ByteCount() >= static_cast<std::int64_t>(size)) {
        out.truncated = true;
        break;
      }
      return std::unexpected(file.string() + ": record " + std::to_string(out.records.size() + 1) +
                             " does not parse");
    }
    out.records.push_back(std::move(r));
  }
  return out;
}

std::expected<void, std::string> write_records(const std::filesystem::path& file,
                                               const std::vector<pb::Record>& records) {
  std::error_code ec;
  std::filesystem::remove(file, ec);
  auto writer = record_writer::create(file);
  if (!writer)
    return std::unexpected(writer.error());
  for (const auto& r : records)
    if (auto ok = writer->append(r); !ok)
      return ok;
  return {};
}

std::expected<std::filesystem::path, std::string>
copy_recording(const std::filesystem::path& file, const std::filesystem::path& dest_dir,
               const std::string& stem) {
  namespace fs = std::filesystem;
  auto stream = read_records(file);
  if (!stream)
    return std::unexpected(stream.error());
  const auto old_stem = file.stem().string();
  const auto base = file.parent_path();
  std::error_code ec;
  fs::create_directories(dest_dir, ec);
  for (const char* suffix : {".start", ".bodies"}) {
    const auto from = base / (old_stem + suffix);
    const auto to = dest_dir / (stem + suffix);
    fs::remove_all(to, ec);
    if (fs::exists(from, ec))
      fs::copy(from, to, fs::copy_options::recursive, ec);
    if (ec)
      return std::unexpected("copying " + from.string() + ": " + ec.message());
  }
  auto renamed = [&](const std::string& ref) {
    return ref.starts_with(old_stem + ".") ? stem + ref.substr(old_stem.size()) : ref;
  };
  for (auto& r : stream->records) {
    if (r.has_header())
      r.mutable_header()->set_start_state(renamed(r.header().start_state()));
    else if (r.has_request()) {
      auto* q = r.mutable_request();
      if (!q->payload().side_file().empty())
        q->mutable_payload()->set_side_file(renamed(q->payload().side_file()));
      if (q->has_wire() && !q->wire().side_file().empty())
        q->mutable_wire()->set_side_file(renamed(q->wire().side_file()));
    } else if (r.has_response() && !r.response().body().side_file().empty())
      r.mutable_response()->mutable_body()->set_side_file(renamed(r.response().body().side_file()));
  }
  const auto out = dest_dir / (stem + record_extension);
  if (auto w = write_records(out, stream->records); !w)
    return std::unexpected(w.error());
  return out;
}

} // namespace ankisync::actors::recording
