#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ankisync::protocol {

// One live actor as the admin endpoint shows it.
struct actor_snapshot {
  std::uint64_t id = 0;
  std::string kind;            // gateway, registry, collection, admin
  std::string user;            // collection actors only
  std::int64_t mailbox_size = 0;
  std::int64_t mailbox_high_water = 0;
  std::uint64_t processed = 0;
  std::int64_t last_activity_ms = 0; // Unix ms of the last message taken
  std::string session_state;   // "none", "syncing", ...
  // Requests of other devices waiting for the open sync session.
  std::int64_t waiting_requests = 0;
};

struct server_stats {
  // The last backup: its end (unix seconds, 0: none since the start) and
  // whether it was complete.
  std::int64_t last_backup_unix_s = 0;
  bool last_backup_ok = false;
  std::uint64_t resident_actors = 0;
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  double uptime_seconds = 0;
  std::uint64_t rss_bytes = 0;
  // The allocator's view: bytes handed out and not yet freed, and bytes it
  // holds free (fragmentation, or kept for reuse). RSS minus both is code,
  // stacks and mapped files.
  std::uint64_t heap_in_use_bytes = 0;
  std::uint64_t heap_free_bytes = 0;
  std::uint64_t threads = 0;
  std::string profile;
};

// One user as the dashboard lists them (GET /admin/users). -1: unknown.
struct user_summary {
  std::string name;
  bool resident = false;      // a collection actor holds the user's files
  bool session_open = false;  // a sync session is open
  std::int64_t last_sync_ms = -1;
  std::int64_t collection_bytes = -1; // the file and its WAL
  std::int64_t media_bytes = -1;
  std::int64_t media_files = -1;
  std::int64_t mailbox_size = 0;
  std::uint64_t processed = 0;
  std::int64_t last_activity_ms = 0;
};

std::string encode_user_list(const std::vector<user_summary>& users);
std::string encode_actor_list(const std::vector<actor_snapshot>& actors);
std::string encode_server_stats(const server_stats& stats);

} // namespace ankisync::protocol
