#include "tools/replay/replayer.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <chrono>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <unordered_map>

#include <boost/json.hpp>

#include "actors/recording/record_file.hpp"
#include "protocol/envelope.hpp"
#include "protocol/gzip_codec.hpp"
#include "protocol/legacy_envelope.hpp"
#include "protocol/multipart.hpp"
#include "protocol/zstd_codec.hpp"
#include "tools/client/http_client.hpp"
#include "tools/replay/replay_server.hpp"
#include "tools/replay/response_compare.hpp"

namespace ankisync::replay {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
namespace pb = actors::recording::pb;

constexpr std::uint64_t no_limit = std::numeric_limits<std::uint64_t>::max();

std::expected<std::string, std::string> load_body(const pb::Body& b, const fs::path& base) {
  if (b.side_file().empty())
    return b.inline_bytes();
  std::ifstream in(base / b.side_file(), std::ios::binary);
  if (!in)
    return std::unexpected("cannot read " + (base / b.side_file()).string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The upload body as the client had it before its envelope compressed it.
std::expected<std::string, std::string> decoded_upload(const pb::Request& q,
                                                       std::string bytes) {
  if (q.encoding() == pb::ZSTD) {
    auto d = protocol::zstd_decompress(bytes, no_limit);
    if (!d)
      return std::unexpected("recorded upload is not zstd: " + d.error().message);
    return std::move(*d);
  }
  if (q.encoding() == pb::GZIP) {
    auto d = protocol::gzip_decompress(bytes, no_limit);
    if (!d)
      return std::unexpected("recorded upload is not gzip: " + d.error().message);
    return std::move(*d);
  }
  return bytes;
}

// Differs from `password`, so the replaying server refuses it.
std::string wrong_password(const std::string& password) { return password + "-wrong"; }

std::string random_password() {
  std::random_device rd;
  std::string out = "replay-";
  for (int i = 0; i < 16; ++i)
    out += "abcdefghijklmnopqrstuvwxyz0123456789"[rd() % 36];
  return out;
}

// The first "sk" anywhere in a JSON reply (media begin nests it in "data").
std::string find_session_key(std::string_view body) {
  json::error_code ec;
  auto v = json::parse(body, ec);
  if (ec)
    return {};
  std::string found;
  auto walk = [&](auto& self, const json::value& x) -> void {
    if (!found.empty())
      return;
    if (x.is_object()) {
      for (const auto& [k, child] : x.as_object()) {
        if (k == "sk" && child.is_string()) {
          found = std::string(child.as_string());
          return;
        }
        self(self, child);
      }
    } else if (x.is_array()) {
      for (const auto& child : x.as_array())
        self(self, child);
    }
  };
  walk(walk, v);
  return found;
}

struct endpoint {
  std::string host;
  std::uint16_t port = 0;
};

std::expected<endpoint, std::string> parse_url(std::string_view url) {
  if (url.starts_with("http://"))
    url.remove_prefix(7);
  else if (url.find("://") != std::string_view::npos)
    return std::unexpected("only http:// URLs can be replayed against");
  url = url.substr(0, url.find('/'));
  const auto colon = url.rfind(':');
  endpoint e;
  e.host = std::string(url.substr(0, colon));
  e.port = 80;
  if (colon != std::string_view::npos) {
    unsigned p = 0;
    auto port = url.substr(colon + 1);
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc{} || end != port.data() + port.size() || p == 0 || p > 65535)
      return std::unexpected("bad port in URL: " + std::string(port));
    e.port = static_cast<std::uint16_t>(p);
  }
  if (e.host.empty())
    return std::unexpected("no host in URL");
  return e;
}

struct sent_request {
  const pb::Request* record = nullptr;
  // Decoded, for reports (and for format 1, what is sent): JSON, or the
  // collection file of a format 1 upload.
  std::string payload;
  // Format 2: the body as the recorded client sent it, sent as it is.
  std::optional<std::string> wire;
  std::string host_key;
  std::string session_key;
};

bool is_upload(const pb::Request& q) {
  return q.method() == (q.family() == pb::MEDIA ? "uploadChanges" : "upload");
}

// RFC 3986 unreserved characters stay, everything else is %XX.
std::string url_encoded(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

// A legacy form around a `data` part kept as it was sent: the same
// fields the reference client writes, `c` saying whether it is gzip.
std::string legacy_body_as_sent(const sent_request& r) {
  const auto& q = *r.record;
  std::vector<std::pair<std::string, std::string>> fields;
  if (!r.host_key.empty())
    fields.emplace_back("k", r.host_key);
  if (!r.session_key.empty())
    fields.emplace_back("s", r.session_key);
  if (!q.client_version().empty())
    fields.emplace_back("v", q.client_version());
  fields.emplace_back("c", q.encoding() == pb::GZIP ? "1" : "0");
  std::optional<std::string> data;
  if (!r.wire->empty())
    data = *r.wire;
  return protocol::build_multipart(protocol::legacy_boundary, fields, data);
}

// What a format 2 body says, for reports: its decoding when it is JSON.
std::string decoded_for_report(const pb::Request& q, const std::string& wire) {
  if (is_upload(q))
    return {};
  std::expected<std::string, protocol::sync_error> d = wire;
  if (q.encoding() == pb::ZSTD)
    d = protocol::zstd_decompress(wire, no_limit);
  else if (q.encoding() == pb::GZIP)
    d = protocol::gzip_decompress(wire, no_limit);
  return d ? std::move(*d) : "<" + std::to_string(wire.size()) + " bytes that do not decode>";
}

// One request in the envelope it was recorded in. Transport failures are
// errors; any HTTP answer is a reply (200 bodies decoded).
std::expected<recorded_reply, std::string> send(client::http_client& http, const sent_request& r) {
  const auto& q = *r.record;
  client::http_request req;
  req.method = "POST";
  req.target = (q.family() == pb::MEDIA ? "/msync/" : "/sync/") + q.method();
  const bool upload = q.family() == pb::SYNC && q.method() == "upload";
  if (q.begin_query()) {
    // As Anki 2.1.22-2.1.56 opens a media sync: no body.
    req.method = "GET";
    req.target += "?k=" + url_encoded(r.host_key) + "&v=" + url_encoded(q.client_version());
  } else if (q.legacy() && r.wire) {
    req.headers.emplace_back("content-type", protocol::legacy_content_type());
    req.body = legacy_body_as_sent(r);
  } else if (q.legacy()) {
    protocol::legacy_form form;
    form.host_key = r.host_key;
    form.session_key = r.session_key;
    form.client_version = q.client_version();
    form.data = r.payload;
    form.compress = !(upload && q.encoding() == pb::RAW);
    req.headers.emplace_back("content-type", protocol::legacy_content_type());
    req.body = protocol::encode_legacy_body(form);
  } else {
    protocol::sync_header h;
    h.version = static_cast<std::uint8_t>(q.version());
    h.host_key = r.host_key;
    h.client_version = q.client_version();
    h.session_key = r.session_key;
    req.headers.emplace_back(std::string(protocol::sync_header_name),
                             protocol::encode_sync_header(h));
    req.headers.emplace_back("content-type", "application/octet-stream");
    req.body = r.wire ? *r.wire : protocol::zstd_compress(r.payload);
  }
  auto resp = http.send(req);
  if (!resp)
    return std::unexpected(resp.error());
  recorded_reply out;
  out.status = resp->status;
  if (resp->status == 200 && !q.legacy()) {
    auto body = protocol::zstd_decompress(resp->body, no_limit);
    if (!body)
      return std::unexpected("200 reply to " + req.target + " is not zstd");
    out.body = std::move(*body);
  } else {
    out.body = std::move(resp->body);
  }
  return out;
}

std::string cut(const std::string& s, bool verbose) {
  if (verbose || s.size() <= 2000)
    return s;
  return s.substr(0, 2000) + "... (" + std::to_string(s.size()) + " bytes, --verbose shows all)";
}

std::string describe_request(const pb::Request& q, const std::string& payload,
                             const std::optional<std::string>& wire, bool verbose) {
  std::ostringstream o;
  o << (q.family() == pb::MEDIA ? "/msync/" : "/sync/") << q.method() << "  "
    << (q.legacy() ? "legacy multipart" : "v" + std::to_string(q.version())) << ", client \""
    << q.client_version() << "\", session key \"" << q.session_key() << "\"\n    body: ";
  if (is_upload(q) && wire)
    o << "<" << wire->size() << " bytes as sent>";
  else if (q.family() == pb::SYNC && q.method() == "upload")
    o << "<collection file, " << payload.size() << " bytes>";
  else
    o << cut(payload, verbose);
  return o.str();
}

std::string describe_reply(const recorded_reply& r, bool verbose) {
  if (r.binary)
    return std::to_string(r.status) + " <" + std::to_string(r.body.size()) + " bytes>";
  return std::to_string(r.status) + " " + cut(r.body, verbose);
}

} // namespace

std::expected<replay_report, std::string> run_replay(const replay_options& options,
                                                     std::ostream& progress) {
  auto stream = actors::recording::read_records(options.recording);
  if (!stream)
    return std::unexpected(stream.error());
  const auto& records = stream->records;
  if (records.empty() || !records.front().has_header())
    return std::unexpected(options.recording.string() + " does not start with a header");
  const auto& header = records.front().header();
  if (header.format_version() > actors::recording::record_format_version)
    return std::unexpected("recording format " + std::to_string(header.format_version()) +
                           " is newer than this tool (" +
                           std::to_string(actors::recording::record_format_version) + ")");
  const fs::path base = options.recording.parent_path();

  replay_report report;
  report.user = header.user();
  report.recording = options.recording.string();
  report.truncated = stream->truncated;
  std::map<std::uint64_t, const pb::Response*> answers;
  for (const auto& r : records)
    if (r.has_response())
      answers[r.response().seq()] = &r.response();

  // The server: a fresh one from the starting state, or the given URL.
  std::unique_ptr<replay_server> server;
  endpoint where;
  std::string password = options.password;
  if (!options.url.empty()) {
    auto e = parse_url(options.url);
    if (!e)
      return std::unexpected(e.error());
    where = *e;
  } else {
    if (options.server_binary.empty())
      return std::unexpected("no ankisync binary: pass --server PATH or --url URL");
    password = random_password();
    replay_server_options so;
    so.binary = options.server_binary;
    so.user = header.user();
    so.password = password;
    so.start_state = base / header.start_state();
    so.keep = options.keep;
    try {
      server = std::make_unique<replay_server>(so);
    } catch (const std::exception& e) {
      return std::unexpected(std::string("starting the server: ") + e.what());
    }
    if (options.keep)
      progress << "replay server folder: " << server->root().string() << "\n";
    where = {"127.0.0.1", server->port()};
  }

  client::http_client_options ho;
  ho.timeout = std::chrono::minutes(5);
  client::http_client http(where.host, where.port, ho);

  // A recording may start at meta, with the client already logged in: the
  // replay logs in first, outside the comparison.
  std::string host_key;
  {
    pb::Request login;
    login.set_family(pb::SYNC);
    login.set_method("hostKey");
    login.set_version(11);
    login.set_client_version("ankisync-replay");
    sent_request s{&login,
                   protocol::encode_host_key_request({header.user(), password}), {}, {}};
    auto r = send(http, s);
    if (!r)
      return std::unexpected("logging in: " + r.error());
    if (r->status != 200)
      return std::unexpected("logging in as " + header.user() + ": " + r->body);
    auto key = protocol::decode_host_key_response(r->body);
    if (!key)
      return std::unexpected("logging in: " + key.error().message);
    host_key = std::move(*key);
  }

  std::unordered_map<std::string, std::string> media_keys; // recorded sk -> replay's
  auto tally_for = [&](const std::string& method) -> method_tally& {
    for (auto& [m, t] : report.methods)
      if (m == method)
        return t;
    report.methods.emplace_back(method, method_tally{});
    return report.methods.back().second;
  };

  for (const auto& record : records) {
    if (!record.has_request())
      continue;
    const auto& q = record.request();
    ++report.requests;
    const std::string family = q.family() == pb::MEDIA ? "media" : "sync";
    const std::string label = q.family() == pb::MEDIA ? "msync/" + q.method() : q.method();
    auto& tally = tally_for(label);
    ++tally.count;

    // Format 2 keeps what the client sent (`wire`), except for logins.
    auto payload = load_body(q.has_wire() ? q.wire() : q.payload(), base);
    if (!payload)
      return std::unexpected(payload.error());
    const auto answer = answers.find(q.seq());
    sent_request s;
    s.record = &q;
    s.host_key = q.has_host_key() ? host_key : std::string();
    s.session_key = q.session_key();
    if (q.family() == pb::MEDIA)
      if (auto it = media_keys.find(q.session_key()); it != media_keys.end())
        s.session_key = it->second;
    const bool login = q.family() == pb::SYNC && q.method() == "hostKey";
    if (q.has_wire()) {
      s.payload = decoded_for_report(q, *payload);
      s.wire = std::move(*payload);
    } else if (login) {
      json::error_code ec;
      auto body = json::parse(*payload, ec);
      if (ec || !body.is_object())
        return std::unexpected("recorded hostKey body is not JSON");
      // A login recorded as refused for its password is refused again.
      const bool wrong = answer != answers.end() && answer->second->login() == pb::PASSWORD_WRONG;
      body.as_object()["p"] = wrong ? wrong_password(password) : password;
      s.payload = json::serialize(body);
    } else if (q.family() == pb::SYNC && q.method() == "upload") {
      auto file = decoded_upload(q, std::move(*payload));
      if (!file)
        return std::unexpected(file.error());
      s.payload = std::move(*file);
    } else {
      s.payload = std::move(*payload);
    }

    auto got = send(http, s);
    if (!got) {
      // The server stopped answering: nothing after this can be compared.
      ++tally.diverged;
      ++report.divergences;
      if (!report.first)
        report.first = divergence{q.seq(), label, describe_request(q, s.payload, s.wire, options.verbose),
                                  answer == answers.end()
                                      ? std::string("(not recorded)")
                                      : std::to_string(answer->second->status()),
                                  "no answer", "transport: " + got.error()};
      if (options.verbose)
        progress << "#" << q.seq() << " " << label << ": no answer: " << got.error() << "\n";
      break;
    }
    if (login && got->status == 200)
      if (auto key = protocol::decode_host_key_response(got->body))
        host_key = std::move(*key);

    if (answer == answers.end()) {
      ++tally.skipped;
      if (options.verbose)
        progress << "#" << q.seq() << " " << label << ": " << got->status
                 << " (no recorded answer)\n";
      continue;
    }
    const auto& a = *answer->second;
    recorded_reply expected;
    expected.status = static_cast<int>(a.status());
    expected.binary = a.binary();
    if (!a.binary()) {
      auto body = load_body(a.body(), base);
      if (!body)
        return std::unexpected(body.error());
      expected.body = std::move(*body);
    }
    got->binary = a.binary();
    if (q.family() == pb::MEDIA && q.method() == "begin" && got->status == 200)
      if (auto recorded = find_session_key(expected.body); !recorded.empty())
        media_keys[recorded] = find_session_key(got->body);

    compare_context where{family, q.method(), !header.had_collection()};
    auto difference = compare_reply(where, expected, *got);
    if (!difference && q.family() == pb::SYNC && q.method() == "download" && got->status == 200 &&
        !got->body.starts_with(std::string_view("SQLite format 3\0", 16)))
      difference = "body: expected a collection file, got " + std::to_string(got->body.size()) +
                   " bytes of something else";
    if (options.verbose)
      progress << "#" << q.seq() << " " << label << ": " << got->status
               << (difference ? " DIVERGED: " + *difference : " ok") << "\n";
    if (!difference) {
      ++tally.matched;
      continue;
    }
    ++tally.diverged;
    ++report.divergences;
    if (!report.first) {
      report.first = divergence{q.seq(),
                                label,
                                describe_request(q, s.payload, s.wire, options.verbose),
                                expected.binary ? std::to_string(expected.status) + " <" +
                                                      std::to_string(a.body().size()) + " bytes>"
                                                : describe_reply(expected, options.verbose),
                                describe_reply(*got, options.verbose),
                                *difference};
    }
  }
  return report;
}

std::string format_table(const replay_report& report) {
  std::ostringstream o;
  char line[128];
  std::snprintf(line, sizeof line, "%-22s %6s %8s %9s %8s\n", "method", "count", "matched",
                "diverged", "skipped");
  o << line;
  method_tally total;
  for (const auto& [m, t] : report.methods) {
    std::snprintf(line, sizeof line, "%-22s %6u %8u %9u %8u\n", m.c_str(), t.count, t.matched,
                  t.diverged, t.skipped);
    o << line;
    total.count += t.count;
    total.matched += t.matched;
    total.diverged += t.diverged;
    total.skipped += t.skipped;
  }
  std::snprintf(line, sizeof line, "%-22s %6u %8u %9u %8u\n", "total", total.count, total.matched,
                total.diverged, total.skipped);
  o << line;
  return o.str();
}

std::string format_divergence(const replay_report& report) {
  if (!report.first)
    return "replay matches the recording\n";
  const auto& d = *report.first;
  std::ostringstream o;
  o << "first divergence: request #" << d.seq << " (" << d.method << ")\n"
    << "  request:  " << d.request << "\n"
    << "  expected: " << d.expected << "\n"
    << "  got:      " << d.got << "\n"
    << "  difference: " << d.difference << "\n"
    << report.divergences << " response(s) diverged\n";
  return o.str();
}

std::string format_report(const replay_report& report, bool) {
  std::ostringstream o;
  o << "recording: " << report.recording << "\n"
    << "user: " << report.user << ", " << report.requests << " requests"
    << (report.truncated ? " (the recording ends inside a record)" : "") << "\n\n"
    << format_table(report) << "\n"
    << format_divergence(report);
  return o.str();
}

} // namespace ankisync::replay
