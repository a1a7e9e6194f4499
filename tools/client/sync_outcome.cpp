#include "tools/client/sync_outcome.hpp"

namespace ankisync::client {

std::string describe(const sync_result& r) {
  if (r) {
    switch (r->kind) {
    case sync_outcome_kind::no_changes:
      return "no changes";
    case sync_outcome_kind::normal_sync_done:
      return "normal sync done";
    case sync_outcome_kind::full_sync_required:
      return std::string("full sync required (upload ") + (r->full.upload_ok ? "ok" : "refused") +
             ", download " + (r->full.download_ok ? "ok" : "refused") + ")";
    }
  }
  const auto& f = r.error();
  std::string kind;
  switch (f.kind) {
  case sync_failure_kind::http_status: kind = "http " + std::to_string(f.status); break;
  case sync_failure_kind::transport: kind = "transport failure"; break;
  case sync_failure_kind::bad_reply: kind = "bad reply"; break;
  case sync_failure_kind::server_stop: kind = "server said stop"; break;
  case sync_failure_kind::clock_off: kind = "clock off"; break;
  case sync_failure_kind::sanity_check: kind = "sanity check failed"; break;
  case sync_failure_kind::local: kind = "local failure"; break;
  case sync_failure_kind::dropped: kind = "dropped"; break;
  }
  if (f.method)
    kind += " at " + std::string(protocol::to_string(*f.method));
  return kind + ": " + f.message;
}

} // namespace ankisync::client
