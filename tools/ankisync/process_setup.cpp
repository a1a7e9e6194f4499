#include "tools/ankisync/process_setup.hpp"

#include <malloc.h>

#include <openssl/crypto.h>

#include "storage/sqlite_process.hpp"

namespace ankisync::app {

void setup_process(const profiles::profile& profile) {
  if (profile.malloc_arenas > 0)
    ::mallopt(M_ARENA_MAX, static_cast<int>(profile.malloc_arenas));
  storage::configure_sqlite_process();
  // The server only hashes and draws random bytes. Reading the system's
  // openssl.cnf and loading every error string cost about 0.6 MB of
  // resident memory for nothing; error codes are still reported.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, nullptr);
}

} // namespace ankisync::app
