#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "actors/session_queue.hpp"

using namespace ankisync;
using namespace ankisync::actors;
using protocol::sync_method;

namespace {

protocol::sync_request request(sync_method method, std::string key) {
  protocol::sync_request r;
  r.method = method;
  r.session_key = std::move(key);
  return r;
}

// A reply channel that writes what it was answered into `out`.
reply_channel recorder(std::vector<std::string>& out, std::string name) {
  return reply_channel([&out, name](sync_outcome o) {
    out.push_back(name + (o ? ":ok" : ":" + o.error().message));
  });
}

waiting_request waiting(sync_method method, std::string key, std::vector<std::string>& out,
                        std::string name, std::int64_t scm = 1) {
  return waiting_request{request(method, std::move(key)), recorder(out, std::move(name)),
                         collection_identity{scm, 0}, {}};
}

} // namespace

TEST_CASE("another device's start, upload and download wait for the open session") {
  CHECK(waits_for_session(request(sync_method::start, "b"), "a"));
  CHECK(waits_for_session(request(sync_method::upload, "b"), "a"));
  CHECK(waits_for_session(request(sync_method::download, "b"), "a"));
  // A full sync without a key cannot be the session's own.
  CHECK(waits_for_session(request(sync_method::upload, ""), "a"));
}

TEST_CASE("a device's own requests, meta, steps, abort and media never wait") {
  // Its own repeated start replaces its session; its full sync ends it.
  CHECK_FALSE(waits_for_session(request(sync_method::start, "a"), "a"));
  CHECK_FALSE(waits_for_session(request(sync_method::upload, "a"), "a"));
  CHECK_FALSE(waits_for_session(request(sync_method::download, "a"), "a"));
  // A start without a key is refused at once.
  CHECK_FALSE(waits_for_session(request(sync_method::start, ""), "a"));
  for (auto m : {sync_method::meta, sync_method::apply_graves, sync_method::apply_changes,
                 sync_method::chunk, sync_method::apply_chunk, sync_method::sanity_check,
                 sync_method::finish, sync_method::abort})
    CHECK_FALSE(waits_for_session(request(m, "b"), "a"));
  auto media = request(sync_method::start, "b");
  media.family = protocol::request_family::media;
  CHECK_FALSE(waits_for_session(media, "a"));
}

TEST_CASE("waiting requests are served in order of arrival") {
  std::vector<std::string> out;
  session_queue q;
  CHECK_FALSE(q.push(waiting(sync_method::start, "b", out, "b")));
  CHECK_FALSE(q.push(waiting(sync_method::upload, "c", out, "c")));
  CHECK_FALSE(q.push(waiting(sync_method::start, "d", out, "d")));
  REQUIRE(q.size() == 3);
  auto any = [](const protocol::sync_request&) { return true; };
  CHECK(q.take_first(any)->request.session_key == "b");
  // One not ready (it would wait for a session) keeps its place.
  auto not_upload = [](const protocol::sync_request& r) { return r.method != sync_method::upload; };
  CHECK(q.take_first(not_upload)->request.session_key == "d");
  CHECK(q.take_first(any)->request.session_key == "c");
  CHECK_FALSE(q.take_first(any));
}

TEST_CASE("a device asking again takes its own place in line and keeps the older snapshot") {
  std::vector<std::string> out;
  session_queue q;
  REQUIRE_FALSE(q.push(waiting(sync_method::start, "b", out, "b1", 7)));
  REQUIRE_FALSE(q.push(waiting(sync_method::start, "c", out, "c")));
  auto replaced = q.push(waiting(sync_method::start, "b", out, "b2", 8));
  REQUIRE(replaced);
  replaced->reply(sync_outcome(protocol::sync_reply{}));
  CHECK(out == std::vector<std::string>{"b1:ok"});
  REQUIRE(q.size() == 2);
  auto first = q.take_first([](const protocol::sync_request&) { return true; });
  REQUIRE(first);
  CHECK(first->request.session_key == "b");
  CHECK(first->seen == collection_identity{7, 0});
  first->reply(sync_outcome(protocol::sync_reply{}));
  CHECK(out.back() == "b2:ok");
  // Another method of the same key, or no key at all, is a request of its own.
  CHECK_FALSE(q.push(waiting(sync_method::upload, "c", out, "c-up")));
  CHECK_FALSE(q.push(waiting(sync_method::upload, "", out, "anon1")));
  CHECK_FALSE(q.push(waiting(sync_method::upload, "", out, "anon2")));
  CHECK(q.size() == 4);
}

TEST_CASE("an aborting device takes back its waiting requests, others stay") {
  std::vector<std::string> out;
  session_queue q;
  q.push(waiting(sync_method::start, "b", out, "b"));
  q.push(waiting(sync_method::start, "c", out, "c"));
  q.push(waiting(sync_method::upload, "b", out, "b-up"));
  CHECK(q.take_device("").empty());
  auto taken = q.take_device("b");
  CHECK(taken.size() == 2);
  REQUIRE(q.size() == 1);
  CHECK(q.take_all().front().request.session_key == "c");
  CHECK(q.empty());
}
