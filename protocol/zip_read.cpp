#include "protocol/zip_read.hpp"

#include <minizip/unzip.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

#include <cstdio>
#include <vector>

#include "protocol/stored_zip.hpp" // zip_piece_bytes

namespace ankisync::protocol::detail {

// The central directory read once at open: minizip walks members only in
// order, and callers ask for them by index and by name.
struct zip_reader {
  struct member {
    std::string name;
    std::uint64_t size = 0; // declared, uncompressed
    unz64_file_pos pos{};
  };
  unzFile file = nullptr;
  std::vector<member> members;
};

namespace {

sync_error bad_zip(std::string_view what, std::string_view label, std::string_view problem) {
  std::string msg(what);
  msg += ": ";
  if (!label.empty()) {
    msg += label;
    msg += ": ";
  }
  msg += problem;
  return make_error(error_code::bad_request, std::move(msg));
}

std::string read_problem(int code) {
  switch (code) {
  case UNZ_CRCERROR: return "CRC error";
  case UNZ_BADZIPFILE: return "not a valid zip member (unsupported method or damaged header)";
  case Z_DATA_ERROR: return "compressed data is damaged";
  case Z_MEM_ERROR: return "out of memory";
  default: return "cannot read the member (truncated or damaged zip)";
  }
}

// Fills `r.members` from the central directory; an error if it is damaged
// or names a member beyond max_zip_member_name.
std::optional<std::string> index_members(zip_reader& r, const unz_global_info64& global) {
  const std::string damaged = "damaged central directory";
  if (global.number_entry == 0) return std::nullopt;
  int at = unzGoToFirstFile(r.file);
  while (at == UNZ_OK) {
    unz_file_info64 info{};
    if (unzGetCurrentFileInfo64(r.file, &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK)
      return damaged;
    if (info.size_filename > max_zip_member_name)
      return "a member name of " + std::to_string(info.size_filename) + " bytes, at most " +
             std::to_string(max_zip_member_name) + " allowed";
    zip_reader::member m;
    m.name.resize(info.size_filename);
    if (unzGetCurrentFileInfo64(r.file, &info, m.name.data(), static_cast<uLong>(m.name.size()),
                                nullptr, 0, nullptr, 0) != UNZ_OK ||
        unzGetFilePos64(r.file, &m.pos) != UNZ_OK)
      return damaged;
    m.size = info.uncompressed_size;
    r.members.push_back(std::move(m));
    at = unzGoToNextFile(r.file);
  }
  if (at != UNZ_END_OF_LIST_OF_FILE || r.members.size() != global.number_entry) return damaged;
  return std::nullopt;
}

// minizip reads through stdio and seeks before every 16 KiB it reads,
// and between a member's central directory entry (at the end) and its
// data: a member of 20 KB costs a dozen read and lseek calls, and a
// larger stdio buffer is thrown away at each seek. This reader keeps one
// buffer of its own, filled with pread, so a seek is only a number. A zip
// of the usual size (clients send about 2.5 MiB) is read whole at the
// first read; a larger one a window at a time.
struct buffered_zip_file {
  static constexpr std::uint64_t whole_file_bytes = 4 * 1024 * 1024;
  static constexpr std::size_t window_bytes = 128 * 1024;
  int fd = -1;
  std::uint64_t pos = 0;
  std::uint64_t size = 0;
  std::vector<char> buffer;
  std::uint64_t buffer_at = 0;
  std::size_t buffered = 0;
  bool failed = false;

  // Copies up to `want` bytes at `pos`; 0 at the end or on an error.
  std::size_t read(char* out, std::size_t want) {
    std::size_t done = 0;
    while (done < want && pos < size) {
      if (pos >= buffer_at && pos < buffer_at + buffered) {
        const std::size_t n = std::min<std::uint64_t>(want - done, buffer_at + buffered - pos);
        std::memcpy(out + done, buffer.data() + (pos - buffer_at), n);
        done += n;
        pos += n;
        continue;
      }
      // A large read goes straight to the caller; a small one fills the
      // buffer for the reads that follow.
      char* into = want - done >= buffer.size() ? out + done : buffer.data();
      // A whole-file buffer is filled from the start.
      const std::uint64_t from = into == buffer.data() && buffer.size() >= size ? 0 : pos;
      const std::size_t room = into == buffer.data() ? buffer.size() : want - done;
      const ssize_t n = ::pread(fd, into, room, static_cast<off_t>(from));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        failed = n < 0;
        break;
      }
      if (into == buffer.data()) {
        buffer_at = from;
        buffered = static_cast<std::size_t>(n);
        if (pos >= buffer_at + buffered) { // the file shrank under us
          failed = true;
          break;
        }
      } else {
        done += static_cast<std::size_t>(n);
        pos += static_cast<std::uint64_t>(n);
      }
    }
    return done;
  }
};

zlib_filefunc64_def buffered_file_functions() {
  zlib_filefunc64_def d{};
  d.zopen64_file = [](voidpf, const void* filename, int) -> voidpf {
    const int fd = ::open(static_cast<const char*>(filename), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return nullptr;
    }
    auto* f = new (std::nothrow) buffered_zip_file;
    if (!f) {
      ::close(fd);
      return nullptr;
    }
    f->fd = fd;
    f->size = static_cast<std::uint64_t>(st.st_size);
    f->buffer.resize(f->size <= buffered_zip_file::whole_file_bytes
                         ? static_cast<std::size_t>(std::max<std::uint64_t>(f->size, 1))
                         : buffered_zip_file::window_bytes);
    return f;
  };
  d.zread_file = [](voidpf, voidpf stream, void* buf, uLong size) -> uLong {
    return static_cast<uLong>(static_cast<buffered_zip_file*>(stream)->read(static_cast<char*>(buf), size));
  };
  d.zwrite_file = [](voidpf, voidpf, const void*, uLong) -> uLong { return 0; };
  d.ztell64_file = [](voidpf, voidpf stream) -> ZPOS64_T {
    return static_cast<buffered_zip_file*>(stream)->pos;
  };
  d.zseek64_file = [](voidpf, voidpf stream, ZPOS64_T offset, int origin) -> long {
    auto* f = static_cast<buffered_zip_file*>(stream);
    std::uint64_t base = 0;
    switch (origin) {
    case ZLIB_FILEFUNC_SEEK_SET: base = 0; break;
    case ZLIB_FILEFUNC_SEEK_CUR: base = f->pos; break;
    case ZLIB_FILEFUNC_SEEK_END: base = f->size; break;
    default: return -1;
    }
    if (base > f->size || offset > f->size - base) return -1;
    f->pos = base + offset;
    return 0;
  };
  d.zclose_file = [](voidpf, voidpf stream) -> int {
    auto* f = static_cast<buffered_zip_file*>(stream);
    const int rc = ::close(f->fd);
    delete f;
    return rc;
  };
  d.zerror_file = [](voidpf, voidpf stream) -> int {
    return static_cast<buffered_zip_file*>(stream)->failed ? 1 : 0;
  };
  return d;
}

} // namespace

void zip_archive_closer::operator()(zip_reader* z) const noexcept {
  if (!z) return;
  if (z->file) unzClose(z->file);
  delete z;
}

std::expected<zip_archive, sync_error> open_zip(const std::filesystem::path& path,
                                                std::string_view what) {
  // minizip says only "no"; a file we cannot even open is our failure.
  if (std::FILE* probe = std::fopen(path.c_str(), "rb"))
    std::fclose(probe);
  else
    return std::unexpected(make_error(error_code::server_error,
                                      std::string(what) + ": cannot open " + path.string()));
  zip_archive z(new zip_reader);
  auto functions = buffered_file_functions();
  z->file = unzOpen2_64(path.c_str(), &functions);
  if (!z->file) return std::unexpected(bad_zip(what, "", "not a zip file"));
  unz_global_info64 global{};
  if (unzGetGlobalInfo64(z->file, &global) != UNZ_OK)
    return std::unexpected(bad_zip(what, "", "damaged central directory"));
  if (global.number_entry > max_zip_members)
    return std::unexpected(bad_zip(what, "",
                                   std::to_string(global.number_entry) + " members, at most " +
                                       std::to_string(max_zip_members) + " allowed"));
  if (auto problem = index_members(*z, global)) return std::unexpected(bad_zip(what, "", *problem));
  return z;
}

std::optional<std::uint64_t> find_member(zip_reader* z, std::string_view name) {
  if (name.find('\0') != std::string_view::npos) return std::nullopt;
  for (std::size_t i = 0; i < z->members.size(); ++i)
    if (z->members[i].name == name) return i;
  return std::nullopt;
}

std::uint64_t member_count(zip_reader* z) { return z->members.size(); }

std::string member_name(zip_reader* z, std::uint64_t index) {
  return index < z->members.size() ? z->members[index].name : std::string();
}

std::optional<std::uint64_t> declared_size(zip_reader* z, std::uint64_t index) {
  if (index >= z->members.size()) return std::nullopt;
  return z->members[index].size;
}

std::expected<std::uint64_t, sync_error>
read_member(zip_reader* z, std::uint64_t index, std::uint64_t limit, over_limit mode,
            std::string_view what, std::string_view label,
            const std::function<std::expected<void, sync_error>(std::string_view)>& piece) {
  if (index >= z->members.size()) return std::unexpected(bad_zip(what, label, "no such member"));
  const auto& m = z->members[index];
  if (unzGoToFilePos64(z->file, &m.pos) != UNZ_OK)
    return std::unexpected(bad_zip(what, label, "damaged central directory"));
  if (int rc = unzOpenCurrentFile(z->file); rc != UNZ_OK)
    return std::unexpected(bad_zip(what, label, read_problem(rc)));
  // Closes the member on every way out; the CRC verdict comes from the
  // explicit close below.
  struct current_closer {
    unzFile f;
    bool open = true;
    ~current_closer() {
      if (open) unzCloseCurrentFile(f);
    }
  } current{z->file};

  std::vector<char> buf(zip_piece_bytes);
  std::uint64_t total = 0;
  bool stopped_early = false;
  for (;;) {
    // One byte past the limit tells "exactly at the limit" from "over it".
    const std::uint64_t room = limit - total + (mode == over_limit::fail ? 1 : 0);
    const std::uint64_t want = std::min<std::uint64_t>(buf.size(), room);
    if (want == 0) {
      stopped_early = true;
      break;
    }
    const int n = unzReadCurrentFile(z->file, buf.data(), static_cast<unsigned>(want));
    if (n < 0) return std::unexpected(bad_zip(what, label, read_problem(n)));
    if (n == 0) break;
    auto got = static_cast<std::uint64_t>(n);
    if (total + got > limit) {
      if (mode == over_limit::fail)
        return std::unexpected(make_error(error_code::bad_request,
                                          std::string(what) + ": " + std::string(label) +
                                              " larger than " + std::to_string(limit) + " bytes"));
      got = limit - total;
      stopped_early = true;
    }
    if (auto r = piece(std::string_view(buf.data(), got)); !r) return std::unexpected(r.error());
    total += got;
    if (stopped_early) break;
  }
  current.open = false;
  const int closed = unzCloseCurrentFile(z->file);
  // A member read to its end must match its CRC and declared size; one
  // cut short on purpose is not checked.
  if (!stopped_early) {
    if (closed != UNZ_OK) return std::unexpected(bad_zip(what, label, read_problem(closed)));
    if (total != m.size)
      return std::unexpected(bad_zip(what, label, "shorter than its declared size"));
  }
  return total;
}

std::expected<std::string, sync_error> read_member_bytes(zip_reader* z, std::uint64_t index,
                                                         std::uint64_t limit, over_limit mode,
                                                         std::string_view what,
                                                         std::string_view label) {
  std::string out;
  auto r = read_member(z, index, limit, mode, what, label,
                       [&](std::string_view p) -> std::expected<void, sync_error> {
                         out.append(p);
                         return {};
                       });
  if (!r) return std::unexpected(r.error());
  return out;
}

} // namespace ankisync::protocol::detail
