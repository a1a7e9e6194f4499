// An LD_PRELOAD library that makes the server's file writes fail with
// ENOSPC or EIO, as a full or failing disk would (docs/reliability.md,
// "Chaos"). It wraps libc's write family, fsync, fdatasync, ftruncate,
// fallocate, copy_file_range and rename; calls reach it through the
// binary's dynamic symbols, which SQLite's static copy also uses for its
// VFS. Only regular files under the control page's root are eligible, so
// sockets and log files keep working.
//
// Configuration: ANKISYNC_FAULT_CONTROL names a file holding a
// fault_control page (ankisync-chaos arms and reads it while the server
// runs). Without it, ANKISYNC_FAULT_ROOT, ANKISYNC_FAULT_PROBABILITY (0..1),
// ANKISYNC_FAULT_NTH (the n-th eligible call fails) and
// ANKISYNC_FAULT_ERRNO (ENOSPC or EIO) set a private page.

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "tools/chaos/fault_control.hpp"

using ankisync::chaos::fault_control;

namespace {

fault_control* page = nullptr;
alignas(fault_control) unsigned char private_page[sizeof(fault_control)];

void configure_from_env() {
  auto* p = new (private_page) fault_control();
  if (const char* root = std::getenv("ANKISYNC_FAULT_ROOT"))
    std::snprintf(p->root, sizeof p->root, "%s", root);
  if (const char* prob = std::getenv("ANKISYNC_FAULT_PROBABILITY"))
    p->probability_ppm = static_cast<std::uint32_t>(std::strtod(prob, nullptr) * 1e6);
  if (const char* nth = std::getenv("ANKISYNC_FAULT_NTH"))
    p->countdown = std::strtoll(nth, nullptr, 10);
  if (const char* e = std::getenv("ANKISYNC_FAULT_ERRNO"))
    p->error = std::strcmp(e, "EIO") == 0 ? EIO : std::strcmp(e, "ENOSPC") == 0 ? ENOSPC : 0;
  page = p;
}

__attribute__((constructor)) void load() {
  const char* file = std::getenv(ankisync::chaos::fault_control_env);
  if (!file || !*file) {
    configure_from_env();
    return;
  }
  const int fd = ::open(file, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return;
  void* m = ::mmap(nullptr, sizeof(fault_control), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (m != MAP_FAILED && static_cast<fault_control*>(m)->magic == ankisync::chaos::fault_control_magic)
    page = static_cast<fault_control*>(m);
}

bool under_root(const char* path) {
  const std::size_t n = std::strlen(page->root);
  return n > 0 && path && std::strncmp(path, page->root, n) == 0;
}

bool eligible_fd(int fd) {
  if (!page || fd <= 2 || page->root[0] == '\0')
    return false;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    return false;
  char link[64], path[1024];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = ::readlink(link, path, sizeof path - 1);
  if (n <= 0)
    return false;
  path[n] = '\0';
  return under_root(path);
}

std::uint64_t next_random() {
  thread_local std::uint64_t state = 0;
  if (state == 0)
    state = (static_cast<std::uint64_t>(::getpid()) << 32) ^ reinterpret_cast<std::uintptr_t>(&state) ^
            0x9e3779b97f4a7c15ull;
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

// Whether this eligible call fails; sets errno when it does.
bool should_fail() {
  page->eligible.fetch_add(1);
  bool fail = false;
  std::int64_t left = page->countdown.load();
  while (left > 0 && !page->countdown.compare_exchange_weak(left, left - 1)) {
  }
  if (left == 1)
    fail = true;
  const std::uint32_t ppm = page->probability_ppm.load();
  if (!fail && ppm > 0 && next_random() % 1000000 < ppm)
    fail = true;
  if (!fail)
    return false;
  const std::uint64_t n = page->injected.fetch_add(1);
  const int e = page->error.load();
  errno = e != 0 ? e : (n % 2 == 0 ? ENOSPC : EIO);
  return true;
}

bool fail_fd(int fd) { return eligible_fd(fd) && should_fail(); }
bool fail_path(const char* a, const char* b) {
  return page && (under_root(a) || under_root(b)) && should_fail();
}

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

} // namespace

extern "C" {

ssize_t write(int fd, const void* buf, size_t count) {
  static auto real = next<ssize_t (*)(int, const void*, size_t)>("write");
  return fail_fd(fd) ? -1 : real(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  static auto real = next<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite");
  return fail_fd(fd) ? -1 : real(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset) {
  static auto real = next<ssize_t (*)(int, const void*, size_t, off64_t)>("pwrite64");
  return fail_fd(fd) ? -1 : real(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int n) {
  static auto real = next<ssize_t (*)(int, const struct iovec*, int)>("writev");
  return fail_fd(fd) ? -1 : real(fd, iov, n);
}

ssize_t pwritev(int fd, const struct iovec* iov, int n, off_t offset) {
  static auto real = next<ssize_t (*)(int, const struct iovec*, int, off_t)>("pwritev");
  return fail_fd(fd) ? -1 : real(fd, iov, n, offset);
}

int fsync(int fd) {
  static auto real = next<int (*)(int)>("fsync");
  return fail_fd(fd) ? -1 : real(fd);
}

int fdatasync(int fd) {
  static auto real = next<int (*)(int)>("fdatasync");
  return fail_fd(fd) ? -1 : real(fd);
}

int ftruncate(int fd, off_t length) {
  static auto real = next<int (*)(int, off_t)>("ftruncate");
  return fail_fd(fd) ? -1 : real(fd, length);
}

int ftruncate64(int fd, off64_t length) {
  static auto real = next<int (*)(int, off64_t)>("ftruncate64");
  return fail_fd(fd) ? -1 : real(fd, length);
}

int fallocate(int fd, int mode, off_t offset, off_t len) {
  static auto real = next<int (*)(int, int, off_t, off_t)>("fallocate");
  return fail_fd(fd) ? -1 : real(fd, mode, offset, len);
}

int posix_fallocate(int fd, off_t offset, off_t len) {
  static auto real = next<int (*)(int, off_t, off_t)>("posix_fallocate");
  // posix_fallocate returns the error instead of setting errno.
  return fail_fd(fd) ? errno : real(fd, offset, len);
}

ssize_t copy_file_range(int in, off64_t* in_off, int out, off64_t* out_off, size_t len,
                        unsigned flags) {
  static auto real =
      next<ssize_t (*)(int, off64_t*, int, off64_t*, size_t, unsigned)>("copy_file_range");
  return fail_fd(out) ? -1 : real(in, in_off, out, out_off, len, flags);
}

int rename(const char* from, const char* to) {
  static auto real = next<int (*)(const char*, const char*)>("rename");
  return fail_path(from, to) ? -1 : real(from, to);
}

int renameat(int from_dir, const char* from, int to_dir, const char* to) {
  static auto real = next<int (*)(int, const char*, int, const char*)>("renameat");
  return fail_path(from, to) ? -1 : real(from_dir, from, to_dir, to);
}

} // extern "C"
