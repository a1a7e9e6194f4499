#include "tools/ankisync/process_setup.hpp"

#include <malloc.h>
#include <csignal>
#include <sys/resource.h>

#include <spdlog/spdlog.h>

#include "storage/sqlite_process.hpp"

namespace ankisync::app {

namespace {

// Every connection, open collection (with its WAL) and temp file takes a
// descriptor. Services usually start with a soft limit of 1024 while the
// hard limit allows far more; the soft one is the process's own to raise.
void raise_open_file_limit(const profiles::profile& profile) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return;
  const auto before = limit.rlim_cur;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0)
      limit.rlim_cur = before;
  }
  // Connections, plus a collection, its WAL and media DB per resident
  // user, plus some to spare for temp files, users.db and the runtime.
  const rlim_t wanted = rlim_t{profile.max_connections} + 4 * rlim_t{profile.max_resident_users} + 64;
  if (limit.rlim_cur < wanted)
    spdlog::warn("open-file limit is {} but connections.max and users.max_resident may need {}; "
                 "past it, new connections wait (raise the hard limit: ulimit -Hn, LimitNOFILE=)",
                 limit.rlim_cur, wanted);
  else if (limit.rlim_cur != before)
    spdlog::info("open-file limit raised from {} to {}", before, limit.rlim_cur);
}

} // namespace

void setup_process(const profiles::profile& profile) {
  // A write past the file-size limit (ulimit -f, LimitFSIZE=) would kill
  // the whole server; ignored, it fails with EFBIG like a full disk, and
  // only the request that wrote gets the error.
  std::signal(SIGXFSZ, SIG_IGN);
  if (profile.malloc_arenas > 0)
    ::mallopt(M_ARENA_MAX, static_cast<int>(profile.malloc_arenas));
  raise_open_file_limit(profile);
  storage::configure_sqlite_process();
}

} // namespace ankisync::app
