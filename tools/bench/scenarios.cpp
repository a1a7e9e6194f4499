#include "tools/bench/scenario.hpp"

namespace ankisync::bench {

void run_empty_sync(context&);
void run_edits(context&);
void run_apply_rows(context&);
void run_full_sync(context&);
void run_many_users(context&);
void run_idle(context&);
void run_media(context&);
void run_route(context&);
void run_two_devices(context&);
void run_requests(context&);
void run_metrics(context&);
void run_tls(context&);
void run_backup(context&);

const std::vector<scenario>& all_scenarios() {
  static const std::vector<scenario> list{
      {"empty-sync", "normal syncs with nothing to send, one user", run_empty_sync, false},
      {"edits", "a sync carrying edited notes and reviews", run_edits, false},
      {"apply-rows", "100,000 rows sent in chunks by one normal sync", run_apply_rows, false},
      {"full-sync", "full upload and download of a generated collection", run_full_sync, false},
      {"many-users", "N users syncing concurrently for T seconds", run_many_users, true},
      {"idle", "server RSS after start and after N users went idle", run_idle, true},
      {"media", "media sync: N files uploaded, then downloaded", run_media, true},
      {"route", "server CPU and context switches of syncs with one edited note", run_route,
       true},
      {"two-devices", "two devices of one user syncing at once, N times each", run_two_devices,
       false},
      {"requests", "meta requests from several threads, kept alive and one connection each",
       run_requests, true},
      {"metrics", "GET /metrics with N resident users; CPU per sync with and without a scraper",
       run_metrics, true},
      {"tls", "RSS and server CPU per sync with --tls-cert against plain HTTP", run_tls, true},
      {"backup", "online backup of a large user next to cp -r, while another user syncs",
       run_backup, true},
  };
  return list;
}

} // namespace ankisync::bench
