#include "protocol/metrics_text.hpp"

#include <charconv>
#include <cmath>

namespace ankisync::protocol {
namespace {

void append_escaped(std::string& out, std::string_view text, bool quote_too) {
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quote_too)
      out += "\\\"";
    else
      out += c;
  }
}

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void append_number(std::string& out, double v) {
  if (std::isnan(v))
    return void(out += "NaN");
  if (std::isinf(v))
    return void(out += v > 0 ? "+Inf" : "-Inf");
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v); // shortest round trip
  out.append(buf, end);
}

std::string_view type_name(metric_type t) {
  switch (t) {
  case metric_type::counter:
    return "counter";
  case metric_type::gauge:
    return "gauge";
  case metric_type::histogram:
    return "histogram";
  }
  return "untyped";
}

} // namespace

void exposition_writer::declare(std::string_view name, metric_type type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  append_escaped(out_, help, false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type_name(type);
  out_ += '\n';
}

void exposition_writer::head(std::string_view name, std::initializer_list<metric_label> labels,
                             const metric_label* extra) {
  out_ += name;
  if (labels.size() == 0 && !extra)
    return;
  out_ += '{';
  bool first = true;
  auto one = [&](const metric_label& l) {
    if (!first)
      out_ += ',';
    first = false;
    out_ += l.name;
    out_ += "=\"";
    append_escaped(out_, l.value, true);
    out_ += '"';
  };
  for (const auto& l : labels)
    one(l);
  if (extra)
    one(*extra);
  out_ += '}';
}

void exposition_writer::sample(std::string_view name, std::initializer_list<metric_label> labels,
                               double value) {
  head(name, labels);
  out_ += ' ';
  append_number(out_, value);
  out_ += '\n';
}

void exposition_writer::sample(std::string_view name, std::initializer_list<metric_label> labels,
                               std::uint64_t value) {
  head(name, labels);
  out_ += ' ';
  append_number(out_, value);
  out_ += '\n';
}

void exposition_writer::histogram(std::string_view name,
                                  std::initializer_list<metric_label> labels,
                                  const duration_histogram::reading& reading) {
  const std::string bucket = std::string(name) + "_bucket";
  for (std::size_t i = 0; i < duration_histogram::slots; ++i) {
    const metric_label le{"le", i < duration_buckets.size() ? duration_buckets[i].le : "+Inf"};
    head(bucket, labels, &le);
    out_ += ' ';
    append_number(out_, reading.cumulative[i]);
    out_ += '\n';
  }
  sample(std::string(name) + "_sum", labels, reading.sum_seconds);
  sample(std::string(name) + "_count", labels, reading.count);
}

std::string render_metrics(const server_metrics& c, const runtime_figures& f) {
  exposition_writer w;
  using t = metric_type;

  w.declare("ankisync_http_requests_total", t::counter,
            "HTTP requests answered or cut, by route family (sync, msync, other), method and "
            "status class (cut: the transfer broke off).");
  for (std::size_t fam = 0; fam < route_family_labels.size(); ++fam)
    for (std::size_t m = 0; m < request_method_labels.size(); ++m)
      for (std::size_t s = 0; s < status_class_labels.size(); ++s)
        w.sample("ankisync_http_requests_total",
                 {{"family", route_family_labels[fam]},
                  {"method", request_method_labels[m]},
                  {"status", status_class_labels[s]}},
                 c.request(static_cast<route_family>(fam), static_cast<request_method>(m),
                           static_cast<status_class>(s))
                     .value());

  w.declare("ankisync_http_request_duration_seconds", t::histogram,
            "Time from a request's complete header to the end of its reply, by method.");
  for (std::size_t m = 0; m < request_method_labels.size(); ++m)
    w.histogram("ankisync_http_request_duration_seconds", {{"method", request_method_labels[m]}},
                c.request_duration[m].read());

  auto plain = [&](std::string_view name, t type, std::string_view help, auto value) {
    w.declare(name, type, help);
    w.sample(name, {}, value);
  };
  plain("ankisync_http_received_bytes_total", t::counter,
        "Bytes read from clients: request heads and bodies.", c.bytes_received.value());
  plain("ankisync_http_sent_bytes_total", t::counter, "Reply body bytes written to clients.",
        c.bytes_sent.value());
  plain("ankisync_http_conflicts_total", t::counter,
        "Replies 409: a session step with no session or another device's session key, a media "
        "file that is gone.",
        c.conflicts.value());
  plain("ankisync_http_payload_too_large_total", t::counter,
        "Replies 413: request bodies over the payload limit.", c.payload_too_large.value());

  plain("ankisync_full_uploads_total", t::counter, "Full uploads answered completely.",
        c.full_uploads.value());
  plain("ankisync_full_upload_bytes_total", t::counter,
        "Body bytes of full uploads, as sent (compressed).", c.full_upload_bytes.value());
  plain("ankisync_full_downloads_total", t::counter, "Full downloads sent completely.",
        c.full_downloads.value());
  plain("ankisync_full_download_bytes_total", t::counter,
        "Body bytes of full downloads, as sent (compressed).", c.full_download_bytes.value());
  w.declare("ankisync_full_upload_duration_seconds", t::histogram,
            "Time of complete full uploads, from the request's header to the reply's end.");
  w.histogram("ankisync_full_upload_duration_seconds", {}, c.full_upload_duration.read());
  w.declare("ankisync_full_download_duration_seconds", t::histogram,
            "Time of complete full downloads, from the request's header to the reply's end.");
  w.histogram("ankisync_full_download_duration_seconds", {}, c.full_download_duration.read());
  plain("ankisync_media_files_uploaded_total", t::counter,
        "Media files stored from clients' uploads (deletions not counted).",
        c.media_files_uploaded.value());
  plain("ankisync_media_files_downloaded_total", t::counter,
        "Media files put into download zips for clients.", c.media_files_downloaded.value());
  plain("ankisync_media_upload_bytes_total", t::counter,
        "Body bytes of media uploads (uploadChanges) answered completely, as sent.",
        c.media_upload_bytes.value());
  plain("ankisync_media_download_bytes_total", t::counter,
        "Body bytes of media download zips (downloadFiles) sent completely.",
        c.media_download_bytes.value());

  plain("ankisync_sync_sessions_started_total", t::counter, "Collection sync sessions started.",
        c.sessions_started.value());
  plain("ankisync_sync_sessions_finished_total", t::counter,
        "Collection sync sessions committed by finish.", c.sessions_finished.value());
  plain("ankisync_sync_sessions_aborted_total", t::counter,
        "Collection sync sessions rolled back: aborted by the client, a failed step, a new "
        "start, a full sync, the idle timeout or a stop.",
        c.sessions_aborted.value());
  plain("ankisync_sync_sessions_open", t::gauge,
        "Collection sync sessions open now (started, not yet finished or rolled back).",
        f.open_sessions);
  plain("ankisync_sync_sessions_timed_out_total", t::counter,
        "Of the aborted sessions, those rolled back after session.idle_timeout_ms without a "
        "request.",
        c.sessions_timed_out.value());

  plain("ankisync_sync_waits_total", t::counter,
        "Starts and full syncs of one device that waited for another device's open session.",
        c.session_waits.value());
  w.declare("ankisync_sync_wait_duration_seconds", t::histogram,
            "How long those requests waited before they ran (or were refused).");
  w.histogram("ankisync_sync_wait_duration_seconds", {}, c.session_wait_duration.read());
  plain("ankisync_sync_sessions_abandoned_total", t::counter,
        "Sessions rolled back because they went quiet past session.stall_ms while another "
        "device waited.",
        c.sessions_abandoned.value());

  w.declare("ankisync_backups_total", t::counter,
            "Backups (scheduled or asked for) by result: complete (manifest written) or failed.");
  w.sample("ankisync_backups_total", {{"result", "complete"}}, c.backups_complete.value());
  w.sample("ankisync_backups_total", {{"result", "failed"}}, c.backups_failed.value());
  plain("ankisync_last_backup_timestamp_seconds", t::gauge,
        "When the last backup ended (unix seconds); 0 when none has since the start.",
        static_cast<double>(c.last_backup_unix_s.load(std::memory_order_relaxed)));
  plain("ankisync_last_backup_success", t::gauge,
        "1 when the last backup was complete, 0 when it failed or none has run.",
        c.last_backup_ok.load(std::memory_order_relaxed) ? 1.0 : 0.0);

  w.declare("ankisync_logins_total", t::counter,
            "Logins (hostKey) by result: ok, failed (wrong name or password), throttled (429).");
  for (std::size_t r = 0; r < login_result_labels.size(); ++r)
    w.sample("ankisync_logins_total", {{"result", login_result_labels[r]}},
             c.logins[r].value());

  std::uint64_t collections = 0;
  for (const auto& k : f.kinds)
    if (k.kind == "collection")
      collections = k.actors;
  plain("ankisync_resident_collections", t::gauge,
        "Users whose collection actor is resident (their files are open).", collections);
  w.declare("ankisync_actors", t::gauge, "Live actors by kind.");
  for (const auto& k : f.kinds)
    w.sample("ankisync_actors", {{"kind", k.kind}}, k.actors);
  w.declare("ankisync_actor_mailbox_size_sum", t::gauge,
            "Messages waiting in the mailboxes of all actors of a kind.");
  for (const auto& k : f.kinds)
    w.sample("ankisync_actor_mailbox_size_sum", {{"kind", k.kind}}, k.mailbox_sum);
  w.declare("ankisync_actor_mailbox_size_max", t::gauge,
            "The longest mailbox among the actors of a kind.");
  for (const auto& k : f.kinds)
    w.sample("ankisync_actor_mailbox_size_max", {{"kind", k.kind}}, k.mailbox_max);

  plain("ankisync_blocking_pool_queued_jobs", t::gauge,
        "Blocking jobs (hashing, upload checks, snapshots, media zips) waiting for a thread.",
        f.pool_queued);
  plain("ankisync_blocking_pool_busy_threads", t::gauge, "Blocking pool threads running a job.",
        f.pool_busy);
  plain("ankisync_blocking_pool_threads", t::gauge, "Blocking pool threads (the profile's).",
        f.pool_threads);

  plain("process_resident_memory_bytes", t::gauge, "Resident memory size in bytes.", f.rss_bytes);
  plain("ankisync_heap_in_use_bytes", t::gauge,
        "Bytes the allocator has handed out and not yet got back (every arena).",
        f.heap_in_use_bytes);
  plain("ankisync_heap_free_bytes", t::gauge,
        "Bytes the allocator holds free: kept for reuse, or fragmentation.", f.heap_free_bytes);
  plain("process_open_fds", t::gauge, "Open file descriptors.", f.open_fds);
  plain("process_max_fds", t::gauge, "Limit on open file descriptors.", f.max_fds);
  plain("process_threads", t::gauge, "Threads of the process.", f.threads);
  plain("process_cpu_seconds_total", t::counter, "User and system CPU time spent, in seconds.",
        f.cpu_seconds);
  plain("process_start_time_seconds", t::gauge, "Start time of the process, Unix seconds.",
        f.start_time_seconds);
  plain("ankisync_uptime_seconds", t::gauge, "Seconds since the server started.",
        f.uptime_seconds);

  w.declare("ankisync_build_info", t::gauge, "Always 1; labels name the version and profile.");
  w.sample("ankisync_build_info", {{"version", f.version}, {"profile", f.profile}},
           std::uint64_t{1});
  return w.take();
}

} // namespace ankisync::protocol
