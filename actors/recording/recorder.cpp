#include "actors/recording/recorder.hpp"

#include <chrono>
#include <ctime>

#include <boost/json.hpp>
#include <nettle/sha2.h>
#include <spdlog/spdlog.h>

#include "actors/recording/record_file.hpp"
#include "actors/recording/redact.hpp"
#include "actors/recording/start_state.hpp"
#include "storage/private_files.hpp"

#ifndef ANKISYNC_VERSION
#define ANKISYNC_VERSION "unknown"
#endif

namespace ankisync::actors::recording {
namespace {

namespace fs = std::filesystem;

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// 20261122T084512-123456: sorts by time, safe in any file system.
std::string stamp_now() {
  const auto us = now_us();
  const std::time_t secs = us / 1'000'000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02d-%06lld", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(us % 1'000'000));
  return buf;
}

// The requests a client sends first in an exchange: a stream starting
// there has a starting state that no half-done session depends on.
bool opens_exchange(const protocol::sync_request& r) {
  if (r.family == protocol::request_family::media)
    return r.media == protocol::media_method::begin;
  return r.method == protocol::sync_method::host_key || r.method == protocol::sync_method::meta;
}

// Replies that are files or zips: compared by nobody byte for byte, so
// only their size (and digest, when in memory) is kept.
bool is_login(const protocol::sync_request& r) {
  return r.family == protocol::request_family::sync && r.method == protocol::sync_method::host_key;
}

// What a login's answer says of its password: 200, the user's; 403 (the
// only auth_failed a login gives), not the user's or no such user.
pb::Login login_outcome(const std::expected<protocol::sync_reply, protocol::sync_error>& result) {
  if (result)
    return pb::PASSWORD_RIGHT;
  if (result.error().code == protocol::error_code::auth_failed)
    return pb::PASSWORD_WRONG;
  return pb::LOGIN_UNKNOWN;
}

bool binary_reply(const protocol::sync_request& r) {
  if (r.family == protocol::request_family::media)
    return r.media == protocol::media_method::download_files;
  return r.method == protocol::sync_method::download;
}

std::string method_name(const protocol::sync_request& r) {
  return std::string(r.family == protocol::request_family::media ? protocol::to_string(r.media)
                                                                  : protocol::to_string(r.method));
}

pb::Encoding encoding_of(protocol::body_encoding e) {
  switch (e) {
  case protocol::body_encoding::zstd:
    return pb::ZSTD;
  case protocol::body_encoding::gzip:
    return pb::GZIP;
  case protocol::body_encoding::raw:
    break;
  }
  return pb::RAW;
}

std::string sha256(std::string_view bytes) {
  sha256_ctx ctx;
  sha256_init(&ctx);
  sha256_update(&ctx, bytes.size(), reinterpret_cast<const std::uint8_t*>(bytes.data()));
  std::uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&ctx, sizeof digest, digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

} // namespace

struct recorder::stream {
  std::string user;
  fs::path folder;  // <record_dir>/<user>
  std::string stem; // <stamp>: <stem>.ankirec, <stem>.start/, <stem>.bodies/
  std::optional<record_writer> writer;
  std::int64_t started_us = 0;
  std::uint64_t next_seq = 0;
  bool closed = false;
  bool failed = false; // a write failed: the stream stops, the server goes on

  fs::path bodies() const { return folder / (stem + ".bodies"); }

  void append(const pb::Record& r) {
    if (closed || failed)
      return;
    if (auto ok = writer->append(r); !ok) {
      spdlog::error("recording {}: {}; recording of this stream stops", user, ok.error());
      failed = true;
    }
  }

  // Inline up to `limit`, else a side file named `name` under bodies().
  void keep(pb::Body& b, std::string_view bytes, const std::string& name, std::uint64_t limit) {
    b.set_size(bytes.size());
    if (bytes.size() <= limit) {
      b.set_inline_bytes(std::string(bytes));
      return;
    }
    auto ec = storage::create_private_dirs(bodies());
    if (!ec)
      ec = storage::write_private_file(bodies() / name, bytes);
    if (ec)
      spdlog::error("recording {}: cannot write {}: {}", user, (bodies() / name).string(),
                    ec.message());
    b.set_side_file(stem + ".bodies/" + name);
  }

  // A body net/ spilled to a file lives only until the reply is written:
  // linked (free on the same file system) or copied now.
  void keep_file(pb::Body& b, const fs::path& source, const std::string& name) {
    auto ec = storage::create_private_dirs(bodies());
    const auto target = bodies() / name;
    fs::create_hard_link(source, target, ec);
    if (ec) {
      ec.clear();
      fs::copy_file(source, target, fs::copy_options::overwrite_existing, ec);
    }
    // A copy takes the source's mode; a link shares net/'s 0600 temp file.
    if (!ec)
      ec = storage::make_private(target);
    if (ec)
      spdlog::error("recording {}: cannot keep {}: {}", user, source.string(), ec.message());
    b.set_size(fs::file_size(target, ec));
    b.set_side_file(stem + ".bodies/" + name);
  }
};

recorder::recorder(recorder_options options) : options_(std::move(options)) {
  any_.store(options_.all_users);
}

recorder::~recorder() {
  std::lock_guard lock(mutex_);
  while (!open_.empty()) {
    // A copy: close_stream erases the entry whose key it would refer to.
    const std::string user = open_.begin()->first;
    close_stream(user);
  }
}

bool recorder::is_recording(std::string_view user) const {
  if (!any_.load(std::memory_order_relaxed))
    return false;
  std::lock_guard lock(mutex_);
  const std::string name(user);
  return options_.all_users || users_.contains(name) || starting_.contains(name);
}

std::expected<void, std::string> recorder::set_user(const std::string& user, bool on) {
  std::lock_guard lock(mutex_);
  if (on) {
    users_.insert(user);
  } else {
    if (options_.all_users)
      return std::unexpected("every user is recorded (--record); restart without it to choose");
    users_.erase(user);
    close_stream(user);
  }
  update_any();
  return {};
}

std::string recorder::status_json() const {
  std::lock_guard lock(mutex_);
  boost::json::array users;
  auto entry = [&](const std::string& name) {
    boost::json::object o;
    o["user"] = name;
    auto it = open_.find(name);
    o["file"] = it == open_.end()
                    ? std::string()
                    : (it->second->folder / (it->second->stem + record_extension)).string();
    users.push_back(std::move(o));
  };
  for (const auto& u : users_)
    entry(u);
  if (options_.all_users)
    for (const auto& [u, s] : open_)
      if (!users_.contains(u))
        entry(u);
  boost::json::object doc;
  doc["all"] = options_.all_users;
  doc["dir"] = options_.record_dir.string();
  doc["users"] = std::move(users);
  return boost::json::serialize(doc);
}

std::optional<stream_start> recorder::begin_stream(const std::string& user) {
  auto s = std::make_shared<stream>();
  s->user = user;
  s->folder = options_.record_dir / user;
  auto ec = storage::create_private_dirs(s->folder);
  if (ec) {
    spdlog::error("recording {}: cannot create {}: {}", user, s->folder.string(), ec.message());
    return std::nullopt;
  }
  s->stem = stamp_now();
  for (int n = 2; fs::exists(s->folder / (s->stem + record_extension), ec); ++n)
    s->stem = stamp_now() + "-" + std::to_string(n);
  s->started_us = now_us();
  starting_[user] = s;
  update_any();
  return stream_start{user, options_.data_dir / user, s->folder / (s->stem + ".start")};
}

bool recorder::finish_start(const std::string& user,
                            const std::expected<start_state, std::string>& copied) {
  std::lock_guard lock(mutex_);
  auto it = starting_.find(user);
  if (it == starting_.end())
    return false;
  auto s = it->second;
  starting_.erase(it);
  update_any();
  if (!copied) {
    spdlog::error("recording {}: starting state: {}", user, copied.error());
    return false;
  }
  auto writer = record_writer::create(s->folder / (s->stem + record_extension));
  if (!writer) {
    spdlog::error("recording {}: {}", user, writer.error());
    return false;
  }
  s->writer.emplace(std::move(*writer));

  pb::Record r;
  auto* h = r.mutable_header();
  h->set_format_version(record_format_version);
  h->set_server_version(ANKISYNC_VERSION);
  h->set_user(user);
  h->set_started_us(s->started_us);
  h->set_start_state(s->stem + ".start");
  h->set_had_collection(copied->had_collection);
  s->append(r);
  spdlog::info("recording {} to {}", user, s->writer->file().string());
  open_[user] = s;
  // Switched off while the copy ran: a complete recording of nothing.
  if (!options_.all_users && !users_.contains(user)) {
    close_stream(user);
    return false;
  }
  return true;
}

void recorder::update_any() {
  any_.store(options_.all_users || !users_.empty() || !starting_.empty());
}

void recorder::close_stream(const std::string& user) {
  auto it = open_.find(user);
  if (it == open_.end())
    return;
  auto s = it->second;
  open_.erase(it);
  pb::Record r;
  r.mutable_footer()->set_requests(s->next_seq);
  r.mutable_footer()->set_ended_us(now_us());
  s->append(r);
  s->closed = true;
  spdlog::info("recording of {} ended after {} requests", user, s->next_seq);
}

request_step recorder::on_request(const std::string& user, const protocol::sync_request& req) {
  if (!any_.load(std::memory_order_relaxed))
    return std::uint64_t{0};
  std::lock_guard lock(mutex_);
  if (!options_.all_users && !users_.contains(user))
    return std::uint64_t{0};
  std::shared_ptr<stream> s;
  if (auto it = open_.find(user); it != open_.end()) {
    s = it->second;
  } else if (opens_exchange(req) && !starting_.contains(user)) {
    if (auto start = begin_stream(user))
      return std::move(*start);
  }
  if (!s || s->failed)
    return std::uint64_t{0};

  pb::Record r;
  auto* q = r.mutable_request();
  q->set_seq(++s->next_seq);
  q->set_family(req.family == protocol::request_family::media ? pb::MEDIA : pb::SYNC);
  q->set_method(method_name(req));
  q->set_version(req.version);
  q->set_legacy(req.legacy);
  q->set_client_version(req.client_version);
  q->set_has_host_key(!req.host_key.empty());
  q->set_session_key(redacted_session_key(req));
  q->set_received_us(now_us());
  q->set_begin_query(req.begin_query);
  const auto name = std::to_string(q->seq()) + "-request";
  if (is_login(req)) {
    // The body holds the password: only its redacted decoding is kept.
    s->keep(*q->mutable_payload(), redacted_request_body(req), name, options_.inline_limit);
  } else {
    // The bytes the server acted on, as the client framed them: what
    // replay must send to be asking the same thing.
    const bool upload = protocol::keeps_body_undecoded(req);
    const auto& wire = upload ? req.upload_body : req.wire_body;
    q->set_encoding(encoding_of(upload ? req.upload_encoding : req.wire_encoding));
    if (!wire.file.empty())
      s->keep_file(*q->mutable_wire(), wire.file, name);
    else
      s->keep(*q->mutable_wire(), wire.bytes, name, options_.inline_limit);
  }
  s->append(r);

  const auto ticket = ++next_ticket_;
  pending_.emplace(ticket, pending{s, q->seq(), binary_reply(req), secret_in_reply(req)});
  return request_step{ticket};
}

void recorder::on_response(std::uint64_t ticket,
                           const std::expected<protocol::sync_reply, protocol::sync_error>& result) {
  if (ticket == 0)
    return;
  std::lock_guard lock(mutex_);
  auto it = pending_.find(ticket);
  if (it == pending_.end())
    return;
  auto p = std::move(it->second);
  pending_.erase(it);
  auto& s = *p.into;
  if (s.closed || s.failed)
    return;

  pb::Record r;
  auto* a = r.mutable_response();
  a->set_seq(p.seq);
  a->set_answered_us(now_us());
  if (p.secret == reply_secret::host_key)
    a->set_login(login_outcome(result));
  if (!result) {
    const int status = options_.status_of ? options_.status_of(result.error().code) : 500;
    a->set_status(static_cast<std::uint32_t>(status));
    a->mutable_body()->set_inline_bytes(protocol::error_body(status, result.error()));
    a->mutable_body()->set_size(a->body().inline_bytes().size());
  } else {
    a->set_status(200);
    a->set_binary(p.binary);
    const auto& reply = *result;
    if (!reply.body_file.empty()) {
      // A full download, already encoded for the wire: its size says
      // enough, and hashing it here would hold up the gateway.
      a->mutable_body()->set_size(reply.body_file_original_size);
    } else if (p.binary) {
      a->mutable_body()->set_size(reply.body.size());
      a->mutable_body()->set_sha256(sha256(reply.body));
    } else {
      s.keep(*a->mutable_body(), redacted_reply_body(p.secret, reply.body),
             std::to_string(p.seq) + "-response", options_.inline_limit);
    }
  }
  s.append(r);
}

} // namespace ankisync::actors::recording
