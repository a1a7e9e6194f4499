#include <catch2/catch.hpp>

#include "profiles/profile.hpp"

using namespace ankisync::profiles;

TEST_CASE("a Raspberry Pi model string picks the pi profile whatever the RAM") {
  machine_facts f{8ull << 30, "Raspberry Pi 4 Model B Rev 1.4", 4};
  auto d = detect_profile(f, "");
  REQUIRE(d);
  CHECK(d->chosen.name == "pi");
  CHECK(d->reason.find("Raspberry Pi") != std::string::npos);
}

TEST_CASE("under 2 GiB of RAM picks the pi profile") {
  machine_facts f{1ull << 30, "", 4};
  auto d = detect_profile(f, "");
  REQUIRE(d);
  CHECK(d->chosen.name == "pi");
  CHECK(d->reason.find("1024 MiB") != std::string::npos);
}

TEST_CASE("a large machine picks the server profile sized by its threads") {
  machine_facts f{32ull << 30, "", 16};
  auto d = detect_profile(f, "");
  REQUIRE(d);
  CHECK(d->chosen.name == "server");
  CHECK(d->chosen.scheduler_threads == 16);
  CHECK(d->chosen.scheduler_policy == "stealing");
}

TEST_CASE("an explicit profile overrides detection") {
  machine_facts f{32ull << 30, "", 16};
  auto d = detect_profile(f, "pi");
  REQUIRE(d);
  CHECK(d->chosen.name == "pi");
  CHECK(d->chosen.scheduler_threads == 2);
  CHECK(d->chosen.max_resident_users == 32);
  CHECK(d->reason == "requested explicitly");
}

TEST_CASE("an unknown profile name is refused") {
  CHECK_FALSE(detect_profile(machine_facts{}, "mainframe"));
}

TEST_CASE("the pi profile is smaller than the server profile in every budget") {
  auto pi = pi_profile();
  auto server = server_profile(8);
  CHECK(pi.max_resident_users < server.max_resident_users);
  CHECK(pi.sqlite_cache_kib < server.sqlite_cache_kib);
  CHECK(pi.malloc_arenas > 0);
  CHECK(server.malloc_arenas == 0); // glibc's own default
  CHECK(pi.malloc_thread_cache == 0);
  CHECK(server.malloc_thread_cache < 0); // glibc's own default
  CHECK(pi.login_max_pending < server.login_max_pending);
  CHECK(pi.max_uncompressed_bytes() == 3 * pi.max_payload_bytes());
}

TEST_CASE("reading this machine's facts finds RAM and threads") {
  auto f = read_machine_facts();
  CHECK(f.total_ram_bytes > 0);
  CHECK(f.hardware_threads >= 1);
}
