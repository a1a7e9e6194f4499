#include "actors/sync/full_sync_phases.hpp"

#include "actors/sync/row_convert.hpp"

#include <spdlog/spdlog.h>

#include <system_error>

#include "protocol/body_file.hpp"
#include "protocol/printable.hpp"
#include "protocol/zstd_file.hpp"
#include "storage/full_sync.hpp"
#include "storage/schema_downgrade.hpp"

namespace ankisync::actors::sync {
namespace {

using protocol::error_code;

void remove_file(const std::filesystem::path& p) {
  std::error_code ignored;
  std::filesystem::remove(p, ignored);
}

std::unexpected<protocol::sync_error> failed(std::string message) {
  return std::unexpected(protocol::make_error(error_code::server_error, std::move(message)));
}

} // namespace

std::expected<checked_upload, protocol::sync_error> check_upload(const upload_job& job) {
  auto decoded = protocol::decode_body_to_file(job.encoding, job.body.bytes, job.body.file,
                                               job.temp.string(), job.limit);
  if (!decoded) {
    remove_file(job.temp);
    if (decoded.error().code == error_code::insufficient_storage) {
      spdlog::error("full upload not stored: {}", protocol::printable(decoded.error().message));
      return checked_upload{upload_verdict::disk_full, 0};
    }
    return std::unexpected(decoded.error());
  }
  checked_upload out{upload_verdict::accepted, decoded->size};
  if (decoded->hit_limit || decoded->size >= job.limit)
    out.verdict = upload_verdict::too_large;
  else if (job.quota_bytes > 0 && decoded->size > job.quota_bytes) {
    spdlog::info("full upload of {} bytes refused: over the quota of {} bytes", decoded->size,
                 job.quota_bytes);
    out.verdict = upload_verdict::over_quota;
  } else if (auto valid = storage::validate_uploaded_collection(job.temp); !valid) {
    // Reading our own temp file back can fail on our disk: that is no
    // reason to tell the user their collection is corrupt.
    const auto code = valid.error().code;
    if (code == storage::storage_errc::io || code == storage::storage_errc::busy ||
        code == storage::storage_errc::disk_full) {
      remove_file(job.temp);
      auto failed = storage_failure("checking the upload", valid.error(), error_code::server_error);
      spdlog::error("full upload not stored: {}", protocol::printable(failed.message));
      if (failed.code == error_code::insufficient_storage)
        return checked_upload{upload_verdict::disk_full, decoded->size};
      return std::unexpected(std::move(failed));
    }
    spdlog::info("uploaded collection rejected: {}", protocol::printable(valid.error().message));
    out.verdict = upload_verdict::corrupt;
  }
  if (out.verdict != upload_verdict::accepted)
    remove_file(job.temp);
  return out;
}

std::string upload_answer(upload_verdict verdict, std::uint64_t quota_bytes) {
  // The official server's answers, with status 200: the client shows any
  // text other than OK to the user.
  switch (verdict) {
  case upload_verdict::accepted:
    return "OK";
  case upload_verdict::too_large:
    return "collection exceeds size limit";
  case upload_verdict::corrupt:
    return "Your upload was corrupt. Please use Check Database, or restore from backup.";
  case upload_verdict::over_quota:
    return "Your collection is larger than the " + std::to_string(quota_bytes >> 20) +
           " MB this server allows for your account; nothing was changed on the server. Remove "
           "notes you no longer need, or ask the server's operator for more room.";
  case upload_verdict::disk_full:
    return protocol::disk_full_sentence;
  }
  return "OK";
}

std::expected<prepared_file, protocol::sync_error>
prepare_download(const std::filesystem::path& source, const std::filesystem::path& snapshot,
                 bool legacy) {
  std::error_code ec;
  if (legacy) {
    // Legacy clients need schema 11, sent raw. Upstream rewrites the
    // stored file as schema 11 to do this; we convert a copy.
    if (auto r = storage::write_schema11_copy(source, snapshot); !r) {
      remove_file(snapshot);
      return failed("schema-11 copy: " + r.error().message);
    }
    const auto size = std::filesystem::file_size(snapshot, ec);
    return prepared_file{snapshot, size};
  }
  if (auto r = storage::snapshot_collection(source, snapshot); !r) {
    remove_file(snapshot);
    return failed("snapshot: " + r.error().message);
  }
  const auto size = std::filesystem::file_size(snapshot, ec);
  const auto compressed = snapshot.string() + ".zst";
  auto packed = protocol::zstd_compress_file(snapshot.string(), compressed);
  remove_file(snapshot);
  if (!packed || ec) {
    remove_file(compressed);
    return failed("compressing the download");
  }
  return prepared_file{compressed, size};
}

} // namespace ankisync::actors::sync
