#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ankisync::profiles {

// How the server sizes itself. A profile is plain data: code reads fields,
// never asks which profile is running.
struct profile {
  std::string name;

  // CAF scheduler: "stealing" (a queue per worker; a message an actor
  // sends stays on its worker) or "sharing" (one queue; every message
  // wakes an idle worker).
  std::string scheduler_policy;
  unsigned scheduler_threads = 2;
  // How an idle "stealing" worker waits for work (CAF's work-stealing
  // poll strategy): this many polls of its queue without pause, then this
  // many with a 50 us nap each, then a sleep on its condition variable,
  // waking every `scheduler_idle_wake` to steal from a busy neighbour.
  // Every nap and wake is a context switch. A message sent from inside
  // an actor stays on its worker's queue without waking anybody, and one
  // from outside (a connection, the blocking pool) wakes a sleeping
  // worker at once, so a request's gateway-to-collection hop needs no
  // polling at all; only work queued behind a long job on a busy worker
  // waits up to `scheduler_idle_wake` to be stolen.
  unsigned scheduler_spin_polls = 100;
  unsigned scheduler_nap_polls = 500;
  std::chrono::milliseconds scheduler_idle_wake{10};

  // Threads running Beast's io_context (HTTP parsing and socket I/O).
  unsigned io_threads = 1;
  // Bounded pool for blocking work (password hashing, upload validation,
  // snapshots). More workers finish large jobs sooner but cost memory.
  unsigned blocking_threads = 1;

  // At most this many users' collection actors stay resident; past it the
  // least recently used idle one is closed. Each holds an open collection.
  unsigned max_resident_users = 32;
  // A user's actor closes after this long without a request.
  std::chrono::milliseconds idle_eviction{std::chrono::minutes(5)};
  // An open sync session with no request for this long is rolled back.
  std::chrono::milliseconds session_idle_timeout{std::chrono::minutes(10)};
  // While another device of the user waits for the open session (its
  // start, upload or download queued in the user's actor), the session
  // counts as abandoned after this long without a request: it is rolled
  // back and the waiting device goes ahead (docs/sync.md). Short enough
  // for a waiting client's patience, long enough for a live client's gap
  // between two requests.
  std::chrono::milliseconds session_stall{std::chrono::seconds(5)};

  // glibc malloc arenas (M_ARENA_MAX); 0 leaves glibc's default of eight
  // per core. Each thread that allocates may get an arena of its own, and
  // memory freed in one is not reused by another: fewer arenas keep an
  // idle server smaller after a burst, at some lock contention.
  unsigned malloc_arenas = 0;
  // glibc's per-thread cache of freed chunks (glibc.malloc.tcache_count);
  // -1 keeps glibc's default of 7 per size class. Chunks parked there are
  // out of malloc_trim's reach, so after a burst every thread's cache pins
  // the heap pages it sits in; 0 lets an idle server give them back.
  int malloc_thread_cache = -1;

  // SQLite per open collection: page cache (KiB) and mmap window (bytes).
  std::int64_t sqlite_cache_kib = 2048;
  std::int64_t sqlite_mmap_bytes = 0;

  // Largest request body, MiB (MAX_SYNC_PAYLOAD_MEGS, upstream default 100).
  std::uint64_t max_payload_megs = 100;
  // Default quotas per user, in MB; 0: no limit. A user's own (ankisync
  // user set) overrides them (docs/backup.md, "Quotas").
  std::uint64_t quota_collection_mb = 0;
  std::uint64_t quota_media_mb = 0;
  // Request bodies above this many bytes go to a temp file, not memory.
  std::uint64_t body_spill_bytes = 256 * 1024;
  // The rows and objects of a normal sync (start, applyGraves,
  // applyChanges, applyChunk) decompress to at most this many MiB each;
  // a client sends its rows in chunks of a few hundred, so this is room
  // for very large notes. Other methods have small fixed caps; only full
  // uploads and media zips go to the payload limit (docs/profiles.md).
  std::uint64_t max_json_megs = 100;

  // Open connections of the sync listener at most, in all and per client
  // address (0: no cap). Past either a new connection gets 503 and is
  // closed, so a flood or one greedy client cannot take every descriptor.
  // Behind a reverse proxy on this machine every connection comes from
  // the proxy's address: set the per-address cap to 0 there.
  unsigned max_connections = 256;
  unsigned max_connections_per_ip = 32;

  // HTTP timeouts (docs/operations.md). A request's header must be whole
  // this long after its first byte: a client that trickles one in holds a
  // connection slot, a real one sends it in one go.
  std::chrono::milliseconds http_header_timeout{std::chrono::seconds(10)};
  // Reading a body or writing a reply, no byte moved for this long cuts
  // the connection; every byte starts the wait over, so a slow but steady
  // upload or download of any size completes.
  std::chrono::milliseconds http_idle_timeout{std::chrono::seconds(60)};
  // A kept-alive connection with no next request closes after this long.
  // Clients keep idle connections up to 90 s (reqwest's pool); a shorter
  // wait frees slots sooner and only costs a client a new connection.
  std::chrono::milliseconds http_keepalive_timeout{std::chrono::seconds(120)};

  // Logins (docs/operations.md, "Logins"): at most login_max_pending are
  // hashed at once; the others wait their turn, taking turns between
  // addresses, for at most login_wait (then 503), well under the ~30 s a
  // client waits. Only failures are refused (429): an address and user
  // name with login_failures_per_minute failed logins in the last minute,
  // or an address with login_address_failures_per_minute whatever the
  // names, waits until the minute is over. Attempts being hashed count
  // against both budgets, so a burst of guesses gets no more hashes.
  unsigned login_max_pending = 16;
  unsigned login_failures_per_minute = 10;
  unsigned login_address_failures_per_minute = 50;
  std::chrono::milliseconds login_wait{std::chrono::seconds(10)};

  // On SIGTERM or SIGINT, requests in flight get this long to be answered
  // (blocking jobs included); after it, open sessions roll back, unfinished
  // blocking jobs are abandoned and the process exits. Below Docker's and
  // systemd's default kill delays (10 s, 90 s), so the stop stays clean.
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(8)};

  std::uint64_t max_payload_bytes() const { return max_payload_megs << 20; }
  // Decompressed payloads may be three times the compressed limit (upstream).
  std::uint64_t max_uncompressed_bytes() const { return max_payload_bytes() * 3; }
  std::uint64_t max_json_bytes() const { return max_json_megs << 20; }
};

// A small board: two scheduler threads, few resident
// users, small SQLite caches.
profile pi_profile();
// A many-core host: one scheduler thread per hardware thread, stealing.
profile server_profile(unsigned hardware_threads);

std::optional<profile> profile_by_name(std::string_view name, unsigned hardware_threads);

// What the machine looks like, as read from /proc.
struct machine_facts {
  std::uint64_t total_ram_bytes = 0;
  std::string model;                  // device-tree model or cpuinfo "Model"
  unsigned hardware_threads = 1;
};

machine_facts read_machine_facts();

struct detection {
  profile chosen;
  std::string reason; // logged at start
};

// RAM under 2 GiB or a Raspberry Pi model string picks `pi`; else `server`.
// `requested` (from --profile or SYNC_PROFILE) overrides when non-empty;
// an unknown name yields std::nullopt.
std::optional<detection> detect_profile(const machine_facts& facts, std::string_view requested);

} // namespace ankisync::profiles
