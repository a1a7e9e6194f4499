#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <variant>

#include "protocol/sync_body.hpp"

using namespace ankisync::protocol;

TEST_CASE("each sync method decodes into its own type", "[sync_body]") {
  std::set<std::size_t> seen;
  auto check = [&]<class T>(sync_method m, const std::string& payload, const T*) {
    INFO(to_string(m));
    auto r = decode_sync_body(m, payload);
    REQUIRE(r);
    CHECK(std::holds_alternative<T>(*r));
    seen.insert(r->index());
  };
  check(sync_method::host_key, R"({"u":"a","p":"b"})", static_cast<host_key_request*>(nullptr));
  check(sync_method::meta, R"({"v":11,"cv":"x"})", static_cast<meta_request*>(nullptr));
  check(sync_method::start, R"({"minUsn":0,"lnewer":false,"graves":null})",
        static_cast<start_request*>(nullptr));
  check(sync_method::apply_graves, R"({"chunk":{"cards":[],"decks":[],"notes":[]}})",
        static_cast<apply_graves_request*>(nullptr));
  check(sync_method::apply_changes, R"({"changes":{"models":[],"decks":[[],[]],"tags":[]}})",
        static_cast<apply_changes_request*>(nullptr));
  check(sync_method::chunk, "{}", static_cast<chunk_request*>(nullptr));
  check(sync_method::apply_chunk, R"({"chunk":{"done":true}})",
        static_cast<apply_chunk_request*>(nullptr));
  check(sync_method::sanity_check, R"({"client":[[0,0,0],0,0,0,0,0,0,0]})",
        static_cast<sanity_request*>(nullptr));
  check(sync_method::finish, "{}", static_cast<finish_request*>(nullptr));
  check(sync_method::abort, "{}", static_cast<abort_request*>(nullptr));
  check(sync_method::download, "{}", static_cast<download_request*>(nullptr));
  // The collection file is not JSON and not parsed.
  check(sync_method::upload, std::string("SQLite format 3\0", 16),
        static_cast<upload_request*>(nullptr));
  // Twelve methods, twelve alternatives: the body alone names the method.
  CHECK(seen.size() == 12);
}

TEST_CASE("the typed body carries the decoded values", "[sync_body]") {
  auto r = decode_sync_body(sync_method::start, R"({"minUsn":5,"lnewer":true})");
  REQUIRE(r);
  REQUIRE(std::holds_alternative<start_request>(*r));
  CHECK(std::get<start_request>(*r).min_usn == 5);
  CHECK(std::get<start_request>(*r).lnewer);
}

TEST_CASE("a body of the wrong shape for its method is a bad request", "[sync_body]") {
  struct c {
    sync_method method;
    std::string payload;
    std::string prefix;
  };
  const c k = GENERATE(values<c>({
      {sync_method::meta, R"({"minUsn":0,"lnewer":false})", "bad meta body: "},
      {sync_method::start, R"({"v":11,"cv":"x"})", "bad start body: "},
      {sync_method::chunk, R"({"x":1})", "bad chunk body: "},
      {sync_method::download, "", "bad download body: "},
      {sync_method::sanity_check, R"({"client":"failed"})", "bad sanityCheck2 body: "},
      {sync_method::apply_chunk, R"({"chunk":{"cards":[[1]]}})", "bad applyChunk body: "},
      {sync_method::host_key, R"({"u":"a"})", "bad hostKey body: "},
  }));
  auto r = decode_sync_body(k.method, k.payload);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == error_code::bad_request);
  CHECK_THAT(r.error().message, Catch::StartsWith(k.prefix));
}
