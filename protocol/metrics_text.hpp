#pragma once

// Prometheus text exposition format 0.0.4: what GET /metrics answers.
// https://prometheus.io/docs/instrumenting/exposition_formats/

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/server_metrics.hpp"

namespace ankisync::protocol {

inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

struct metric_label {
  std::string_view name;
  std::string_view value; // escaped by the writer
};

enum class metric_type { counter, gauge, histogram };

// Writes families in order: declare() a family (its # HELP and # TYPE),
// then its samples. Label values and help text are escaped as the format
// says; names are ours and must already be valid.
class exposition_writer {
public:
  void declare(std::string_view name, metric_type type, std::string_view help);
  void sample(std::string_view name, std::initializer_list<metric_label> labels, double value);
  void sample(std::string_view name, std::initializer_list<metric_label> labels,
              std::uint64_t value);
  // `name`_bucket (cumulative, with le, ending at +Inf), _sum and _count.
  void histogram(std::string_view name, std::initializer_list<metric_label> labels,
                 const duration_histogram::reading& reading);

  std::string take() { return std::move(out_); }

private:
  void head(std::string_view name, std::initializer_list<metric_label> labels,
            const metric_label* extra = nullptr);
  std::string out_;
};

// Figures read at scrape time rather than counted: the actors, the
// blocking pool, the process.
struct actor_kind_figures {
  std::string kind; // gateway, registry, collection, admin, workers
  std::uint64_t actors = 0;
  std::uint64_t mailbox_sum = 0;
  std::uint64_t mailbox_max = 0;
};
struct runtime_figures {
  std::vector<actor_kind_figures> kinds;
  std::uint64_t open_sessions = 0; // collection sync sessions open now
  std::uint64_t pool_queued = 0;  // blocking jobs waiting for a thread
  std::uint64_t pool_busy = 0;    // blocking threads running a job
  std::uint64_t pool_threads = 0;
  std::uint64_t rss_bytes = 0;
  std::uint64_t heap_in_use_bytes = 0;
  std::uint64_t heap_free_bytes = 0;
  std::uint64_t open_fds = 0;
  std::uint64_t max_fds = 0;
  std::uint64_t threads = 0;
  double cpu_seconds = 0;
  double start_time_seconds = 0; // Unix time the process started
  double uptime_seconds = 0;
  std::string version;
  std::string profile;
};

// The whole /metrics document.
std::string render_metrics(const server_metrics& counters, const runtime_figures& figures);

} // namespace ankisync::protocol
