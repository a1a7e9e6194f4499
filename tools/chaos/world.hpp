#pragma once

// The kill and fault campaigns' world: a real server with a few users,
// several devices each, the random operations they run (edits and normal
// syncs, full uploads and downloads, media syncs), and the checks made
// after each step and after each server restart.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/server_process.hpp"
#include "tools/chaos/campaign.hpp"
#include "tools/chaos/fleet.hpp"
#include "tools/chaos/server_view.hpp"
#include "tools/client/device.hpp"

namespace ankisync::chaos {

enum class step_kind { normal_sync, full_upload, full_download, media_sync };
const char* to_string(step_kind k);

// One request sequence against the server, with what was read before it.
struct step_record {
  step_kind kind = step_kind::normal_sync;
  std::size_t user = 0;
  int device = 0;
  collection_view before;
  std::map<std::string, row_map> pending; // the device's unsent rows
  media_map media_before;
  media_map media_after; // the server's media once this step's uploads are in
  bool acknowledged = false; // the device saw it succeed
  bool no_changes = false;   // a normal sync that found nothing to do
  // How it failed: "" when it did not; `server_error` when the server
  // answered 5xx with a message (the clean way to fail).
  std::string failure;
  bool server_error = false;
  std::string context() const;
};

struct device_state {
  client::device device;
  std::set<std::string> own_media;  // files this device added and not deleted
  media_map pending_media;          // sha1 hex, "" for a deletion, since its last media sync
  int media_counter = 0;
};

class world {
public:
  world(const chaos_options& o, tally& t, std::filesystem::path work,
        integration::env_list extra_env = {});

  integration::server_process& server() { return *server_; }
  std::size_t users() const { return fleet_.users().size(); }
  std::filesystem::path collection(std::size_t user) const;
  std::filesystem::path media_db(std::size_t user) const;

  // Picks a device and an operation; runs its steps, calling `started`
  // before each; stops at the first failed step. `stop` tells it the
  // server is going away (a kill was armed and fired).
  std::vector<step_record> random_operation(std::mt19937_64& rng,
                                            const std::function<void()>& started,
                                            const std::function<bool()>& stop);

  // The server's state against what `r` allows: before or after it (after
  // only, once acknowledged). Counts violations.
  void check_step(const step_record& r);
  // Every user: PRAGMA integrity_check, `ankisync check` (media rows and
  // files agree), every acknowledged review present.
  void check_all_users();
  // Syncs every device twice (full download where asked) and checks each
  // holds what the server holds, media too.
  void converge();

private:
  step_record begin_step(step_kind kind, std::size_t user, int dev);
  void run_normal_sync(step_record& r, client::sync_client& c);
  void run_media_sync(step_record& r, client::sync_client& c);
  void random_edits(device_state& d, std::mt19937_64& rng);
  void random_media_edits(device_state& d, std::size_t user, int dev, std::mt19937_64& rng);
  void violation(std::atomic<std::uint64_t>& counter, const std::string& what);

  const chaos_options& options_;
  tally& tally_;
  std::filesystem::path work_;
  client::env_fleet fleet_;
  std::unique_ptr<integration::server_process> server_;
  std::vector<std::vector<device_state>> devices_; // [user][device]
  // Records what a device holds after a sync it saw succeed: all of it is
  // on the server from then on.
  void acknowledge(std::size_t user, const client::device& d);

  // Per user, what devices saw the server take: reviews, notes, and the
  // highest col.usn (which never goes back).
  std::vector<std::set<std::int64_t>> acknowledged_reviews_;
  std::vector<std::set<std::int64_t>> acknowledged_notes_;
  std::vector<std::int32_t> acknowledged_usn_;
  std::int64_t last_step_end_ = 0; // wall clock ms, see wait_past_ms
};

} // namespace ankisync::chaos
