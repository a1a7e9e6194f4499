#pragma once

// The server's counters, kept in one place: the listeners, the gateway and
// the collection actors add to them; /admin/stats and /metrics read them.
// Every label set is fixed at compile time, so a counter is an array slot
// found by index: adding is one relaxed atomic add, with no lock, no
// lookup and no allocation on the request path. Counters only ever grow
// (Prometheus counters must be monotonic).

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/recent_errors.hpp"

namespace ankisync::protocol {

// Label values. Persisted in dashboards and alerts: do not rename.
enum class route_family : std::uint8_t { sync, msync, other };
inline constexpr std::array<std::string_view, 3> route_family_labels{"sync", "msync", "other"};

enum class request_method : std::uint8_t { get, post, other };
inline constexpr std::array<std::string_view, 3> request_method_labels{"GET", "POST", "other"};

// A request cut before its reply was complete is "cut", whatever status
// had been chosen: the client did not get it.
enum class status_class : std::uint8_t { info, success, redirect, client_error, server_error, cut };
inline constexpr std::array<std::string_view, 6> status_class_labels{"1xx", "2xx", "3xx",
                                                                     "4xx", "5xx", "cut"};

enum class login_result : std::uint8_t { ok, failed, throttled };
inline constexpr std::array<std::string_view, 3> login_result_labels{"ok", "failed", "throttled"};

route_family family_of_path(std::string_view path);
request_method method_of(std::string_view method);
// `status` 0 (no reply chosen) counts as cut.
status_class class_of_status(int status, bool cut);

class counter {
public:
  void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::uint64_t> value_{0};
};

// Upper bounds of the request duration buckets, from 0.1 ms (a cached
// meta) to 60 s (a large full upload on a slow line). `le` is the bound as
// the exposition writes it. Persisted in dashboards: do not change lightly.
struct duration_bucket {
  std::int64_t upper_ns;
  std::string_view le;
};
inline constexpr std::array<duration_bucket, 18> duration_buckets{{
    {100'000, "0.0001"},        {250'000, "0.00025"},       {500'000, "0.0005"},
    {1'000'000, "0.001"},       {2'500'000, "0.0025"},      {5'000'000, "0.005"},
    {10'000'000, "0.01"},       {25'000'000, "0.025"},      {50'000'000, "0.05"},
    {100'000'000, "0.1"},       {250'000'000, "0.25"},      {500'000'000, "0.5"},
    {1'000'000'000, "1"},       {2'500'000'000, "2.5"},     {5'000'000'000, "5"},
    {10'000'000'000, "10"},     {30'000'000'000, "30"},     {60'000'000'000, "60"},
}};

// Prometheus histogram over duration_buckets. Each observation lands in
// exactly one slot (the first bucket whose bound it does not exceed, or
// the +Inf slot); read() sums them into the cumulative counts the format
// wants, and takes `count` from that sum, so +Inf always equals _count
// even while other threads observe.
class duration_histogram {
public:
  static constexpr std::size_t slots = duration_buckets.size() + 1; // the last one: +Inf

  void observe(std::chrono::nanoseconds d);

  struct reading {
    std::array<std::uint64_t, slots> cumulative{};
    std::uint64_t count = 0;
    double sum_seconds = 0;
  };
  reading read() const;

  // The slot an observation of `d` lands in.
  static std::size_t slot_of(std::chrono::nanoseconds d);

private:
  std::array<std::atomic<std::uint64_t>, slots> slots_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

struct server_metrics {
  // HTTP, counted by the listeners once a request's reply is written or
  // its transfer cut: sync and admin listeners alike.
  std::array<counter, route_family_labels.size() * request_method_labels.size() *
                          status_class_labels.size()>
      requests;
  std::array<duration_histogram, request_method_labels.size()> request_duration;
  counter bytes_received; // request heads and bodies
  counter bytes_sent;     // reply bodies
  counter conflicts;      // replies 409
  counter payload_too_large; // replies 413

  // Full syncs, counted when the reply went out complete; bytes as they
  // crossed the wire (compressed).
  counter full_uploads, full_upload_bytes;
  counter full_downloads, full_download_bytes;
  // Media files stored from uploads, and sent in download zips.
  counter media_files_uploaded, media_files_downloaded;
  // Body bytes of media uploads (uploadChanges) and download zips
  // (downloadFiles) answered completely, as they crossed the wire.
  counter media_upload_bytes, media_download_bytes;
  // How long complete full uploads and downloads took, head to last byte.
  duration_histogram full_upload_duration, full_download_duration;

  // Collection sync sessions: started by `start`; finished by `finish`;
  // aborted by everything else that ends one (an abort, a failed step, a
  // new start, the idle timeout, a full sync, the actor stopping).
  counter sessions_started, sessions_finished, sessions_aborted;
  // Of the aborted: rolled back after session.idle_timeout_ms without a request.
  counter sessions_timed_out;
  // Requests of one device that waited for another device's session, how
  // long they waited, and sessions rolled back as abandoned for a waiter.
  counter session_waits, sessions_abandoned;
  duration_histogram session_wait_duration;

  std::array<counter, login_result_labels.size()> logins;

  // Not a counter: the last failed requests with their reasons, for the
  // dashboard (GET /admin/errors).
  recent_errors failures;
  // Backups (scheduled or asked for, docs/backup.md): how many ended
  // complete or failed; the last one's end (unix seconds, 0: none since
  // the start) and whether it was complete.
  counter backups_complete, backups_failed;
  std::atomic<std::int64_t> last_backup_unix_s{0};
  std::atomic<bool> last_backup_ok{false};

  counter& request(route_family f, request_method m, status_class s) {
    return requests[index(f, m, s)];
  }
  const counter& request(route_family f, request_method m, status_class s) const {
    return requests[index(f, m, s)];
  }
  counter& login(login_result r) { return logins[static_cast<std::size_t>(r)]; }
  const counter& login(login_result r) const { return logins[static_cast<std::size_t>(r)]; }
  duration_histogram& duration(request_method m) {
    return request_duration[static_cast<std::size_t>(m)];
  }

  // /admin/stats: every request, and those answered 400 or above or cut.
  std::uint64_t requests_total() const;
  std::uint64_t errors_total() const;

private:
  static std::size_t index(route_family f, request_method m, status_class s) {
    return (static_cast<std::size_t>(f) * request_method_labels.size() +
            static_cast<std::size_t>(m)) *
               status_class_labels.size() +
           static_cast<std::size_t>(s);
  }
};

} // namespace ankisync::protocol
