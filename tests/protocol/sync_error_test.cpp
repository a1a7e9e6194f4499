#include <catch2/catch.hpp>

#include <cerrno>
#include <set>
#include <string>

#include "protocol/sync_error.hpp"

using namespace ankisync::protocol;

TEST_CASE("error codes have stable snake_case names", "[sync_error]") {
  CHECK(std::string(to_string(error_code::bad_request)) == "bad_request");
  CHECK(std::string(to_string(error_code::auth_failed)) == "auth_failed");
  CHECK(std::string(to_string(error_code::not_found)) == "not_found");
  CHECK(std::string(to_string(error_code::method_not_allowed)) == "method_not_allowed");
  CHECK(std::string(to_string(error_code::conflict)) == "conflict");
  CHECK(std::string(to_string(error_code::payload_too_large)) == "payload_too_large");
  CHECK(std::string(to_string(error_code::too_many_requests)) == "too_many_requests");
  CHECK(std::string(to_string(error_code::server_error)) == "server_error");
  CHECK(std::string(to_string(error_code::client_too_old)) == "client_too_old");
  CHECK(std::string(to_string(error_code::unavailable)) == "unavailable");
  CHECK(std::string(to_string(error_code::insufficient_storage)) == "insufficient_storage");
}

TEST_CASE("every error code has its own name", "[sync_error]") {
  std::set<std::string> names;
  for (int i = 0; i <= static_cast<int>(error_code::insufficient_storage); ++i)
    names.insert(to_string(static_cast<error_code>(i)));
  CHECK(names.size() == static_cast<std::size_t>(error_code::insufficient_storage) + 1);
  CHECK(names.count("unknown") == 0);
}

TEST_CASE("make_error keeps code and message", "[sync_error]") {
  const sync_error e = make_error(error_code::conflict, "no session");
  CHECK(e.code == error_code::conflict);
  CHECK(e.message == "no session");
}

TEST_CASE("a write that found no room is insufficient_storage, any other a server error",
          "[sync_error]") {
  for (int full : {ENOSPC, EDQUOT, EFBIG}) {
    const auto e = write_failure("cannot write x", full);
    CHECK(e.code == error_code::insufficient_storage);
    CHECK(e.message.starts_with(disk_full_sentence));
    CHECK(e.message.find("cannot write x") != std::string::npos);
  }
  CHECK(write_failure("cannot write x", EIO).code == error_code::server_error);
}
