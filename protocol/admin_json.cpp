#include "protocol/admin_json.hpp"

#include <boost/json.hpp>

namespace ankisync::protocol {

namespace json = boost::json;

namespace {

json::string_view sv(const std::string& s) { return json::string_view(s.data(), s.size()); }

json::object actor_object(const actor_snapshot& a) {
  json::object o;
  o["id"] = a.id;
  o["kind"] = sv(a.kind);
  o["user"] = sv(a.user);
  o["mailbox_size"] = a.mailbox_size;
  o["mailbox_high_water"] = a.mailbox_high_water;
  o["processed"] = a.processed;
  o["last_activity_ms"] = a.last_activity_ms;
  o["session_state"] = sv(a.session_state);
  o["waiting_requests"] = a.waiting_requests;
  return o;
}

} // namespace

std::string encode_actor_list(const std::vector<actor_snapshot>& actors) {
  json::array list;
  list.reserve(actors.size());
  for (const auto& a : actors) list.emplace_back(actor_object(a));
  json::object root;
  root["actors"] = std::move(list);
  return json::serialize(root);
}

std::string encode_user_list(const std::vector<user_summary>& users) {
  json::array list;
  list.reserve(users.size());
  for (const auto& u : users) {
    json::object o;
    o["name"] = sv(u.name);
    o["resident"] = u.resident;
    o["session_open"] = u.session_open;
    o["last_sync_ms"] = u.last_sync_ms;
    o["collection_bytes"] = u.collection_bytes;
    o["media_bytes"] = u.media_bytes;
    o["media_files"] = u.media_files;
    o["mailbox_size"] = u.mailbox_size;
    o["processed"] = u.processed;
    o["last_activity_ms"] = u.last_activity_ms;
    list.emplace_back(std::move(o));
  }
  json::object root;
  root["users"] = std::move(list);
  return json::serialize(root);
}

std::string encode_server_stats(const server_stats& s) {
  json::object o;
  o["resident_actors"] = s.resident_actors;
  o["requests"] = s.requests;
  o["errors"] = s.errors;
  o["uptime_seconds"] = s.uptime_seconds;
  o["rss_bytes"] = s.rss_bytes;
  o["heap_in_use_bytes"] = s.heap_in_use_bytes;
  o["heap_free_bytes"] = s.heap_free_bytes;
  o["threads"] = s.threads;
  o["profile"] = sv(s.profile);
  if (s.last_backup_unix_s == 0)
    o["last_backup"] = nullptr;
  else
    o["last_backup"] = json::object{{"at", s.last_backup_unix_s}, {"ok", s.last_backup_ok}};
  return json::serialize(o);
}

} // namespace ankisync::protocol
