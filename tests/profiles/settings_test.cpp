#include <catch2/catch.hpp>

#include "profiles/settings.hpp"

using namespace ankisync::profiles;

TEST_CASE("a setting is set by its --dump-config key") {
  auto p = pi_profile();
  REQUIRE(apply_setting(p, "shutdown.grace_ms=1500").has_value());
  CHECK(p.shutdown_grace == std::chrono::milliseconds(1500));
  REQUIRE(apply_setting(p, "io.threads=3").has_value());
  CHECK(p.io_threads == 3);
}

TEST_CASE("an unknown key, a missing '=' and a value that is not a number are refused") {
  auto p = server_profile(4);
  const auto before = p.io_threads;
  auto unknown = apply_setting(p, "io.threadz=3");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().find("io.threadz") != std::string::npos);
  CHECK_FALSE(apply_setting(p, "io.threads"));
  CHECK_FALSE(apply_setting(p, "io.threads=three"));
  CHECK_FALSE(apply_setting(p, "io.threads=-1"));
  CHECK_FALSE(apply_setting(p, "io.threads="));
  CHECK_FALSE(apply_setting(p, "shutdown.grace_ms=-5"));
  CHECK(p.io_threads == before);
}
